/*
 * describe.h: what a descriptor is, and who a peer is, from the kernel's
 * point of view (fstat, fcntl, getsockopt, /proc/self/fd and fdinfo).
 */
#ifndef DESCRIBE_H
#define DESCRIBE_H

#include <limits.h>
#include <net/if.h>
#include <sys/types.h>
#include <time.h>

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
	dev_t dev;              /* the file, as fstat(2) gives it */
	ino_t ino;
	int seals;              /* a memfd's F_GET_SEALS; -1 for any other file */
	int lockable;           /* a file, directory or block device: describe_locks */
	/* socket */
	const char *family;     /* unix inet inet6 netlink ... */
	const char *socktype;   /* stream dgram seqpacket raw ...; NULL when unknown */
	int listening;          /* -1 when it does not apply */
	char local[DESC_ADDR_MAX], peer[DESC_ADDR_MAX]; /* "" when none */
	int has_netns;          /* SIOCGSKNS answered (it needs CAP_NET_ADMIN) */
	unsigned long long netns; /* the inode of the socket's network namespace */
	int netns_ours;         /* ... and whether it is ours; -1 when ours is unknown */
	char device[IF_NAMESIZE]; /* inet: SO_BINDTODEVICE, "" when none */
	int reuseport;          /* inet: SO_REUSEPORT; -1 when it does not apply */
	/* anonymous inode: eventfd timerfd signalfd eventpoll inotify pidfd ... */
	char anon[32];
	/* ... and what its fdinfo says; each has_ says whether the kernel told */
	int has_count, has_semaphore;   /* eventfd */
	unsigned long long count;
	int semaphore;
	int has_timer;                  /* timerfd */
	int clock, timer_flags;
	unsigned long long ticks;
	struct timespec remaining, interval;
	int has_sigmask;                /* signalfd */
	unsigned long long sigmask;     /* bit N-1 for signal N */
	long watches;                   /* inotify; -1 when it does not apply */
	long targets;                   /* epoll; -1 when it does not apply */
	pid_t pidfd_pid;                /* pidfd: its pid, 0 when unknown */
	int pidfd_exited;               /* pidfd: the process has exited */
};

/* Fill d for fd. Never changes the descriptor (not even its offset). */
int describe_fd(int fd, struct fd_desc *d);

/*
 * The open file status flags worth showing, as names. Calls f(name, arg) for
 * each in a fixed order.
 */
void describe_flags(int flags, void (*f)(const char *name, void *arg), void *arg);

/* The same for a memfd's seals (F_SEAL_*). */
void describe_seals(int seals, void (*f)(const char *name, void *arg), void *arg);

/* The same for a timerfd's settime flags (TFD_TIMER_*). */
void describe_timer_flags(int flags, void (*f)(const char *name, void *arg), void *arg);

/* The same for a signalfd's mask: "SIGHUP", "SIGRTMIN+2", "SIG32". */
void describe_signals(unsigned long long mask, void (*f)(const char *name, void *arg),
    void *arg);

/* A clock's name as a timerfd reports it: "monotonic", "boottime", ... */
const char *describe_clock(int clock, char *buf, size_t size);

/* A lock held through a descriptor, as fdinfo shows it. */
struct fd_lock {
	char kind[8];           /* flock posix ofd lease ... */
	char mode[8];           /* read write ... */
	long long start, end;   /* end -1: to the end of the file */
	pid_t pid;              /* -1 for an OFD lock, which no process owns */
};

/*
 * Call f for each lock on d's file held through descriptor fd of process
 * pid (0: this process), from its fdinfo: one read, for the kinds that
 * locks are taken on (files, directories, block devices) and no other.
 * POSIX record locks belong to a process, so only pid's own fdinfo shows
 * them; flock(2) and OFD locks belong to the open file and show in any
 * process that has it. Returns the number of locks, or -1.
 */
int describe_locks(pid_t pid, int fd, const struct fd_desc *d,
    void (*f)(const struct fd_lock *l, void *arg), void *arg);

/* The command name of pid from /proc/PID/comm, or "" when it is gone:
 * read it as soon as the pid is known, the peer may exit at any time. */
void describe_comm(pid_t pid, char *buf, size_t size);

/* Who a process is, read while a pidfd held it. */
struct proc_id {
	int known;              /* a pidfd held it: the rest means something */
	int exited;             /* it had exited: nothing below is set */
	char exe[PATH_MAX];     /* /proc/PID/exe; "" when it cannot be read */
	char cgroup[PATH_MAX];  /* the unified (or name=systemd) hierarchy's path */
	char unit[256];         /* the systemd unit that path names, or "" */
};

/*
 * Fill id for the process of pidfd, whose pid is pid. The pidfd is asked
 * after /proc has been read: if the process has exited by then, its pid may
 * have been reused, so id says only that it exited.
 */
void describe_process(int pidfd, pid_t pid, struct proc_id *id);

/*
 * The same for the peer of a connected stream or seqpacket socket, pinned
 * with SO_PEERPIDFD (Linux 6.5). On older kernels id->known stays 0.
 */
void describe_peer(int sock, pid_t pid, struct proc_id *id);

#endif
