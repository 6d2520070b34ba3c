/*
 * addr.c: socket addresses, connecting, listening, and the socket file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"

int
fdp_addr_parse(const char *text, struct fdp_addr *a)
{
	size_t n;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->sun.sun_family = AF_UNIX;

	if (strncmp(text, "fd:", 3) == 0) {
		char *end;
		long v;

		if (text[3] < '0' || text[3] > '9')
			goto invalid;
		errno = 0;
		v = strtol(text + 3, &end, 10);
		if (errno || *end != '\0' || v > INT_MAX)
			goto invalid;
		a->fd = (int)v;
		return 0;
	}

	if (text[0] == '@') {
		/* Abstract: a leading NUL, then exactly the name, no trailing NUL. */
		n = strlen(text + 1);
		if (n == 0)
			goto invalid;
		if (n + 1 > sizeof(a->sun.sun_path))
			goto toolong;
		memcpy(a->sun.sun_path + 1, text + 1, n);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
		a->abstract = 1;
		return 0;
	}

	n = strlen(text);
	if (n == 0)
		goto invalid;
	/* sun_path must keep its terminating NUL: 107 bytes at most. */
	if (n >= sizeof(a->sun.sun_path))
		goto toolong;
	memcpy(a->sun.sun_path, text, n);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;

invalid:
	errno = EINVAL;
	return -1;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}

