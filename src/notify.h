/*
 * notify.h: systemd's notify protocol (sd_notify(3)): KEY=VALUE lines in
 * datagrams, descriptors kept with FDSTORE=1 under FDNAME=NAME.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stddef.h>

/*
 * Send fds to a connected dgram socket: one datagram "FDSTORE=1\nFDNAME=N"
 * per distinct name, in the order names first appear (FDNAME left out for
 * descriptors without a name), then text (KEY=VALUE lines) in a last
 * datagram of its own, so that a READY=1 there follows every FDSTORE=1.
 * With no descriptors, text goes alone.
 */
int notify_send(int sock, const int *fds, char *const *names, size_t nfds,
    const char *text, size_t len, int timeout_ms);

struct notify_fields {
	int fdstore, fdstoreremove, ready, barrier;
	const char *fdname;     /* points into the datagram; NULL when absent */
	size_t fdname_len;
};

/* Pick out the assignments fdrecv acts on; others are only reported. */
void notify_parse(const char *data, size_t len, struct notify_fields *f);

/* Descriptors kept by FDSTORE=1, in arrival order, each with its name. */
struct notify_store {
	int *fds;
	char **names;
	size_t n, cap;
};

/* Keep fds (taking them over) under name; on failure nothing is kept and
 * the caller still owns fds. */
int notify_store_add(struct notify_store *s, const int *fds, size_t n,
    const char *name, size_t namelen);

/* FDSTOREREMOVE=1: close and forget every descriptor kept under name;
 * returns how many. */
size_t notify_store_remove(struct notify_store *s, const char *name, size_t namelen);

void notify_store_free(struct notify_store *s);

#endif
