/*
 * msg.c: one message with its descriptors, sent and received with
 * sendmsg(2) and recvmsg(2) and SCM_RIGHTS.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "compat.h"
#include "fdpass.h"

/* The padding trailer: NUL, "fdpad=", 8 lowercase hex digits, newline. */
#define TRAILER_LEN 16

void
fdp_close_all(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

void
fdp_hex(char *dst, unsigned long long v, int ndigits)
{
	while (ndigits-- > 0) {
		dst[ndigits] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	}
}

/* Whether data ends with a padding trailer, and how many NUL bytes of
 * padding come before it. */
static int
trailer(const char *data, size_t len, size_t *pad)
{
	const char *t;
	size_t p = 0, i;

	if (len < TRAILER_LEN)
		return 0;
	t = data + len - TRAILER_LEN;
	if (memcmp(t, "\0fdpad=", 7) != 0 || t[TRAILER_LEN - 1] != '\n')
		return 0;
	for (i = 7; i < TRAILER_LEN - 1; i++) {
		if (t[i] >= '0' && t[i] <= '9')
			p = p * 16 + (size_t)(t[i] - '0');
		else if (t[i] >= 'a' && t[i] <= 'f')
			p = p * 16 + (size_t)(t[i] - 'a' + 10);
		else
			return 0;
	}
	if (p > len - TRAILER_LEN)
		return 0;
	for (i = 1; i <= p; i++)
		if (t[-(ptrdiff_t)i] != '\0')
			return 0;
	*pad = p;
	return 1;
}

size_t
fdp_unframe(const char *data, size_t len)
{
	size_t pad;

	if (len == 1 && data[0] == '\0')
		return 0;
	if (trailer(data, len, &pad))
		return len - TRAILER_LEN - pad;
	return len;
}

/* Bytes to send, in up to three pieces: the message, padding, a trailer. */
struct cursor {
	struct iovec v[3];
	int n;
};

/* Take up to len bytes off the front of c into iov; returns how many iovecs. */
static int
take(struct cursor *c, size_t len, struct iovec *iov)
{
	int k = 0, i;

	for (i = 0; i < c->n && len > 0; i++) {
		size_t n = c->v[i].iov_len < len ? c->v[i].iov_len : len;

		if (n == 0)
			continue;
		iov[k].iov_base = c->v[i].iov_base;
		iov[k++].iov_len = n;
		c->v[i].iov_base = (char *)c->v[i].iov_base + n;
		c->v[i].iov_len -= n;
		len -= n;
	}
	return k;
}

/*
 * One sendmsg with up to FDP_MAX_FDS descriptors, then the rest of its bytes
 * without them: the descriptors went with the first successful call, and
 * sending them again would duplicate them. EINTR means nothing went: retry
 * with them.
 */
static int
send_batch(int sock, struct iovec *iov, int niov, const int *fds, size_t nfds, int timeout_ms)
{
	union {
		struct cmsghdr h; /* for alignment */
		char buf[CMSG_SPACE(FDP_MAX_FDS * sizeof(int))];
	} ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
	/* MSG_NOSIGNAL: a vanished peer is EPIPE to report, not SIGPIPE. */
	int flags = MSG_NOSIGNAL | (timeout_ms >= 0 ? MSG_DONTWAIT : 0);

	if (nfds > 0) {
		struct cmsghdr *c;

		memset(ctl.buf, 0, CMSG_SPACE(nfds * sizeof(int)));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	while (mh.msg_iovlen > 0) {
		ssize_t r = compat_sendmsg(sock, &mh, flags);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN &&
			    fdp_wait(sock, POLLOUT, timeout_ms) == 0)
				continue;
			return -1;
		}
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (mh.msg_iovlen > 0 && (size_t)r >= mh.msg_iov->iov_len) {
			r -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen > 0) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + r;
			mh.msg_iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

int
fdp_send(int sock, int type, const void *buf, size_t len,
    const int *fds, size_t nfds, int timeout_ms)
{
	/* Enough NUL bytes to pad any message: one per batch. */
	static const char zeros[4096];
	size_t batches = nfds ? (nfds + FDP_MAX_FDS - 1) / FDP_MAX_FDS : 1;
	struct cursor c = { { { (void *)buf, len } }, 1 };
	char tail[TRAILER_LEN];
	size_t b, pad;

	if (type != SOCK_STREAM && batches > 1) {
		errno = E2BIG;
		return -1;
	}
	/*
	 * A stream sendmsg of zero bytes returns 0 and silently drops its
	 * descriptors, so every batch carries at least one byte. The empty
	 * message travels as one NUL byte; a message with fewer bytes than
	 * batches is padded, and a trailer says so, so that the receiver takes
	 * the padding off again. A message that would read as either (one NUL
	 * byte, or an ending that looks like a trailer) gets a trailer too:
	 * what arrives is always exactly what was sent.
	 */
	if (len == 0 && batches == 1) {
		c.v[0] = (struct iovec){ (void *)zeros, 1 };
	} else if (len < batches || (len == 1 && *(const char *)buf == '\0') ||
	    trailer(buf, len, &pad)) {
		pad = len + TRAILER_LEN < batches ? batches - len - TRAILER_LEN : 0;
		if (pad > sizeof(zeros)) {
			errno = E2BIG;
			return -1;
		}
		memcpy(tail, "\0fdpad=", 7);
		fdp_hex(tail + 7, pad, 8);
		tail[TRAILER_LEN - 1] = '\n';
		c.v[1] = (struct iovec){ (void *)zeros, pad };
		c.v[2] = (struct iovec){ tail, TRAILER_LEN };
		c.n = 3;
	}
	for (b = 0; b < batches; b++) {
		struct iovec iov[3];
		size_t k = nfds - b * FDP_MAX_FDS;
		/* One byte with each batch but the last, which takes the rest. */
		int niov = take(&c, b + 1 < batches ? 1 : SIZE_MAX, iov);

		if (k > FDP_MAX_FDS)
			k = FDP_MAX_FDS;
		if (send_batch(sock, iov, niov, fds + b * FDP_MAX_FDS, nfds ? k : 0,
		    timeout_ms) < 0)
			return -1;
	}
	return 0;
}

void
fdp_msg_clear(struct fdp_msg *m)
{
	fdp_close_all(m->fds, m->nfds);
	m->nfds = 0;
	m->len = 0;
	m->has_cred = 0;
	m->closed = 0;
	m->ended = FDP_ENDED_UNKNOWN;
	m->names = NULL;
}

void
fdp_msg_free(struct fdp_msg *m)
{
	fdp_msg_clear(m);
	free(m->data);
	free(m->fds);
	memset(m, 0, sizeof(*m));
}

void
fdp_msg_shrink(struct fdp_msg *m)
{
	/* Small buffers are worth keeping for the next message. */
	if (m->cap > 65536) {
		free(m->data);
		m->data = NULL;
		m->cap = 0;
	}
	if (m->fdcap > 1024) {
		free(m->fds);
		m->fds = NULL;
		m->fdcap = 0;
	}
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size) {
			errno = ENOMEM;
			return -1;
		}
		c *= 2;
	}
	q = realloc(*p, c * size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/*
 * Take what came in the control buffer. Every descriptor is kept (even from
 * a message we are about to refuse) so that the caller closes it: none may
 * be left installed and forgotten.
 */
static int
take_control(struct msghdr *mh, struct fdp_msg *m, int creds)
{
	struct cmsghdr *c;
	int r = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_len < CMSG_LEN(0) || c->cmsg_level != SOL_SOCKET)
			continue;
		n = c->cmsg_len - CMSG_LEN(0);
		if (c->cmsg_type == SCM_RIGHTS) {
			n /= sizeof(int);
			if (grow((void **)&m->fds, &m->fdcap, m->nfds + n, sizeof(int)) < 0) {
				/* Nowhere to keep them: close them here. */
				int fd;
				size_t i;

				for (i = 0; i < n; i++) {
					memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
					close(fd);
				}
				m->closed += n;
				r = -1;
				continue;
			}
			memcpy(m->fds + m->nfds, CMSG_DATA(c), n * sizeof(int));
			m->nfds += n;
		} else if (c->cmsg_type == SCM_CREDENTIALS && creds && n >= sizeof(struct ucred)) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			m->has_cred = 1;
			m->pid = uc.pid;
			m->uid = uc.uid;
			m->gid = uc.gid;
		} else if (c->cmsg_type == SCM_PIDFD && n >= sizeof(int)) {
			/* Installs a descriptor we did not ask for. */
			int fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(int));
			close(fd);
		}
	}
	return r;
}

