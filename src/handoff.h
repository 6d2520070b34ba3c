/*
 * handoff.h: handing received descriptors to a command, the way a service
 * manager does (sd_listen_fds(3)).
 */
#ifndef HANDOFF_H
#define HANDOFF_H

#include <stddef.h>

/*
 * --env: the variables that say where the descriptors are, in the words of
 * the program that reads them.
 */
enum handoff_env {
	HANDOFF_SYSTEMD,        /* LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES: sd_listen_fds(3) */
	HANDOFF_NGINX,          /* NGINX="3;4;": nginx, as its binary upgrade passes them */
	HANDOFF_EINHORN,        /* EINHORN_FD_COUNT, EINHORN_FD_n: einhorn's workers */
	HANDOFF_SYSTEMFD,       /* systemd's and LISTEN_FDS_FIRST_FD: systemfd, listenfd */
};

/* The style of --env STYLE, or -1. */
int handoff_env(const char *s);

/* Whether a style has descriptor names to set. */
#define HANDOFF_NAMES(env) ((env) == HANDOFF_SYSTEMD || (env) == HANDOFF_SYSTEMFD)

struct handoff {
	int *fds;               /* the received descriptors; moved, then closed */
	size_t nfds;
	const int *at;          /* where they go, or NULL for 3, 4, ... */
	char *const *names;     /* NULL, or a name (or NULL: "unknown") per descriptor */
	const char *msg;        /* the message, for FDRECV_MESSAGE */
	size_t msglen;
	int env;                /* enum handoff_env */
	const char *notify;     /* NOTIFY_SOCKET to set ("": to remove), or NULL */
};

/*
 * In the process that will exec: put the descriptors in place with
 * close-on-exec cleared, set close-on-exec on every other descriptor above
 * 2, remove every inherited variable of the styles above, then set those
 * of h->env (LISTEN_PID is this process), FDRECV_MESSAGE, and
 * NOTIFY_SOCKET when h->notify says.
 */
int handoff_prepare(const struct handoff *h);

/*
 * NOTIFY_SOCKET for the socket bound at fd: its absolute path (sd_notify(3)
 * takes no other) or @NAME, into buf.
 */
int handoff_notify_socket(int fd, char *buf, size_t size);

#endif
