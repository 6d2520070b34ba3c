/*
 * pidsrc.h: pid:PID[:FD,...] as a source of descriptors. Duplicates of
 * another process's descriptors, taken with pidfd_getfd(2), make a message
 * as if they had arrived on a socket. The process is never stopped,
 * signalled or changed: it keeps its own descriptors, and the duplicates
 * share their open files with it.
 */
#ifndef PIDSRC_H
#define PIDSRC_H

#include <stddef.h>
#include <sys/types.h>

#include "describe.h"
#include "fdpass.h"

struct pidsrc {
	pid_t pid;
	int *want;              /* the descriptors asked for; none: every open one */
	size_t nwant, wantcap;
	int *from;              /* after pidsrc_take: each one's number in the process */
	size_t nfrom, fromcap;
	uid_t uid[3];           /* the process's real, effective and saved ids */
	gid_t gid[3];
	pid_t tgid;             /* the process a thread pid belongs to, or 0 */
	char comm[64];
	/* after a failure */
	int err;                /* its errno */
	int bad_fd;             /* the descriptor it concerns, or -1: the process */
	const char *call;       /* the system call that failed, or NULL */
	char why[512];          /* EPERM: what in the kernel's rules refused it */
};

/*
 * Parse "pid:PID" or "pid:PID:FD[,FD...]" (N, N-M or N,M,... as in -f).
 * Returns 1 for a pid: source, 0 for text that is not one (another address),
 * -1 with EINVAL for a malformed one.
 */
int pidsrc_parse(const char *text, struct pidsrc *s);

/*
 * Take the descriptors: every open one, in order, or those asked for. They
 * are appended to m, close-on-exec, with their numbers in s->from; id says
 * who the process is. Only pidfd_getfd touches the process, and only to
 * read its table. Returns 0, or -1 with errno (and s->err, s->bad_fd,
 * s->call, s->why) set and nothing taken.
 */
int pidsrc_take(struct pidsrc *s, struct fdp_msg *m, struct proc_id *id);

/* After a failure: what went wrong, in words, for a message. */
const char *pidsrc_error(const struct pidsrc *s);

void pidsrc_free(struct pidsrc *s);

#endif
