/*
 * notify.h: systemd's notify protocol (sd_notify(3)): KEY=VALUE lines in
 * datagrams, descriptors kept with FDSTORE=1 under FDNAME=NAME.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>

/* Told of each datagram once it has gone, with what it carried (-v). */
typedef void notify_sent_fn(void *arg, const char *text, size_t len, const int *fds,
    size_t nfds);

/*
 * Send fds to a connected dgram socket: one datagram "FDSTORE=1\nFDNAME=N"
 * per distinct name, in the order names first appear (FDNAME left out for
 * descriptors without a name), then text (KEY=VALUE lines) in a last
 * datagram of its own, so that a READY=1 there follows every FDSTORE=1.
 * With no descriptors, text goes alone. sent, unless NULL, is called after
 * each datagram.
 */
int notify_send(int sock, const int *fds, char *const *names, size_t nfds,
    const char *text, size_t len, int timeout_ms, notify_sent_fn *sent, void *arg);

/*
 * Wait until the manager has handled every datagram sent before, as
 * sd_notify_barrier(3) does: BARRIER=1 goes with the write end of a new
 * pipe, and the manager answers by closing it. Returns 0 once it has, or
 * once the manager's socket is gone (nothing is left to wait for); -1 with
 * ETIMEDOUT when no answer came within timeout_ms. sent is called as by
 * notify_send.
 */
int notify_barrier(int sock, int timeout_ms, notify_sent_fn *sent, void *arg);

/* How long fdsend waits for that answer without -T, as systemd-notify does. */
#define NOTIFY_BARRIER_MS 5000

struct notify_fields {
	int fdstore, fdstoreremove, ready, barrier;
	int fdpoll;             /* 0 for FDPOLL=0, else 1 */
	const char *fdname;     /* points into the datagram; NULL when absent */
	size_t fdname_len;
};

/* Pick out the assignments fdrecv acts on; others are only reported. */
void notify_parse(const char *data, size_t len, struct notify_fields *f);

/* Descriptors kept by FDSTORE=1, in arrival order, each with its name. */
struct notify_store {
	int *fds;
	char **names;
	unsigned char *poll;    /* dropped when it hangs up (not FDPOLL=0) */
	size_t n, cap;
};

/*
 * Keep fds (taking them over) under name. As systemd does, a descriptor
 * for an open file already kept (or given twice) is closed instead of kept
 * again; returns how many were. On failure nothing is kept or closed and
 * the caller still owns fds.
 */
int notify_store_add(struct notify_store *s, const int *fds, size_t n,
    const char *name, size_t namelen, int poll);

/* FDSTOREREMOVE=1: close and forget every descriptor kept under name;
 * returns how many. */
size_t notify_store_remove(struct notify_store *s, const char *name, size_t namelen);

/*
 * Close and forget every kept descriptor that has hung up or failed
 * (POLLHUP, POLLERR: a pipe whose other end is gone, a socket whose peer
 * closed), as systemd drops them, except those stored with FDPOLL=0.
 * Does not wait. Returns how many, or -1 when poll(2) failed.
 */
long notify_store_drop_hungup(struct notify_store *s);

void notify_store_free(struct notify_store *s);

#endif
