/*
 * serve.h: fdrecv's serving loop. Every peer at once, in one ppoll(2): each
 * connection with its own buffer, descriptors and deadline, children reaped
 * as they end, so that a slow, silent or hostile peer holds its own
 * connection and nothing else.
 */
#ifndef SERVE_H
#define SERVE_H

#include <stddef.h>
#include <sys/types.h>

#include "args.h"
#include "describe.h"
#include "fdpass.h"

/* Who sent a message, as the kernel vouches for it. */
struct serve_peer {
	int known;              /* 0: the kernel gave no credentials */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char comm[64];          /* its command name, "" when not asked for or gone */
	struct proc_id *id;     /* who it is, as its pidfd pins it (SO_PEERPIDFD);
	                         * only for a report (want_comm), else NULL */
};

struct serve;

/*
 * A whole message that passed every check. Returns 1 when it counts toward
 * the count, 0 when it does not (--notify: only READY=1 counts). It may
 * take m's descriptors (setting m->nfds to 0); the loop closes the rest.
 * A stream peer's credentials are in p only with want_comm or an allow
 * list; else p is "unknown" (the loop asks only when it has to name it).
 */
typedef int serve_fn(struct serve *s, struct fdp_msg *m, const struct serve_peer *p);

struct serve_state;

struct serve {
	/* What to serve, set by the caller. */
	const char *name;               /* SOCKET, as messages show it */
	struct fdp_listener *l;         /* what fdp_listen set up, unless connect */
	const struct fdp_addr *a;       /* with connect: where to */
	int connect, type, wait_ms;     /* -c, -t (0 for any), -w */
	unsigned long count;            /* messages to handle; 0: until a signal */
	int timeout_ms;                 /* -T; -1: none */
	const char *timeout_arg;        /* -T as given, for messages */
	size_t max_conns, max_size, max_children;
	const char *max_size_arg;
	long max_fds, expect;           /* -1: no check */
	const struct allow *allow;      /* --allow-uid, --allow-gid */
	int strict;
	int want_comm;                  /* for a report: each peer's command
	                                 * name, and how a stream message ended */
	int forking;                    /* the handler starts a child per message */
	const char *command;            /* that child's program, for reports */
	const char *nonce;              /* greet each stream peer, and take the
	                                 * names it sends (FDP_GREETING); NULL: not */
	serve_fn *handle;
	void *arg;
	/* Descriptors to watch besides the peers (--notify's store): watch
	 * points *fds at them (-1 for one not to watch) and says how many;
	 * when any of them hangs up or fails, hung_up is called. */
	size_t (*watch)(struct serve *s, const int **fds);
	void (*hung_up)(struct serve *s);
	/* Kept by the loop. */
	int status;                     /* 1 once anything failed */
	struct serve_state *st;
};

/* Serve until count messages were handled or no more can come. Returns
 * the status to exit with. */
int serve_run(struct serve *s);

/* The handler started a child to handle its message: the loop reaps it,
 * and runs at most max_children at once. */
void serve_child(struct serve *s, pid_t pid);

/* "peer pid 12 uid 1000", or "a peer with unknown credentials". */
const char *serve_peer_name(const struct serve_peer *p);

#endif
