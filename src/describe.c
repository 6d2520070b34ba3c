/*
 * describe.c: what a descriptor is. Shared by fdrecv's reports and
 * fdsend -v, so both say the same things in the same words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "args.h"
#include "compat.h"
#include "describe.h"

static const char *
family_name(int af)
{
	switch (af) {
	case AF_UNIX: return "unix";
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_NETLINK: return "netlink";
	case AF_PACKET: return "packet";
	case AF_VSOCK: return "vsock";
	case AF_BLUETOOTH: return "bluetooth";
	case AF_ALG: return "alg";
	case AF_TIPC: return "tipc";
	case AF_CAN: return "can";
	case AF_XDP: return "xdp";
	}
	return "other";
}

static const char *
socktype_name(int t)
{
	switch (t) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW: return "raw";
	case SOCK_RDM: return "rdm";
	case SOCK_PACKET: return "packet";
	}
	return NULL;
}

/* An address as the contract writes it: a path, @name, A.B.C.D:PORT or
 * [ADDR]:PORT; "" for an unnamed socket or a family without a notation. */
static void
format_addr(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	out[0] = '\0';
	switch (ss->ss_family) {
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
		size_t n = len - offsetof(struct sockaddr_un, sun_path), i, o = 0;

		if (len <= offsetof(struct sockaddr_un, sun_path) || n > sizeof(sun->sun_path))
			return;
		if (sun->sun_path[0] != '\0') {
			snprintf(out, size, "%.*s", (int)strnlen(sun->sun_path, n), sun->sun_path);
			return;
		}
		/* Abstract: any byte may be in the name; keep the report one line. */
		out[o++] = '@';
		for (i = 1; i < n && o + 5 < size; i++) {
			unsigned char c = (unsigned char)sun->sun_path[i];

			if (c >= 0x20 && c < 0x7f && c != '\\')
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		}
		out[o] = '\0';
		return;
	}
	case AF_INET: {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, ntohs(in->sin_port));
		return;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(out, size, "[%s]:%u", ip, ntohs(in6->sin6_port));
		return;
	}
	}
}

/*
 * Call f with each line of path, NUL-terminated, without its newline; a
 * line longer than the buffer is cut. f returns nonzero to stop. Files in
 * /proc can be long (an epoll set of many targets): read them in pieces.
 */
static int
each_line(const char *path, int (*f)(char *line, void *arg), void *arg)
{
	char buf[4096];
	size_t have = 0;
	int fd, skip = 0, stop = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (!stop) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		size_t at = 0;
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (have && !skip) {
				buf[have] = '\0';
				f(buf, arg);
			}
			break;
		}
		have += (size_t)n;
		while (!stop && (nl = memchr(buf + at, '\n', have - at))) {
			*nl = '\0';
			if (!skip)
				stop = f(buf + at, arg);
			skip = 0;
			at = (size_t)(nl - buf) + 1;
		}
		if (at == 0 && have == sizeof(buf) - 1) {
			/* No newline in a whole buffer: take the start, drop the rest. */
			buf[have] = '\0';
			if (!skip)
				stop = f(buf, arg);
			skip = 1;
			have = 0;
			continue;
		}
		memmove(buf, buf + at, have - at);
		have -= at;
	}
	close(fd);
	return 0;
}

/* --- locks ------------------------------------------------------------- */

/* "MAJ:MIN:INODE" as fdinfo writes a file, the device in hexadecimal. */
static int
parse_devino(const char *s, unsigned *maj, unsigned *min, unsigned long long *ino)
{
	char *end;

	*maj = (unsigned)strtoul(s, &end, 16);
	if (end == s || *end != ':')
		return -1;
	s = end + 1;
	*min = (unsigned)strtoul(s, &end, 16);
	if (end == s || *end != ':')
		return -1;
	s = end + 1;
	*ino = strtoull(s, &end, 10);
	return end == s || *end ? -1 : 0;
}

struct lock_walk {
	const struct fd_desc *d;
	void (*f)(const struct fd_lock *, void *);
	void *arg;
	int n;
};

