/*
 * msg.c: one message with its descriptors, sent and received with
 * sendmsg(2) and recvmsg(2) and SCM_RIGHTS.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fdpass.h"

void
fdp_close_all(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

int
fdp_payload_empty(const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (data[i] != '\0')
			return 0;
	return 1;
}

/*
 * One sendmsg with up to FDP_MAX_FDS descriptors, then the rest of its bytes
 * without them: the descriptors went with the first successful call, and
 * sending them again would duplicate them. EINTR means nothing went: retry
 * with them.
 */
static int
send_batch(int sock, const char *p, size_t n, const int *fds, size_t nfds, int timeout_ms)
{
	union {
		struct cmsghdr h; /* for alignment */
		char buf[CMSG_SPACE(FDP_MAX_FDS * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)p, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
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
	do {
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
		iov.iov_base = (char *)iov.iov_base + r;
		iov.iov_len -= (size_t)r;
	} while (iov.iov_len > 0);
	return 0;
}

int
fdp_send(int sock, int type, const void *buf, size_t len,
    const int *fds, size_t nfds, int timeout_ms)
{
	/* A stream sendmsg of zero bytes returns 0 and silently drops its
	 * descriptors, so every batch carries at least one byte: one of the
	 * message's while they last, then a NUL (the receiver reports an
	 * all-NUL message as empty). */
	static const char nul;
	size_t batches = nfds ? (nfds + FDP_MAX_FDS - 1) / FDP_MAX_FDS : 1;
	const char *p = buf;
	size_t b;

	if (type != SOCK_STREAM && batches > 1) {
		errno = E2BIG;
		return -1;
	}
	for (b = 0; b < batches; b++) {
		size_t k = nfds - b * FDP_MAX_FDS;
		size_t n = b + 1 < batches ? 1 : len;

		if (k > FDP_MAX_FDS)
			k = FDP_MAX_FDS;
		if (send_batch(sock, len ? p : &nul, len ? n : 1,
		    fds + b * FDP_MAX_FDS, nfds ? k : 0, timeout_ms) < 0)
			return -1;
		if (len) {
			p += n;
			len -= n;
		}
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
	m->lost = 0;
	m->closed = 0;
}

void
fdp_msg_free(struct fdp_msg *m)
{
	fdp_msg_clear(m);
	free(m->data);
	free(m->fds);
	memset(m, 0, sizeof(*m));
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

static int
fail(struct fdp_msg *m, int lost)
{
	int e = lost ? EBADMSG : errno;

	m->lost = lost;
	m->closed = m->nfds;
	fdp_close_all(m->fds, m->nfds);
	m->nfds = 0;
	errno = e;
	return -1;
}

int
fdp_recv(int sock, int type, struct fdp_msg *m, int timeout_ms)
{
	/* Room for a full set of descriptors plus credentials plus a pidfd:
	 * when SO_PASSCRED is on, credentials take their room first, and a
	 * buffer sized for descriptors alone would truncate those. */
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(FDP_MAX_FDS * sizeof(int)) +
		    CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
	} ctl;
	int stream = type == SOCK_STREAM;
	int flags = MSG_CMSG_CLOEXEC | (timeout_ms >= 0 ? MSG_DONTWAIT : 0);

	fdp_msg_clear(m);
	for (;;) {
		/* A stream buffer doubles as it fills; a record must fit whole. */
		size_t room = stream ? 4096 : FDP_DGRAM_MAX;
		struct iovec iov;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		size_t before = m->nfds;
		ssize_t r;

		if (grow((void **)&m->data, &m->cap, m->len + room, 1) < 0)
			return fail(m, 0);
		iov.iov_base = m->data + m->len;
		/* A record gets exactly FDP_DGRAM_MAX, however far an earlier
		 * stream message grew the buffer. */
		iov.iov_len = stream ? m->cap - m->len : room;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);

		r = recvmsg(sock, &mh, flags);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && fdp_wait(sock, POLLIN, timeout_ms) == 0)
				continue;
			return fail(m, 0);
		}
		/* With SO_PASSCRED, a stream read at EOF still gets credentials,
		 * but empty ones: pid 0, uid 0, gid 0, which would pass for root.
		 * Keep those that came with the bytes. */
		if (take_control(&mh, m, !(stream && r == 0)) < 0)
			return fail(m, 0);
		/* The descriptors that fit are installed even when the rest were
		 * dropped: close those too, never hand on a partial set. */
		if (mh.msg_flags & MSG_CTRUNC)
			return fail(m, MSG_CTRUNC);
		if (mh.msg_flags & MSG_TRUNC)
			return fail(m, MSG_TRUNC);
		m->len += (size_t)r;

		if (!stream) {
			/* A zero-length record is a message when it carries
			 * something; on seqpacket, 0 with nothing is EOF. */
			if (r == 0 && m->nfds == 0 && type == SOCK_SEQPACKET)
				return 0;
			return 1;
		}
		if (r == 0 && m->nfds == before)
			return m->len > 0 || m->nfds > 0;
	}
}