/* Close whatever arrived and fail with e. */
static int
fail(struct fdp_msg *m, int e)
{
	m->closed += m->nfds;
	fdp_close_all(m->fds, m->nfds);
	m->nfds = 0;
	errno = e;
	return -1;
}

/* One recvmsg of at most room bytes into m, taking the control data. */
static ssize_t
read_once(int sock, int stream, struct fdp_msg *m, size_t room)
{
	/* Room for a full set of descriptors plus credentials plus a pidfd:
	 * when SO_PASSCRED is on, credentials take their room first, and a
	 * buffer sized for descriptors alone would truncate those. */
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(FDP_MAX_FDS * sizeof(int)) +
		    CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { m->data + m->len, room };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	ssize_t r;

	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	/* With SO_PASSCRED, a stream read at EOF still gets credentials,
	 * but empty ones: pid 0, uid 0, gid 0, which would pass for root.
	 * Keep those that came with the bytes. */
	if (take_control(&mh, m, !(stream && r == 0)) < 0) {
		errno = ENOMEM;
		return -1;
	}
	/* The descriptors that fit are installed even when the rest were
	 * dropped: the caller closes those too, never hands on a partial set. */
	if (mh.msg_flags & MSG_CTRUNC) {
		errno = EBADMSG;
		return -1;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	m->len += (size_t)r;
	return r;
}

/* A record must be taken whole: peek at its length first (MSG_TRUNC gives
 * the real one; without a control buffer nothing is installed), then read
 * exactly that much. A record longer than max is read into no room at all,
 * and fails with EMSGSIZE. */
static int
recv_record(int sock, int type, struct fdp_msg *m, size_t max)
{
	ssize_t n, r;

	do
		n = recv(sock, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? FDP_AGAIN : fail(m, errno);
	if ((size_t)n > max)
		n = 0;
	if (grow((void **)&m->data, &m->cap, n ? (size_t)n : 1, 1) < 0)
		return fail(m, errno);
	r = read_once(sock, 0, m, (size_t)n);
	if (r < 0)
		return errno == EAGAIN ? FDP_AGAIN : fail(m, errno);
	/* A zero-length record is a message when it carries something; on
	 * seqpacket, 0 with nothing is EOF. */
	if (r == 0 && m->nfds == 0 && type == SOCK_SEQPACKET)
		return FDP_EOF;
	m->len = fdp_unframe(m->data, m->len);
	return FDP_MSG;
}

int
fdp_recv_step(int sock, int type, struct fdp_msg *m, size_t max)
{
	int reads;

	if (type != SOCK_STREAM)
		return recv_record(sock, type, m, max);
	/* Read what is there, a bounded number of times so that one fast
	 * peer cannot keep its caller from the others. */
	for (reads = 0; reads < 16; reads++) {
		size_t before = m->nfds, room;
		ssize_t r;

		/* The buffer doubles as it fills, and is read into up to one
		 * byte past the bound: that byte is how a longer message shows. */
		if (m->cap - m->len < 1024 &&
		    grow((void **)&m->data, &m->cap, m->len + 4096, 1) < 0)
			return fail(m, errno);
		room = m->cap - m->len;
		if (max < SIZE_MAX && room > max - m->len + 1)
			room = max - m->len + 1;
		r = read_once(sock, 1, m, room);
		/* A sender that closes with fdrecv's greeting unread makes the
		 * kernel answer ECONNRESET once, after the last of its bytes:
		 * the end of its message, which it closed, as any other. */
		if (r < 0 && errno == ECONNRESET)
			r = 0;
		if (r < 0)
			return errno == EAGAIN ? FDP_AGAIN : fail(m, errno);
		if (m->len > max)
			return fail(m, EMSGSIZE);
		/* EOF: a read of nothing that brought no descriptors. */
		if (r == 0 && m->nfds == before) {
			if (m->len == 0 && m->nfds == 0)
				return FDP_EOF;
			if (fdp_names_take(m) < 0)
				return fail(m, errno);
			m->len = fdp_unframe(m->data, m->len);
			return FDP_MSG;
		}
	}
	return FDP_AGAIN;
}

int
fdp_recv(int sock, int type, struct fdp_msg *m, size_t max, int timeout_ms)
{
	fdp_msg_clear(m);
	for (;;) {
		int r = fdp_recv_step(sock, type, m, max);

		if (r == FDP_MSG)
			return 1;
		if (r == FDP_EOF)
			return 0;
		if (r < 0)
			return -1;
		if (fdp_wait(sock, POLLIN, timeout_ms) < 0)
			return fail(m, errno);
	}
}

void
fdp_refuse(int sock, const char *why)
{
	struct iovec iov[3] = {
		{ (void *)FDP_REFUSED, FDP_REFUSED_LEN },
		{ (void *)why, strlen(why) },
		{ (void *)"\n", 1 },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 3 };

	/* One record on seqpacket; on a stream, a line. */
	while (sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EINTR)
		;
}

long
fdp_unread(int sock)
{
	int n;

	return ioctl(sock, TIOCOUTQ, &n) == 0 ? n : -1;
}

/*
 * Pick a refusal out of what the receiver sends: the first bytes, after
 * fdrecv's greeting if it sent one, if they are FDP_REFUSED, and the
 * reason up to the newline. *at counts the bytes seen so far of the line
 * being matched, -1 once nothing more can be; *greeting counts those of a
 * greeting, and is -1 once one was passed. Returns 1 at the newline.
 */
static int
refusal(const char *buf, size_t n, long *at, int *greeting, char *why, size_t size)
{
	size_t i;

	for (i = 0; i < n && *at >= 0; i++, (*at)++) {
		size_t k = (size_t)*at - FDP_REFUSED_LEN;

		/* A greeting, first: its NUL is behind when its 'f' comes. */
		if (*greeting == 0 && *at == 1 && buf[i] == FDP_GREETING[1])
			*greeting = 1;
		if (*greeting > 0) {
			char c = buf[i];
			int g = (*greeting)++;

			if (g < FDP_GREETING_LEN ? c != FDP_GREETING[g] :
			    g == FDP_GREETING_SIZE - 1 ? c != '\n' :
			    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
				*at = -2;       /* neither: nothing more to find */
			} else if (*greeting == FDP_GREETING_SIZE) {
				*greeting = -1;
				*at = -1;       /* the loop makes it 0: a new line */
			}
			continue;
		}
		if (*at < FDP_REFUSED_LEN) {
			if (buf[i] != FDP_REFUSED[*at])
				*at = -1;
		} else if (buf[i] == '\n') {
			return 1;
		} else if (k + 1 < size) {
			why[k] = buf[i];
			why[k + 1] = '\0';
		}
	}
	return 0;
}

int
fdp_refusal(const char *data, size_t len, char *why, size_t size)
{
	long at = 0;
	int greeting = -1;      /* the caller took any greeting off */

	if (size)
		why[0] = '\0';
	return refusal(data, len, &at, &greeting, why, size) || at > FDP_REFUSED_LEN - 1;
}

int
fdp_refused(int sock, char *why, size_t size)
{
	char buf[512];
	ssize_t n;
	size_t skip;

	do
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	/* fdrecv's greeting comes before its refusal, when both are there. */
	skip = fdp_greeting(buf, (size_t)n);
	return fdp_refusal(buf + skip, (size_t)n - skip, why, size);
}

/*
 * Wait up to ms for what the receiver sends, or its close: recv(2)'s
 * answer, EAGAIN when nothing came. On a socket of our own, one blocking
 * recv under SO_RCVTIMEO (set again only when it changes, *set), and
 * MSG_WAITALL gathers in the kernel what comes before the close (fdrecv's
 * greeting) instead of returning it a piece at a time. A shared socket
 * may be non-blocking, and its options are not ours to change: poll for
 * the close (POLLRDHUP: the greeting wakes nothing), then read.
 */
static ssize_t
recv_within(int sock, int own, long long ms, long long *set, char *buf, size_t len)
{
	struct pollfd p = { .fd = sock, .events = POLLRDHUP };
	int r;

	if (own) {
		if (ms != *set && fdp_set_timeout(sock, SO_RCVTIMEO, *set = ms) < 0)
			return -1;
		return recv(sock, buf, len, MSG_WAITALL);
	}
	r = poll(&p, 1, (int)ms);
	if (r <= 0) {
		if (r == 0)
			errno = EAGAIN;
		return -1;
	}
	return recv(sock, buf, len, MSG_DONTWAIT);
}

int
fdp_delivered(int sock, int own, int timeout_ms, int linger_ms, char *why, size_t size)
{
	/* The clock only when it matters: reading it first faults in a page,
	 * and a receiver usually closes before the first look. */
	long long start = timeout_ms >= 0 ? fdp_now_ms() : 0, read_at = 0, set = -1;
	long at = 0;
	int greeting = 0;
	int look = 4;   /* ms until the next look at what is still unread */

	if (size)
		why[0] = '\0';
	if (shutdown(sock, SHUT_WR) < 0 && errno != ENOTCONN)
		return -1;
	for (;;) {
		char buf[512];
		long long now = 0, until;
		ssize_t n;

		/* A receiver usually closes at once; one that keeps its end
		 * open is looked at, less and less often, until it has read
		 * everything, and then given linger_ms to close. */
		if (timeout_ms >= 0 || read_at)
			now = fdp_now_ms();
		until = now + look;
		if (timeout_ms >= 0 && start + timeout_ms < until)
			until = start + timeout_ms;
		if (read_at && read_at + linger_ms < until)
			until = read_at + linger_ms;
		n = recv_within(sock, own, until - now, &set, buf, sizeof(buf));
		if (n > 0 && refusal(buf, (size_t)n, &at, &greeting, why, size)) {
			errno = EBADMSG;
			return -1;
		}
		if (n == 0)
			return 0;
		if (n > 0 || errno == EINTR)
			continue;
		/* Unread bytes at its close make the kernel reset. */
		if (errno != EAGAIN)
			return -1;
		now = fdp_now_ms();
		if (!read_at && fdp_unread(sock) == 0)
			read_at = now;
		if ((read_at && now >= read_at + linger_ms) ||
		    (timeout_ms >= 0 && now >= start + timeout_ms)) {
			if (read_at)
				return 0;
			errno = ETIMEDOUT;
			return -1;
		}
		if (look < 256)
			look *= 2;
	}
}