static int
lock_line(char *line, void *arg)
{
	struct lock_walk *w = arg;
	struct fd_lock l;
	unsigned maj, min;
	unsigned long long ino;
	char *t[8], *save = NULL, *e1, *e2, *kind, *mode, *end;
	size_t i, n = 0;

	/* "lock:\t1: POSIX  ADVISORY  READ 11435 fe:00:10952908 0 EOF":
	 * the number, kind, advisory or not, mode, pid, file, start, end. */
	if (strncmp(line, "lock:", 5) != 0)
		return 0;
	for (n = 0; n < 8 && (t[n] = strtok_r(n ? NULL : line + 5, " \t\n", &save)); n++)
		;
	if (n != 8 || strlen(t[1]) >= sizeof(l.kind) || strlen(t[3]) >= sizeof(l.mode))
		return 0;
	kind = t[1];
	mode = t[3];
	end = t[7];
	l.pid = (int)strtol(t[4], &e1, 10);
	l.start = strtoll(t[6], &e2, 10);
	if (*e1 || *e2 || parse_devino(t[5], &maj, &min, &ino) < 0)
		return 0;
	/* Another process's fdinfo says what its descriptor is now; it
	 * counts only if that is still this file. */
	if (maj != major(w->d->dev) || min != minor(w->d->dev) ||
	    ino != (unsigned long long)w->d->ino)
		return 0;
	if (strcmp(end, "EOF") == 0)
		l.end = -1;
	else if ((l.end = strtoll(end, &e1, 10)), *e1)
		return 0;
	if (strcmp(kind, "OFDLCK") == 0)
		kind = "OFD";
	for (i = 0; kind[i]; i++)
		l.kind[i] = (char)(kind[i] | 0x20);
	l.kind[i] = '\0';
	for (i = 0; mode[i]; i++)
		l.mode[i] = (char)(mode[i] | 0x20);
	l.mode[i] = '\0';
	w->f(&l, w->arg);
	w->n++;
	return 0;
}

int
describe_locks(pid_t pid, int fd, const struct fd_desc *d,
    void (*f)(const struct fd_lock *l, void *arg), void *arg)
{
	struct lock_walk w = { d, f, arg, 0 };
	char path[64];

	if (!d->lockable)
		return 0;
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (each_line(path, lock_line, &w) < 0)
		return -1;
	return w.n;
}

/* --- sockets ----------------------------------------------------------- */

/* The socket's network namespace, as the inode of the namespace file
 * SIOCGSKNS opens; the kernel asks for CAP_NET_ADMIN. */
static void
socket_netns(int fd, struct fd_desc *d)
{
	/* Ours is read once: neither program changes its namespace. */
	static unsigned long long ours;
	static int ours_read;
	struct stat st;
	int ns;

	ns = ioctl(fd, SIOCGSKNS);
	if (ns < 0)
		return;
	if (fstat(ns, &st) == 0) {
		d->has_netns = 1;
		d->netns = (unsigned long long)st.st_ino;
	}
	close(ns);
	if (!ours_read) {
		ours_read = stat("/proc/self/ns/net", &st) == 0 ? 1 : -1;
		ours = (unsigned long long)st.st_ino;
	}
	if (d->has_netns && ours_read > 0)
		d->netns_ours = d->netns == ours;
}

static void
describe_socket(int fd, struct fd_desc *d)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int v, af;

	/* An O_PATH descriptor of a socket file is no socket: nothing to ask. */
	len = sizeof(af);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &af, &len) < 0)
		return;
	d->family = family_name(af);
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0)
		d->socktype = socktype_name(v);
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0)
		d->listening = v != 0;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, len, d->local, sizeof(d->local));
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, len, d->peer, sizeof(d->peer));
	socket_netns(fd, d);
	if (af != AF_INET && af != AF_INET6)
		return;
	/* The kernel wants room for IFNAMSIZ bytes, and writes the name
	 * with its NUL, or nothing when the socket is bound to no device. */
	len = sizeof(d->device);
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, d->device, &len) < 0 || len == 0)
		d->device[0] = '\0';
	d->device[sizeof(d->device) - 1] = '\0';
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &len) == 0)
		d->reuseport = v != 0;
}

