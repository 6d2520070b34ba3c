/*
 * report.h: what arrived (or what was sent), for people and for scripts.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>
#include <sys/types.h>

#include "describe.h"

struct report {
	const char *data;       /* the payload */
	size_t len;
	const int *fds;
	size_t nfds;
	char *const *names;     /* NULL, or a name (or NULL) per descriptor */
	int has_peer;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	const char *comm;       /* the peer's command name, or "" */
	const struct proc_id *id; /* NULL, or who the peer is, as a pidfd held it */
	int process;            /* pid:PID: the peer is the process the descriptors
	                         * were taken from, not a socket's other end */
	const int *source_fds;  /* with process: each descriptor's number in it */
	int ended;              /* FDP_ENDED_*: how a stream message ended */
};

/* How much of a long message the human report shows. */
#define REPORT_SHOWN 4096

/* The peer (or process) line, the message line, then one line per descriptor. */
void report_human(FILE *f, const struct report *r);

/* One JSON object on one line, as fdrecv(1) documents it. */
void report_json(FILE *f, const struct report *r);

/* Write s safely for a terminal: control bytes and invalid UTF-8 as escapes. */
void report_escaped(FILE *f, const char *s, size_t len);

#endif
