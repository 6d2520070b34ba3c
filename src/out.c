/*
 * out.c: standard output and error, every write checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "proc.h"

/* A line could not be written to standard error. */
static int lost;

/* Something was written to standard output, or error, through stdio. */
static int used, used_err;

static void __attribute__((format(printf, 2, 0)))
say(int errnum, const char *fmt, va_list ap)
{
	/* One line, whatever it holds: the values in it are cut short by
	 * arg_show, so a line longer than this is one cut here, not lost. */
	char line[8192];
	size_t n, max = sizeof(line) - 5;
	int r, e = errno;

	r = snprintf(line, max, "%s: ", program_invocation_short_name);
	n = r < 0 ? 0 : (size_t)r;
	r = vsnprintf(line + n, max - n, fmt, ap);
	n = r < 0 ? n : n + (size_t)r;
	if (errnum >= 0 && n < max) {
		r = snprintf(line + n, max - n, ": %s", strerror(errnum));
		n = r < 0 ? n : n + (size_t)r;
	}
	if (n >= max) {
		n = max - 1;
		memcpy(line + n, "...", 3);
		n += 3;
	}
	line[n++] = '\n';
	for (;;) {
		ssize_t w = write(STDERR_FILENO, line, n);

		if (w >= 0 && (size_t)w == n)
			break;
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			lost = 1;
			break;
		}
		/* Cut short (a signal, a full disk): the rest, or nothing. */
		memmove(line, line + w, n - (size_t)w);
		n -= (size_t)w;
	}
	errno = e;
}

void
out_warn(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(errnum, fmt, ap);
	va_end(ap);
}

void
out_die(int status, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(errnum, fmt, ap);
	va_end(ap);
	exit(status);
}

void
out_need(int fd)
{
	if (fcntl(fd, F_GETFD) >= 0)
		return;
	/* With standard error closed, this says nothing: the status must. */
	errx(1, "standard %s is closed", fd == STDOUT_FILENO ? "output" : "error");
}

void
out_failed(int errnum)
{
	if (errnum == EPIPE)
		proc_die(SIGPIPE);
	errno = errnum ? errnum : EIO;
	err(1, "write standard output");
}

void
out_verbose(void)
{
	used_err = 1;
	setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
}

void
out_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(STDOUT_FILENO, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		/* A standard output left non-blocking by whoever shares it. */
		if (w < 0 && errno == EAGAIN) {
			struct pollfd q = { .fd = STDOUT_FILENO, .events = POLLOUT };

			poll(&q, 1, -1);
			continue;
		}
		if (w <= 0)
			out_failed(w < 0 ? errno : EIO);
		p += w;
		len -= (size_t)w;
	}
}

void
out_flush(void)
{
	used = 1;
	if (fflush(stdout) == EOF || ferror(stdout))
		out_failed(errno);
}

int
out_end(int status)
{
	/* What is still in stdio's buffer goes now, and close(2) may report
	 * what the writes did not (NFS): either failing is a failed write,
	 * and so is one that failed earlier (musl's small buffer writes
	 * while -h is being put in it). */
	int failed;

	/* Nothing written through stdio, nothing to check: a plain fdsend
	 * runs none of stdio's code, which would be pages to map. */
	failed = used && ferror(stdout);
	if (used && (fclose(stdout) == EOF || failed)) {
		if (errno == EPIPE)
			proc_die(SIGPIPE);
		warn("write standard output");
		return 1;
	}
	if (used_err && (fflush(stderr) == EOF || ferror(stderr)))
		lost = 1;
	return lost && status == 0 ? 1 : status;
}

void
out_exit(int status)
{
	used = 1;
	exit(out_end(status));
}