/* --- anonymous inodes -------------------------------------------------- */

static int
anon_line(char *line, void *arg)
{
	struct fd_desc *d = arg;
	unsigned long long v[2];

	switch (d->anon[0]) {
	case 'e':
		if (strcmp(d->anon, "epoll") == 0) {
			if (strncmp(line, "tfd:", 4) == 0)
				d->targets++;
		} else if (arg_line_numbers(line, "eventfd-count:", 16, v, 1) == 1) {
			d->count = v[0];
			d->has_count = 1;
		} else if (arg_line_numbers(line, "eventfd-semaphore:", 10, v, 1) == 1) {
			d->has_semaphore = 1;
			d->semaphore = v[0] != 0;
		}
		break;
	case 'i':
		if (strncmp(line, "inotify ", 8) == 0)
			d->watches++;
		break;
	case 'p':
		if (arg_line_numbers(line, "Pid:", 10, v, 1) == 1)
			d->pidfd_pid = (long long)v[0] > 0 ? (pid_t)v[0] : 0;
		break;
	case 's':
		if (arg_line_numbers(line, "sigmask:", 16, v, 1) == 1) {
			d->sigmask = v[0];
			d->has_sigmask = 1;
		}
		break;
	case 't':
		if (arg_line_numbers(line, "clockid:", 10, v, 1) == 1) {
			d->clock = (int)v[0];
			d->has_timer = 1;
		} else if (arg_line_numbers(line, "ticks:", 10, v, 1) == 1) {
			d->ticks = v[0];
		} else if (arg_line_numbers(line, "settime flags:", 8, v, 1) == 1) {
			d->timer_flags = (unsigned)v[0];
		} else if (arg_line_numbers(line, "it_value:", 10, v, 2) == 2) {
			d->remaining = (struct timespec){ (time_t)v[0], (long)v[1] };
		} else if (arg_line_numbers(line, "it_interval:", 10, v, 2) == 2) {
			d->interval = (struct timespec){ (time_t)v[0], (long)v[1] };
		}
		break;
	}
	return 0;
}

/* What the kernel says of an anonymous inode in its fdinfo: only for the
 * kinds that have something to say, one read each. */
static void
describe_anon(int fd, struct fd_desc *d)
{
	static const char *const told[] = {
		"eventfd", "timerfd", "signalfd", "inotify", "epoll", "pidfd",
	};
	char path[64];
	size_t i;

	for (i = 0; i < sizeof(told) / sizeof(told[0]); i++)
		if (strcmp(d->anon, told[i]) == 0)
			break;
	if (i == sizeof(told) / sizeof(told[0]))
		return;
	if (strcmp(d->anon, "inotify") == 0)
		d->watches = 0;
	else if (strcmp(d->anon, "epoll") == 0)
		d->targets = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (each_line(path, anon_line, d) < 0) {
		d->watches = d->targets = -1;
		return;
	}
	if (strcmp(d->anon, "pidfd") == 0) {
		/* Readable once the process has exited (zombie or reaped). */
		struct pollfd p = { .fd = fd, .events = POLLIN };

		d->pidfd_exited = poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
	}
}

