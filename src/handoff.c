/*
 * handoff.c: placing descriptors and the LISTEN_* environment for a command.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handoff.h"

extern char **environ;

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Without close_range(CLOSE_RANGE_CLOEXEC) (Linux < 5.11): one by one. */
static int
cloexec_proc(unsigned lo, unsigned hi)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		unsigned long fd = strtoul(e->d_name, NULL, 10);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd < lo || fd > hi ||
		    (int)fd == dirfd(d))
			continue;
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
	return 0;
}

static int
cloexec_range(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return 0;
	if (close_range(lo, hi, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	return cloexec_proc(lo, hi);
}

/* Everything above 2 that is not a target becomes close-on-exec: the
 * listening socket, the connection, whatever fdrecv itself inherited. */
static int
cloexec_others(const int *targets, size_t n)
{
	int *t = malloc((n ? n : 1) * sizeof(int));
	unsigned lo = 3;
	size_t i;

	if (!t)
		return -1;
	memcpy(t, targets, n * sizeof(int));
	qsort(t, n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++) {
		if (t[i] < 3)
			continue;
		if (cloexec_range(lo, (unsigned)t[i] - 1) < 0)
			break;
		lo = (unsigned)t[i] + 1;
	}
	free(t);
	if (i < n)
		return -1;
	return cloexec_range(lo, ~0U);
}

static int
place(const struct handoff *h, const int *target)
{
	int top = 2;
	size_t i;

	for (i = 0; i < h->nfds; i++)
		if (target[i] > top)
			top = target[i];
	/* First move every descriptor above all the targets, so that no
	 * dup2 below can land on one not yet moved; and so that no source
	 * equals its target (dup2(fd, fd) would leave close-on-exec set). */
	for (i = 0; i < h->nfds; i++) {
		int fd = fcntl(h->fds[i], F_DUPFD_CLOEXEC, top + 1);

		if (fd < 0)
			return -1;
		close(h->fds[i]);
		h->fds[i] = fd;
	}
	/* dup2 clears close-on-exec on the new descriptor. */
	for (i = 0; i < h->nfds; i++)
		if (dup2(h->fds[i], target[i]) < 0)
			return -1;
	for (i = 0; i < h->nfds; i++)
		close(h->fds[i]);
	return cloexec_others(target, h->nfds);
}

static void
unset_listen_vars(void)
{
	for (;;) {
		char **e, *name;

		for (e = environ; *e; e++)
			if (strncmp(*e, "LISTEN_", 7) == 0)
				break;
		if (!*e)
			return;
		name = strndup(*e, strcspn(*e, "="));
		if (!name || unsetenv(name) < 0) {
			free(name);
			return;
		}
		free(name);
	}
}

static int
set_message(const char *msg, size_t len)
{
	char *v;
	size_t i;
	int r;

	/* An environment string ends at its first NUL: a message holding one
	 * travels hex-encoded instead. All NULs is the empty message. */
	for (i = 0; i < len && msg[i] == '\0'; i++)
		;
	if (i == len)
		len = 0;
	if (len && memchr(msg, '\0', len)) {
		v = malloc(len * 2 + 1);
		if (!v)
			return -1;
		for (i = 0; i < len; i++)
			snprintf(v + i * 2, 3, "%02x", (unsigned char)msg[i]);
		unsetenv("FDRECV_MESSAGE");
		r = setenv("FDRECV_MESSAGE_HEX", v, 1);
	} else {
		v = strndup(len ? msg : "", len);
		if (!v)
			return -1;
		unsetenv("FDRECV_MESSAGE_HEX");
		r = setenv("FDRECV_MESSAGE", v, 1);
	}
	free(v);
	return r;
}

int
handoff_prepare(const struct handoff *h)
{
	char num[24];
	int *target;
	size_t i, len = 0;
	int r;

	target = malloc((h->nfds ? h->nfds : 1) * sizeof(int));
	if (!target)
		return -1;
	for (i = 0; i < h->nfds; i++)
		target[i] = h->at ? h->at[i] : 3 + (int)i;
	r = place(h, target);
	free(target);
	if (r < 0)
		return -1;

	unset_listen_vars();
	snprintf(num, sizeof(num), "%zu", h->nfds);
	if (setenv("LISTEN_FDS", num, 1) < 0)
		return -1;
	snprintf(num, sizeof(num), "%d", (int)getpid());
	if (setenv("LISTEN_PID", num, 1) < 0)
		return -1;
	if (h->names && h->nfds) {
		char *v;

		for (i = 0; i < h->nfds; i++)
			len += strlen(h->names[i]) + 1;
		v = malloc(len);
		if (!v)
			return -1;
		for (i = 0, len = 0; i < h->nfds; i++) {
			size_t n = strlen(h->names[i]);

			memcpy(v + len, h->names[i], n);
			len += n;
			v[len++] = i + 1 < h->nfds ? ':' : '\0';
		}
		r = setenv("LISTEN_FDNAMES", v, 1);
		free(v);
		if (r < 0)
			return -1;
	}
	return set_message(h->msg, h->msglen);
}
