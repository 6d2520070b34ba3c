/*
 * cat.c: copy a descriptor's contents to standard output.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cat.h"
#include "fdpass.h"

enum how { SPLICE, SENDFILE, READWRITE };

#define CHUNK (1 << 20)

/* read/write, for what neither splice nor sendfile takes (a tty, say). */
static ssize_t
readwrite(int in, int out, int *outerr)
{
	static char buf[128 * 1024];
	ssize_t n = read(in, buf, sizeof(buf)), done = 0;

	while (n > 0 && done < n) {
		ssize_t w = write(out, buf + done, (size_t)(n - done));

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && fdp_wait(out, POLLOUT, -1) == 0)
				continue;
			*outerr = 1;
			return -1;
		}
		done += w;
	}
	return n;
}

int
cat_fd(int in, int out, int timeout_ms, int *outerr)
{
	struct stat si, so;
	enum how how = READWRITE;
	long long deadline = timeout_ms >= 0 ? fdp_now_ms() + timeout_ms : 0;
	int fl;

	*outerr = 0;
	if (fstat(in, &si) < 0)
		return -1;
	if (S_ISDIR(si.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	fl = fcntl(in, F_GETFL);
	if (fl < 0)
		return -1;
	if ((fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY) {
		errno = EBADF;
		return -1;
	}
	if (fstat(out, &so) < 0) {
		*outerr = 1;
		return -1;
	}
	/* Let the kernel move the pages: splice into a pipe, sendfile from a
	 * file; either falls back to read/write where it does not apply. */
	if (S_ISFIFO(so.st_mode))
		how = SPLICE;
	else if (S_ISREG(si.st_mode) || S_ISBLK(si.st_mode))
		how = SENDFILE;

	for (;;) {
		ssize_t n;

		if (timeout_ms >= 0) {
			long long left = deadline - fdp_now_ms();

			/* The deadline covers the whole copy, so endless
			 * sources (/dev/zero) end too, not only silent ones. */
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (fdp_wait(in, POLLIN, left < INT_MAX ? (int)left : INT_MAX) < 0)
				return -1;
		}
		switch (how) {
		case SPLICE:
			n = splice(in, NULL, out, NULL, CHUNK, SPLICE_F_MOVE);
			break;
		case SENDFILE:
			n = sendfile(out, in, NULL, CHUNK);
			break;
		default:
			n = readwrite(in, out, outerr);
			if (n < 0 && *outerr)
				return -1;
		}
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (how != READWRITE && (errno == EINVAL || errno == ENOSYS)) {
			how = READWRITE;
			continue;
		}
		if (errno == EAGAIN) {
			/* Either side may be non-blocking (O_NONBLOCK travels
			 * with the descriptor). Wait for the output, then for
			 * the input (with a timeout, the top of the loop does). */
			if (fdp_wait(out, POLLOUT, -1) < 0) {
				*outerr = 1;
				return -1;
			}
			if (timeout_ms < 0 && fdp_wait(in, POLLIN, -1) < 0)
				return -1;
			continue;
		}
		/* splice and sendfile do not say which side failed. */
		if (how != READWRITE && (errno == EPIPE || errno == ENOSPC || errno == EFBIG || errno == EDQUOT))
			*outerr = 1;
		return -1;
	}
}