int
describe_fd(int fd, struct fd_desc *d)
{
	char link[32];
	struct stat st;
	ssize_t n;
	int fl;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->listening = -1;
	d->seals = -1;
	d->netns_ours = -1;
	d->reuseport = -1;
	d->watches = d->targets = -1;
	if (fstat(fd, &st) < 0)
		return -1;
	d->dev = st.st_dev;
	d->ino = st.st_ino;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, d->path, sizeof(d->path) - 1);
	d->path[n > 0 ? n : 0] = '\0';

	fl = fcntl(fd, F_GETFL);
	if (fl >= 0) {
		d->flags = fl;
		if (fl & O_PATH)
			d->access = "path";
		else if ((fl & O_ACCMODE) == O_RDONLY)
			d->access = "r";
		else if ((fl & O_ACCMODE) == O_WRONLY)
			d->access = "w";
		else
			d->access = "rw";
	}

	/* Anonymous inodes have no file type of their own; the kernel names
	 * them in the link: "anon_inode:[eventfd]", "anon_inode:inotify". */
	if (strncmp(d->path, "anon_inode:", 11) == 0) {
		const char *name = d->path + 11;
		size_t len = strlen(name);

		if (name[0] == '[' && len > 1 && name[len - 1] == ']') {
			name++;
			len -= 2;
		}
		if (len == 9 && strncmp(name, "eventpoll", 9) == 0)
			name = "epoll", len = 5;
		snprintf(d->anon, sizeof(d->anon), "%.*s", (int)len, name);
		d->type = "anon";
		describe_anon(fd, d);
		return 0;
	}

	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		d->type = "file";
		d->lockable = 1;
		d->has_size = 1;
		d->size = st.st_size;
		/* Only a memfd can have seals: ask no other file. */
		if (strncmp(d->path, "/memfd:", 7) == 0)
			d->seals = fcntl(fd, F_GET_SEALS);
		break;
	case S_IFDIR:
		d->type = "directory";
		d->lockable = 1;
		return 0;
	case S_IFIFO:
		d->type = strncmp(d->path, "pipe:", 5) == 0 ? "pipe" : "fifo";
		return 0;
	case S_IFSOCK:
		d->type = "socket";
		describe_socket(fd, d);
		return 0;
	case S_IFCHR:
		d->type = "char";
		return 0;
	case S_IFBLK: {
		unsigned long long sz;

		d->type = "block";
		d->lockable = 1;
		if (ioctl(fd, BLKGETSIZE64, &sz) == 0) {
			d->has_size = 1;
			d->size = (long long)sz;
		}
		break;
	}
	default:
		d->type = "anon";
		return 0;
	}
	/* SEEK_CUR by 0 reads the offset without moving it (it is shared with
	 * the sender). An O_PATH descriptor has none. */
	if (!(fl >= 0 && (fl & O_PATH))) {
		off_t off = lseek(fd, 0, SEEK_CUR);

		if (off >= 0) {
			d->has_offset = 1;
			d->offset = off;
		}
	}
	return 0;
}

void
describe_flags(int flags, void (*f)(const char *name, void *arg), void *arg)
{
	if (flags & O_APPEND)
		f("append", arg);
	if (flags & O_ASYNC)
		f("async", arg);
	if (flags & O_DIRECT)
		f("direct", arg);
	/* O_SYNC includes the O_DSYNC bit. */
	if ((flags & O_SYNC) == O_SYNC)
		f("sync", arg);
	else if (flags & O_DSYNC)
		f("dsync", arg);
	if (flags & O_NOATIME)
		f("noatime", arg);
	if (flags & O_NONBLOCK)
		f("nonblock", arg);
}

static void
each_bit(int bits, const int *val, const char *const *name, size_t n,
    void (*f)(const char *name, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bits & val[i])
			f(name[i], arg);
}

void
describe_seals(int seals, void (*f)(const char *name, void *arg), void *arg)
{
	static const int val[] = {
		F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
		F_SEAL_FUTURE_WRITE, F_SEAL_EXEC,
	};
	static const char *const name[] = {
		"seal", "shrink", "grow", "write", "future_write", "exec",
	};

	each_bit(seals, val, name, sizeof(val) / sizeof(val[0]), f, arg);
}

void
describe_timer_flags(int flags, void (*f)(const char *name, void *arg), void *arg)
{
	static const int val[] = { TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET };
	static const char *const name[] = { "abstime", "cancel_on_set" };

	each_bit(flags, val, name, sizeof(val) / sizeof(val[0]), f, arg);
}

const char *
describe_clock(int clock, char *buf, size_t size)
{
	switch (clock) {
	case CLOCK_REALTIME: return "realtime";
	case CLOCK_MONOTONIC: return "monotonic";
	case CLOCK_BOOTTIME: return "boottime";
	case CLOCK_REALTIME_ALARM: return "realtime_alarm";
	case CLOCK_BOOTTIME_ALARM: return "boottime_alarm";
	}
	snprintf(buf, size, "%d", clock);
	return buf;
}

