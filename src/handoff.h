/*
 * handoff.h: handing received descriptors to a command, the way a service
 * manager does (sd_listen_fds(3)).
 */
#ifndef HANDOFF_H
#define HANDOFF_H

#include <stddef.h>

struct handoff {
	int *fds;               /* the received descriptors; moved, then closed */
	size_t nfds;
	const int *at;          /* where they go, or NULL for 3, 4, ... */
	char *const *names;     /* NULL, or one name per descriptor */
	const char *msg;        /* the message, for FDRECV_MESSAGE */
	size_t msglen;
};

/*
 * In the process that will exec: put the descriptors in place with
 * close-on-exec cleared, set close-on-exec on every other descriptor above
 * 2, and set LISTEN_FDS, LISTEN_PID (this process), LISTEN_FDNAMES and
 * FDRECV_MESSAGE after removing any inherited LISTEN_* variable.
 */
int handoff_prepare(const struct handoff *h);

#endif
