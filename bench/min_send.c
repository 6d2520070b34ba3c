/*
 * min_send: the benchmark's baseline sender, the least a careful tool does
 * to pass descriptors: socket, connect, one sendmsg per batch. fdsend is
 * measured against it (time, peak RSS, syscalls), so it must stay this
 * small: no option parsing, no checks beyond what the kernel requires.
 *
 *     min_send SOCKET [FIRST [COUNT [nowait]]]
 *
 * sends descriptors FIRST .. FIRST+COUNT-1 (default: 0, 1) to the stream
 * socket at path SOCKET, in batches of 253 (SCM_MAX_FD) with one NUL byte
 * each, as fdsend sends an empty message; then, as fdsend does, ends the
 * message with shutdown(2) and waits for the receiver to close, so that
 * exit 0 means delivered. "nowait" leaves that out: the benchmark measures
 * what the wait costs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* compat_sendmsg: on 64-bit musl 1.2.3, sendmsg() refuses 253 descriptors. */
#include "../src/compat.h"

#define MAX_FDS 253

static int
send_batch(int s, int first, int n)
{
	union {
		struct cmsghdr h; /* for alignment */
		char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
	} ctl;
	/* A stream sendmsg with no data drops its descriptors: one byte each. */
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int i;

	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	for (i = 0; i < n; i++) {
		int fd = first + i;

		memcpy(CMSG_DATA(c) + (size_t)i * sizeof(int), &fd, sizeof(int));
	}
	for (;;) {
		/* MSG_NOSIGNAL: a vanished receiver is an error, not SIGPIPE. */
		ssize_t r = compat_sendmsg(s, &mh, MSG_NOSIGNAL);

		if (r == 1)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int first = argc > 2 ? atoi(argv[2]) : 0;
	int count = argc > 3 ? atoi(argv[3]) : 1;
	int s;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sun.sun_path) || count < 1)
		return 2;
	memcpy(sun.sun_path, argv[1], strlen(argv[1]));
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return 1;
	while (count > 0) {
		int n = count < MAX_FDS ? count : MAX_FDS;

		if (send_batch(s, first, n) < 0)
			return 1;
		first += n;
		count -= n;
	}
	if (argc > 4 && strcmp(argv[4], "nowait") == 0)
		return 0;
	if (shutdown(s, SHUT_WR) < 0)
		return 1;
	for (;;) {
		/* fdrecv greets its peers: read what comes as fdsend does. */
		char buf[512];
		ssize_t r = read(s, buf, sizeof(buf));

		if (r == 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return 1;
	}
}