void
describe_signals(unsigned long long mask, void (*f)(const char *name, void *arg), void *arg)
{
	/* By value: the numbers differ from one architecture to another. */
	static const struct { int sig; const char *name; } names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
#ifdef SIGSTKFLT
		{ SIGSTKFLT, "SIGSTKFLT" },
#endif
		{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
		{ SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
		{ SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
		{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" }, { SIGWINCH, "SIGWINCH" },
		{ SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" }, { SIGSYS, "SIGSYS" },
	};
	char buf[32];
	int sig;
	size_t i;

	for (sig = 1; sig <= 64; sig++) {
		const char *name = NULL;

		if (!(mask & 1ULL << (sig - 1)))
			continue;
		for (i = 0; i < sizeof(names) / sizeof(names[0]) && !name; i++)
			if (names[i].sig == sig)
				name = names[i].name;
		if (!name) {
			/* A real-time signal by its number: which of them a C
			 * library keeps for itself, and so what SIGRTMIN is,
			 * differs (glibc 34, musl 35), and the process the
			 * signalfd came from may use another library. */
			snprintf(buf, sizeof(buf), "SIG%d", sig);
			name = buf;
		}
		f(name, arg);
	}
}

void
describe_comm(pid_t pid, char *buf, size_t size)
{
	char path[32];
	ssize_t n = -1;
	int fd;

	buf[0] = '\0';
	if (pid <= 0 || size == 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}

/* --- processes --------------------------------------------------------- */

/* The unit a cgroup path names: its last component that is a unit with
 * processes of its own ("/system.slice/nginx.service", or a user's
 * ".../user@1000.service/app.slice/app-x.scope"); slices hold none. */
static void
cgroup_unit(const char *path, char *unit, size_t size)
{
	static const char *const kinds[] = { ".service", ".scope", ".socket", ".mount", ".swap" };
	const char *p = path;

	unit[0] = '\0';
	while (*p) {
		size_t len, i;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			size_t k = strlen(kinds[i]);

			if (len > k && strncmp(p + len - k, kinds[i], k) == 0 && len < size)
				snprintf(unit, size, "%.*s", (int)len, p);
		}
		p += len;
	}
}

static int
cgroup_line(char *line, void *arg)
{
	struct proc_id *id = arg;
	char *path;

	/* "0::/path" is the unified hierarchy; on a v1 system without it,
	 * systemd keeps its tree in "N:name=systemd:/path". */
	if (strncmp(line, "0::", 3) == 0) {
		path = line + 3;
	} else if ((path = strchr(line, ':')) && strncmp(path + 1, "name=systemd:", 13) == 0) {
		if (id->cgroup[0])
			return 0;
		path += 14;
	} else {
		return 0;
	}
	snprintf(id->cgroup, sizeof(id->cgroup), "%s", path);
	return 0;
}

/* Empty, without writing 8 KiB of zeros (they would count in the RSS). */
static void
id_clear(struct proc_id *id)
{
	id->known = id->exited = 0;
	id->exe[0] = id->cgroup[0] = id->unit[0] = '\0';
}

void
describe_process(int pidfd, pid_t pid, struct proc_id *id)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	char path[64];
	ssize_t n;

	id_clear(id);
	id->known = 1;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, id->exe, sizeof(id->exe) - 1);
	id->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	each_line(path, cgroup_line, id);
	cgroup_unit(id->cgroup, id->unit, sizeof(id->unit));
	/* Only now: while the process lives its pid cannot be reused, so
	 * what /proc said was its own. A zombie is gone as well. */
	if (poll(&p, 1, 0) != 0) {
		id_clear(id);
		id->known = id->exited = 1;
	}
}

void
describe_peer(int sock, pid_t pid, struct proc_id *id)
{
	socklen_t len = sizeof(int);
	int pidfd;

	id_clear(id);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
		/* ESRCH: the peer had already been reaped (before Linux 6.9). */
		if (errno == ESRCH)
			id->known = id->exited = 1;
		return;
	}
	describe_process(pidfd, pid, id);
	close(pidfd);
}
