/*
 * fuzz_recv.c: fdp_recv against what the kernel was really given.
 *
 * The input describes a socketpair, a few sendmsg calls with payload bytes
 * and SCM_RIGHTS descriptors (and perhaps credentials), and how the
 * receiving end is set up; fdp_recv then gets one message, and the checks
 * are those of fdpass.h: a message is exactly what was sent (as
 * fdp_unframe reads it), its descriptors all arrived, in order,
 * close-on-exec; a failure leaves no descriptor behind; and after each run
 * the process holds the same descriptors as before it. With F_FRAMED
 * (the top bit of the count of calls), one fdp_send sends the message
 * instead, and what arrives must be exactly what it was given.
 *
 * Input layout (missing bytes read as 0):
 *   [0] socket type: stream, seqpacket or dgram
 *   [1] flags (F_* below)
 *   [2] with F_RLIMIT: descriptor numbers left free under RLIMIT_NOFILE
 *   [3] number of sendmsg calls, at most MAX_SENDS; F_FRAMED
 *   then 3 bytes per call: descriptors (0 to 253), data length, and the
 *   sources of the descriptors (2 bits each, cycling)
 *   the rest: payload bytes, used in turn (and cycled) by the calls
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdpass.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) fail_check(#cond, __LINE__); } while (0)

enum {
	F_PASSCRED = 1 << 0,    /* receiver asks for SCM_CREDENTIALS */
	F_SENDCRED = 1 << 1,    /* sender attaches its own SCM_CREDENTIALS */
	F_BLOCK = 1 << 2,       /* fdp_recv without a timeout */
	F_RLIMIT = 1 << 3,      /* too few descriptor numbers: MSG_CTRUNC */
	F_PASSPIDFD = 1 << 4,   /* receiver gets an SCM_PIDFD it never asked for */
	F_SPLIT = 1 << 5,       /* two SCM_RIGHTS headers in one sendmsg */
	F_LONG = 1 << 6,        /* data lengths times 32: past the 4096 first read */
	F_HUGE = 1 << 7,        /* the first call sends more than MAX_MSG */
};

#define F_FRAMED 0x80

/* The longest message taken. */
#define MAX_MSG (1024 * 1024)

#define MAX_SENDS 8
#define MAX_TOTAL_FDS 1024
#define HUGE_LEN (MAX_MSG + 1)
#define MAX_SEND (HUGE_LEN + 255 * 32)
#define MAX_DATA (MAX_SEND + MAX_SENDS * 255 * 32)

/* What a received descriptor must be: the same open file, same access. */
struct ident {
	dev_t dev;
	ino_t ino;
	int acc;
};

static int sources[4];          /* /dev/null r and w, a pipe's two ends */
static struct ident source_id[4];

static void
fail_check(const char *what, int line)
{
	fprintf(stderr, "fuzz_recv.c:%d: check failed: %s (errno %s)\n", line, what,
	    strerror(errno));
	abort();
}

static struct ident
identify(int fd)
{
	struct ident id = { 0, 0, -1 };
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fstat(fd, &st) == 0 && fl >= 0) {
		id.dev = st.st_dev;
		id.ino = st.st_ino;
		id.acc = fl & O_ACCMODE;
	}
	return id;
}

/* Open descriptors of this process, and the highest one. */
static int
count_fds(int *highest)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	CHECK(d != NULL);
	*highest = -1;
	while ((e = readdir(d)) != NULL) {
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == dirfd(d))
			continue;
		n++;
		if (fd > *highest)
			*highest = fd;
	}
	closedir(d);
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rlimit rl;
	int p[2], i;

	(void)argc;
	(void)argv;
	/* Room for every descriptor one input can have in flight. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4 * MAX_TOTAL_FDS) {
		rl.rlim_cur = rl.rlim_max < 4 * MAX_TOTAL_FDS ? rl.rlim_max : 4 * MAX_TOTAL_FDS;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sources[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sources[1] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	sources[2] = p[0];
	sources[3] = p[1];
	for (i = 0; i < 4; i++) {
		CHECK(sources[i] >= 0);
		source_id[i] = identify(sources[i]);
	}
	return 0;
}

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned
byte(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

/* What the receiver must see. */
struct expect {
	int type;
	unsigned char data[MAX_DATA];
	size_t len;
	struct ident ids[MAX_TOTAL_FDS];
	size_t nfds;
	size_t records;         /* dgram and seqpacket: records sent */
	int trunc;              /* the first record is too long to take */
	int framed;             /* sent by fdp_send: data is the message itself */
};

