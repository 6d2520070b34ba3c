/*
 * describe.h: what a descriptor is, and who a peer is, from the kernel's
 * point of view (fstat, fcntl, getsockopt, /proc/self/fd and fdinfo).
 */
#ifndef DESCRIBE_H
#define DESCRIBE_H

#include <limits.h>
#include <sys/types.h>

/* "@" and an abstract name of up to 107 bytes, each escaped as \xHH at worst. */
#define DESC_ADDR_MAX (1 + 107 * 4 + 1)

struct fd_desc {
	int fd;
	const char *type;       /* file directory pipe fifo socket char block anon */
	char path[PATH_MAX];    /* as /proc/self/fd names it; "" when unknown */
	const char *access;     /* r w rw path; NULL when unknown */
	int flags;              /* the open file status flags (F_GETFL) */
	int has_offset, has_size;
	long long offset, size;
	/* socket */
	const char *family;     /* unix inet inet6 netlink ... */
	const char *socktype;   /* stream dgram seqpacket raw ...; NULL when unknown */
	int listening;          /* -1 when it does not apply */
	char local[DESC_ADDR_MAX], peer[DESC_ADDR_MAX]; /* "" when none */
	/* anonymous inode: eventfd timerfd signalfd eventpoll inotify pidfd ... */
	char anon[32];
};

/* Fill d for fd. Never changes the descriptor (not even its offset). */
int describe_fd(int fd, struct fd_desc *d);

/*
 * The open file status flags worth showing, as names. Calls f(name, arg) for
 * each in a fixed order.
 */
void describe_flags(int flags, void (*f)(const char *name, void *arg), void *arg);

/* The command name of pid from /proc/PID/comm, or "" when it is gone:
 * read it as soon as the pid is known, the peer may exit at any time. */
void describe_comm(pid_t pid, char *buf, size_t size);

#endif