int
fdp_wait(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int r = poll(&p, 1, timeout_ms);

		if (r > 0) {
			if (p.revents & POLLNVAL) {
				errno = EBADF;
				return -1;
			}
			/* POLLERR and POLLHUP: the next call reports what happened. */
			return 0;
		}
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int
sock_type(int fd, int *type)
{
	socklen_t len = sizeof(*type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, type, &len);
}

/* The fd:N form: an inherited socket, used as it is. getsockopt says
 * ENOTSOCK for anything else, and EBADF for nothing at all. */
static int
inherited(int fd, int *type)
{
	int t;

	if (sock_type(fd, &t) < 0)
		return -1;
	if (*type && *type != t) {
		errno = EPROTOTYPE;
		return -1;
	}
	*type = t;
	return fd;
}

static int
connect_once(const struct fdp_addr *a, int type, int timeout_ms)
{
	int s, e;

	s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	/* connect() blocks only while the listener's backlog is full;
	 * SO_SNDTIMEO is what bounds that wait on AF_UNIX. */
	if (timeout_ms >= 0 && fdp_set_timeout(s, SO_SNDTIMEO, timeout_ms) < 0)
		goto fail;
	for (;;) {
		if (connect(s, (const struct sockaddr *)&a->sun, a->len) == 0)
			return s;
		if (errno == EINTR)
			continue;
		if (errno == EISCONN)
			return s;
		if (errno == EAGAIN || errno == EINPROGRESS)
			errno = ETIMEDOUT;
		goto fail;
	}
fail:
	e = errno;
	close(s);
	errno = e;
	return -1;
}

static int
connect_any(const struct fdp_addr *a, int *type, int timeout_ms)
{
	static const int order[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	int refused = 0;
	size_t i;

	if (*type)
		return connect_once(a, *type, timeout_ms);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int s = connect_once(a, order[i], timeout_ms);

		if (s >= 0) {
			*type = order[i];
			return s;
		}
		/* A path of another type answers EPROTOTYPE; an abstract name
		 * answers ECONNREFUSED for a wrong type and for no one at all. */
		if (errno == EPROTOTYPE)
			continue;
		if (errno == ECONNREFUSED && a->abstract) {
			refused = 1;
			continue;
		}
		return -1;
	}
	errno = refused ? ECONNREFUSED : EPROTOTYPE;
	return -1;
}

long long
fdp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
fdp_set_timeout(int sock, int opt, long long ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };

	if (ms <= 0)
		tv = (struct timeval){ 0, 1 };
	return setsockopt(sock, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* connect() answers ECONNREFUSED for a file that is not a socket, as for
 * a socket that nobody listens on: only the first may go away by waiting. */
static int
not_a_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISSOCK(st.st_mode);
}

int
fdp_connect(const struct fdp_addr *a, int *type, int wait_ms, int timeout_ms)
{
	long long deadline = 0;
	long delay = 1;

	if (a->fd >= 0)
		return inherited(a->fd, type);

	for (;;) {
		int s = connect_any(a, type, timeout_ms);
		long long left;

		if (s >= 0)
			return s;
		if (errno == ECONNREFUSED && !a->abstract && not_a_socket(a->sun.sun_path)) {
			errno = ENOTSOCK;
			return -1;
		}
		if ((errno != ENOENT && errno != ECONNREFUSED) || wait_ms == 0)
			return -1;
		/* The clock starts at the first failure: no cost without -w. */
		if (!deadline)
			deadline = fdp_now_ms() + wait_ms;
		left = deadline - fdp_now_ms();
		if (left <= 0)
			return -1;
		/* Poll with a short, growing delay: a listener usually appears
		 * within a few milliseconds of being started. */
		if (delay > left)
			delay = (long)left;
		nanosleep(&(struct timespec){ delay / 1000, (delay % 1000) * 1000000 }, NULL);
		if (delay < 64)
			delay *= 2;
	}
}

/* bind() with the socket file created at exactly mode: the umask decides the
 * mode at creation, so set it for the one call rather than chmod afterwards,
 * which would leave a moment with the default permissions. */
static int
bind_mode(int s, const struct fdp_addr *a, int mode)
{
	mode_t old = 0;
	int r, e;

	if (mode >= 0)
		old = umask((mode_t)(~mode & 0777));
	r = bind(s, (const struct sockaddr *)&a->sun, a->len);
	e = errno;
	if (mode >= 0)
		umask(old);
	errno = e;
	return r;
}

/*
 * bind() found something at path. Remove it only when it is a socket file
 * that nothing is bound to: a datagram connect() to it answers ECONNREFUSED
 * for exactly that case (EPROTOTYPE or success mean a live socket), and it
 * is invisible to a live listener, unlike a stream connect().
 */
static int
reclaim(const char *path)
{
	struct stat st;
	int s, r, e;
	struct fdp_addr a;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if (fdp_addr_parse(path, &a) < 0)
		return -1;
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	r = connect(s, (const struct sockaddr *)&a.sun, a.len);
	e = errno;
	close(s);
	if (r < 0 && e == ECONNREFUSED)
		return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	/* Without write permission on it, there is no telling whether
	 * anything listens there. */
	errno = r < 0 && e == EACCES ? EACCES : EADDRINUSE;
	return -1;
}

/*
 * Just enough of <linux/netlink.h>, <linux/sock_diag.h> and
 * <linux/unix_diag.h> (the kernel's ABI, which does not change) to ask
 * which user bound an abstract name: musl's compiler sees no kernel
 * headers.
 */
struct diag_nlmsg {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};
struct diag_req {
	struct diag_nlmsg nh;
	uint8_t family, protocol;
	uint16_t pad;
	uint32_t states, ino, show, cookie[2];
};
struct diag_msg {
	uint8_t family, type, state, pad;
	uint32_t ino, cookie[2];
};
#define DIAG_PROTOCOL 4         /* NETLINK_SOCK_DIAG */
#define DIAG_BY_FAMILY 20       /* SOCK_DIAG_BY_FAMILY */
#define DIAG_DONE 3             /* NLMSG_DONE */
#define DIAG_ERROR 2            /* NLMSG_ERROR */
#define DIAG_DUMP 0x301         /* NLM_F_REQUEST | NLM_F_DUMP */
#define DIAG_SHOW (0x01 | 0x40) /* UDIAG_SHOW_NAME | UDIAG_SHOW_UID (Linux 5.3) */
#define DIAG_NAME 0             /* UNIX_DIAG_NAME */
#define DIAG_UID 7              /* UNIX_DIAG_UID */
#define DIAG_ALIGN(n) (((n) + 3) & ~(size_t)3)

/* In one answer of the dump, the uid of the socket bound to a, if any. */
static int
diag_match(const struct fdp_addr *a, const char *p, size_t len, uid_t *uid)
{
	size_t want = a->len - offsetof(struct sockaddr_un, sun_path), off;
	int named = 0, known = 0;

	for (off = DIAG_ALIGN(sizeof(struct diag_msg)); off + 4 <= len;) {
		uint16_t alen, atype;
		uint32_t u;

		memcpy(&alen, p + off, 2);
		memcpy(&atype, p + off + 2, 2);
		if (alen < 4 || off + alen > len)
			break;
		if (atype == DIAG_NAME && alen - 4u == want &&
		    memcmp(p + off + 4, a->sun.sun_path, want) == 0)
			named = 1;
		if (atype == DIAG_UID && alen >= 8) {
			memcpy(&u, p + off + 4, 4);
			*uid = (uid_t)u;
			known = 1;
		}
		off += DIAG_ALIGN(alen);
	}
	return named && known;
}

int
fdp_owner(const struct fdp_addr *a, uid_t *uid)
{
	struct diag_req req = {
		{ sizeof(req), DIAG_BY_FAMILY, DIAG_DUMP, 1, 0 },
		AF_UNIX, 0, 0, ~0U, 0, DIAG_SHOW, { ~0U, ~0U },
	};
	union {
		struct diag_nlmsg h; /* for alignment */
		char buf[16384];
	} u;
	struct stat st;
	int s, found = 0, done = 0;

	if (a->fd >= 0) {
		errno = EINVAL;
		return -1;
	}
	if (!a->abstract) {
		if (lstat(a->sun.sun_path, &st) < 0)
			return -1;
		*uid = st.st_uid;
		return 0;
	}
	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, DIAG_PROTOCOL);
	if (s < 0)
		return -1;
	if (send(s, &req, sizeof(req), 0) < 0)
		done = -1;
	while (!done) {
		ssize_t n = recv(s, u.buf, sizeof(u.buf), 0);
		size_t off = 0;

		if (n <= 0) {
			done = -1;
			break;
		}
		while (off + sizeof(struct diag_nlmsg) <= (size_t)n) {
			struct diag_nlmsg h;

			memcpy(&h, u.buf + off, sizeof(h));
			if (h.len < sizeof(h) || off + h.len > (size_t)n)
				break;
			if (h.type == DIAG_DONE || h.type == DIAG_ERROR) {
				done = 1;
				break;
			}
			if (!found && diag_match(a, u.buf + off + sizeof(h), h.len - sizeof(h), uid))
				found = 1;
			off += DIAG_ALIGN(h.len);
		}
	}
	close(s);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int
fdp_listen(const struct fdp_addr *a, int type, int mode, struct fdp_listener *l)
{
	struct stat st;
	int s, e, on = 1;
	socklen_t len = sizeof(on);

	memset(l, 0, sizeof(*l));
	l->fd = -1;

	if (a->fd >= 0) {
		l->type = type;
		if (inherited(a->fd, &l->type) < 0)
			return -1;
		l->fd = a->fd;
		if (getsockopt(a->fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0)
			return -1;
		l->listening = on;
		if (l->type == SOCK_DGRAM)
			setsockopt(a->fd, SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
		return 0;
	}

	s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	/* Datagrams have no connection to ask SO_PEERCRED of: have the kernel
	 * attach the sender's credentials to each one instead. */
	if (type == SOCK_DGRAM &&
	    setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
		goto fail;
	if (bind_mode(s, a, mode) < 0) {
		if (errno != EADDRINUSE || a->abstract || reclaim(a->sun.sun_path) < 0)
			goto fail;
		if (bind_mode(s, a, mode) < 0)
			goto fail;
	}
	if (!a->abstract) {
		/* Remember which file is ours, to remove that one and no other. */
		if (lstat(a->sun.sun_path, &st) == 0) {
			l->dev = st.st_dev;
			l->ino = st.st_ino;
			l->bound = 1;
			memcpy(l->path, a->sun.sun_path, sizeof(a->sun.sun_path));
		}
	}
	if (type != SOCK_DGRAM) {
		if (listen(s, SOMAXCONN) < 0)
			goto fail;
		l->listening = 1;
	}
	l->fd = s;
	l->type = type;
	return 0;

fail:
	e = errno;
	close(s);
	fdp_unbind(l);
	errno = e;
	return -1;
}

void
fdp_unbind(struct fdp_listener *l)
{
	struct stat st;
	int e = errno;

	if (l->bound && lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == l->dev && st.st_ino == l->ino)
		unlink(l->path);
	l->bound = 0;
	errno = e;
}

int
fdp_accept(int lfd, int timeout_ms)
{
	for (;;) {
		int c;

		if (timeout_ms >= 0 && fdp_wait(lfd, POLLIN, timeout_ms) < 0)
			return -1;
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			return c;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN)
			return -1;
		/* An inherited listener may be non-blocking; with a timeout
		 * the next round waits before accepting again. */
		if (timeout_ms < 0 && fdp_wait(lfd, POLLIN, -1) < 0)
			return -1;
	}
}

int
fdp_peercred(int fd, pid_t *pid, uid_t *uid, gid_t *gid)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -1;
	*pid = uc.pid;
	*uid = uc.uid;
	*gid = uc.gid;
	return 0;
}

const char *
fdp_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM: return "stream";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_DGRAM: return "dgram";
	}
	return "unknown";
}