/*
 * One sendmsg of len bytes and nfds fresh duplicates of the sources. The
 * duplicates are closed right after: what is in flight holds its own
 * references. Returns the bytes sent, or -1 when the socket is full.
 */
static ssize_t
send_one(int w, const unsigned char *buf, size_t len, size_t nfds, unsigned pattern,
    unsigned flags, struct ident *ids)
{
	union {
		struct cmsghdr h; /* for alignment */
		char buf[2 * CMSG_SPACE(FDP_MAX_FDS * sizeof(int)) +
		    CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	int fds[FDP_MAX_FDS];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c = NULL;
	size_t i, first = (flags & F_SPLIT) ? nfds / 2 : nfds;
	size_t used = 0;
	ssize_t r;

	for (i = 0; i < nfds; i++) {
		unsigned src = (pattern >> (2 * (i % 4))) & 3;

		fds[i] = fcntl(sources[src], F_DUPFD_CLOEXEC, 0);
		CHECK(fds[i] >= 0);
		ids[i] = source_id[src];
	}
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	/* Up to two SCM_RIGHTS headers (the kernel joins them), then creds. */
	if (first > 0) {
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(first * sizeof(int));
		memcpy(CMSG_DATA(c), fds, first * sizeof(int));
		used += CMSG_SPACE(first * sizeof(int));
	}
	if (nfds > first) {
		c = c ? CMSG_NXTHDR(&mh, c) : CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((nfds - first) * sizeof(int));
		memcpy(CMSG_DATA(c), fds + first, (nfds - first) * sizeof(int));
		used += CMSG_SPACE((nfds - first) * sizeof(int));
	}
	if (flags & F_SENDCRED) {
		struct ucred uc = { getpid(), getuid(), getgid() };

		c = c ? CMSG_NXTHDR(&mh, c) : CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(c), &uc, sizeof(uc));
		used += CMSG_SPACE(sizeof(uc));
	}
	mh.msg_controllen = used;
	if (used == 0)
		mh.msg_control = NULL;

	r = sendmsg(w, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* Full, or (without privileges) a record larger than the buffer. */
	if (r < 0)
		CHECK(errno == EAGAIN || errno == ENOBUFS || (errno == EMSGSIZE && len > 255 * 32));
	fdp_close_all(fds, nfds);
	return r;
}

/* One fdp_send of a message of up to 64 KiB with up to 1020 descriptors
 * (253 on a record): what arrives must be exactly that. */
static void
send_framed(int w, struct input *in, struct expect *x)
{
	static int fds[MAX_TOTAL_FDS];
	size_t len = byte(in) * 256 + byte(in), nfds = byte(in) * 4, i;
	unsigned pattern = byte(in);

	if (x->type != SOCK_STREAM && nfds > FDP_MAX_FDS)
		nfds = FDP_MAX_FDS;
	for (i = 0; i < len; i++)
		x->data[i] = in->n ? in->p[i % in->n] : 0;
	for (i = 0; i < nfds; i++) {
		unsigned src = (pattern >> (2 * (i % 4))) & 3;

		fds[i] = fcntl(sources[src], F_DUPFD_CLOEXEC, 0);
		CHECK(fds[i] >= 0);
		x->ids[i] = source_id[src];
	}
	x->framed = 1;
	if (fdp_send(w, x->type, x->data, len, fds, nfds, 0) == 0) {
		x->len = len;
		x->nfds = nfds;
		x->records = 1;
	} else {
		/* Full: nothing to check but that nothing leaks. */
		CHECK(errno == ETIMEDOUT || errno == ENOBUFS);
		x->framed = 2;
	}
	fdp_close_all(fds, nfds);
}

/* Send what the input describes; fill in what must arrive. */
static void
send_all(int w, struct input *in, unsigned flags, struct expect *x)
{
	static unsigned char buf[MAX_SEND];
	static struct ident ids[FDP_MAX_FDS];
	unsigned n = byte(in), nsends = (n & ~F_FRAMED) % (MAX_SENDS + 1), i;
	unsigned hdr[MAX_SENDS][3];
	size_t budget = MAX_TOTAL_FDS, off = 0;

	if (n & F_FRAMED) {
		send_framed(w, in, x);
		return;
	}

	/* The headers first: what follows them is the payload pool. */
	for (i = 0; i < nsends; i++) {
		hdr[i][0] = byte(in) % (FDP_MAX_FDS + 1);
		hdr[i][1] = byte(in) * ((flags & F_LONG) ? 32 : 1);
		hdr[i][2] = byte(in);
	}
	if (nsends > 0 && (flags & F_HUGE)) {
		/* A record fdp_recv must refuse whole (MSG_TRUNC); the default
		 * send buffer is too small for it, SO_SNDBUFFORCE is not. */
		int size = 4 * HUGE_LEN;

		if (setsockopt(w, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
			setsockopt(w, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		hdr[0][1] += HUGE_LEN;
	}
	for (i = 0; i < nsends; i++) {
		size_t nfds = hdr[i][0] < budget ? hdr[i][0] : budget;
		size_t len = hdr[i][1], j;
		ssize_t r;

		for (j = 0; j < len && j < 255 * 32; j++, off++)
			buf[j] = in->n ? in->p[off % in->n] : (unsigned char)(j * 31 + i);
		if (len > j)
			memset(buf + j, 'H', len - j); /* the huge part: cheap to make */
		r = send_one(w, buf, len, nfds, hdr[i][2], flags, ids);
		if (r < 0)
			break; /* full: what went before is the test */
		budget -= nfds;
		if (x->type == SOCK_STREAM) {
			/* A zero-byte stream sendmsg drops its descriptors:
			 * the reason fdp_send never sends one. */
			if (r > 0) {
				memcpy(x->data + x->len, buf, (size_t)r);
				x->len += (size_t)r;
				memcpy(x->ids + x->nfds, ids, nfds * sizeof(ids[0]));
				x->nfds += nfds;
			}
			if ((size_t)r < len)
				break; /* partial: the socket is full */
		} else {
			CHECK((size_t)r == len);
			/* One record is one message: the first one. */
			if (x->records++ == 0 && len > MAX_MSG) {
				x->trunc = 1;
				x->nfds = nfds;
			} else if (x->records == 1) {
				memcpy(x->data, buf, len);
				x->len = len;
				memcpy(x->ids, ids, nfds * sizeof(ids[0]));
				x->nfds = nfds;
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	static struct expect x;
	/* Kept from run to run, as the programs keep theirs: its buffers
	 * must change nothing, whatever type the last message came on. */
	static struct fdp_msg m;
	struct input in = { data, size };
	struct rlimit saved;
	unsigned flags, slack;
	int sv[2], before, after, highest, r, e, timeout, lowered = 0;
	size_t i;

	/* Not a memset: data is over a megabyte, and only len bytes count. */
	x.len = x.nfds = x.records = 0;
	x.trunc = x.framed = 0;
	x.type = types[byte(&in) % 3];
	flags = byte(&in);
	slack = byte(&in);
	before = count_fds(&highest);

	CHECK(socketpair(AF_UNIX, x.type | SOCK_CLOEXEC, 0, sv) == 0);
	if (flags & F_PASSCRED)
		CHECK(setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)) == 0);
	/* Older kernels lack SO_PASSPIDFD: then there is simply no pidfd. */
	if (flags & F_PASSPIDFD)
		setsockopt(sv[0], SOL_SOCKET, SO_PASSPIDFD, &(int){ 1 }, sizeof(int));
	send_all(sv[1], &in, flags, &x);
	close(sv[1]);

	/* A dgram socket with nothing queued would wait forever. */
	timeout = (flags & F_BLOCK) && !(x.type == SOCK_DGRAM && x.records == 0) ? -1 : 0;
	if (flags & F_RLIMIT) {
		struct rlimit rl;

		count_fds(&highest);
		CHECK(getrlimit(RLIMIT_NOFILE, &saved) == 0);
		rl = saved;
		rl.rlim_cur = (rlim_t)highest + 1 + slack;
		lowered = rl.rlim_cur < saved.rlim_cur && setrlimit(RLIMIT_NOFILE, &rl) == 0;
	}
	r = fdp_recv(sv[0], x.type, &m, MAX_MSG, timeout);
	e = errno;
	if (lowered)
		CHECK(setrlimit(RLIMIT_NOFILE, &saved) == 0);
	errno = e;

	if (x.framed == 2) {
		/* fdp_send gave up part way: anything but a leak will do. */
		CHECK(r == 1 || r == 0 || (r == -1 && m.nfds == 0));
	} else if (r == 1) {
		/* Exactly what was sent: bytes, and every descriptor in order. */
		size_t want = x.framed ? x.len : fdp_unframe((const char *)x.data, x.len);

		CHECK(!x.trunc);
		CHECK(x.type != SOCK_STREAM || x.len <= MAX_MSG);
		CHECK(m.len == want);
		CHECK(want == 0 || memcmp(m.data, x.data, want) == 0);
		CHECK(m.nfds == x.nfds);
		for (i = 0; i < m.nfds; i++) {
			struct ident id = identify(m.fds[i]);
			int fdfl = fcntl(m.fds[i], F_GETFD);

			CHECK(fdfl >= 0 && (fdfl & FD_CLOEXEC));
			CHECK(id.dev == x.ids[i].dev && id.ino == x.ids[i].ino &&
			    id.acc == x.ids[i].acc);
		}
		/* Credentials come with SO_PASSCRED only, and are the sender's:
		 * never made up (pid 0, uid 0 would read as root). */
		CHECK(!m.has_cred == !(flags & F_PASSCRED));
		if (m.has_cred)
			CHECK(m.pid == getpid() && m.uid == getuid() && m.gid == getgid());
		/* A seqpacket record of nothing is EOF; a dgram one is not. */
		CHECK(x.framed || x.type != SOCK_SEQPACKET || x.len > 0 || x.nfds > 0);
	} else if (r == 0) {
		/* "The peer closed without sending anything." */
		CHECK(m.nfds == 0 && m.len == 0);
		CHECK(x.len == 0 && x.nfds == 0 && x.type != SOCK_DGRAM && !x.trunc && !x.framed);
	} else {
		CHECK(r == -1 && m.nfds == 0);
		if (e == EBADMSG) {
			/* Only a short limit drops descriptors; what did
			 * arrive of the message was closed. */
			CHECK(lowered && m.closed <= x.nfds);
		} else if (e == EMSGSIZE) {
			/* A record or a stream longer than the bound is
			 * refused, and what did arrive of it closed. */
			CHECK((x.trunc && m.closed == x.nfds) ||
			    (x.type == SOCK_STREAM && x.len > MAX_MSG && m.closed <= x.nfds));
		} else {
			CHECK(e == ETIMEDOUT && x.type == SOCK_DGRAM && x.records == 0);
		}
	}
	fdp_msg_clear(&m);
	close(sv[0]);

	after = count_fds(&highest);
	if (after != before)
		fprintf(stderr, "descriptors: %d before, %d after\n", before, after);
	CHECK(after == before);
	return 0;
}
