/*
 * min_recv: the benchmark's baseline receiver, the least a careful tool
 * does, as `fdrecv -n COUNT` does it: accept each connection, recvmsg to
 * EOF with MSG_CMSG_CLOEXEC gathering every batch of descriptors, refuse a
 * truncated set, then print one line and close what arrived. fdrecv is
 * measured against it, so it must stay this small.
 *
 *     min_recv SOCKET COUNT [EXPECT]
 *
 * SOCKET is fd:N, an inherited listening socket (what the benchmark uses,
 * so that no start-up race decides the timing), or a PATH to bind. With
 * EXPECT, a connection that brings another number of descriptors fails the
 * run: a benchmark of a pair that drops descriptors would mean nothing.
 * A connection closed without sending anything is not counted, as fdrecv
 * does not count it: the benchmark uses one to learn that all before it
 * were handled. Each connection is closed once its message is handled, as
 * fdrecv does: the sender waits for that.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 253
#define MAX_KEPT 4096

static int fds[MAX_KEPT];

/* One connection to EOF; returns the number of descriptors, or -1, and
 * whether anything came at all. */
static int
receive(int c, int *any)
{
	union {
		struct cmsghdr h; /* for alignment */
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
	} ctl;
	char data[4096];
	int n = 0;

	for (;;) {
		struct iovec iov = { data, sizeof(data) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
		struct cmsghdr *cm;
		int got = 0;
		ssize_t r = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			if ((size_t)n + k > MAX_KEPT)
				return -1;
			memcpy(fds + n, CMSG_DATA(cm), k * sizeof(int));
			n += (int)k;
			got = 1;
		}
		/* Never hand on a partial set: the ones that fit were installed. */
		if (mh.msg_flags & MSG_CTRUNC)
			return -1;
		if (r == 0 && !got)
			return n;
		*any = 1;
	}
}

static int
listener(const char *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s;

	if (strncmp(arg, "fd:", 3) == 0)
		return atoi(arg + 3);
	if (strlen(arg) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, arg, strlen(arg));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(s, SOMAXCONN) < 0)
		return -1;
	return s;
}

int
main(int argc, char **argv)
{
	long count = argc > 2 ? atol(argv[2]) : 1;
	long expect = argc > 3 ? atol(argv[3]) : -1;
	int l = argc > 1 ? listener(argv[1]) : -1;
	long handled = 0;

	if (l < 0)
		return 1;
	while (handled < count) {
		char line[32];
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		int n, k, len, any = 0;

		if (c < 0)
			return 1;
		n = receive(c, &any);
		if (n == 0 && !any) {
			close(c);
			continue;
		}
		if (n < 0 || (expect >= 0 && n != expect))
			return 1;
		handled++;
		len = snprintf(line, sizeof(line), "%d\n", n);
		if (write(1, line, (size_t)len) != len)
			return 1;
		for (k = 0; k < n; k++)
			close(fds[k]);
		/* Closed once handled: the sender's sign it was delivered. */
		close(c);
	}
	if (strncmp(argv[1], "fd:", 3) != 0)
		unlink(argv[1]);
	return 0;
}
