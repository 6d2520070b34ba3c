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

#include "compat.h"
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

/*
 * Put fds[i] at target[i], for every i, using no more descriptor numbers
 * than are already open plus one: a message of nearly as many descriptors
 * as the limit on open files is placed as well as a small one.
 *
 * In order of targets: a target still held by a descriptor not yet placed
 * is first moved out of the way (to the lowest free number), then dup2
 * puts the descriptor there and the old number is closed. holder[n] tells
 * which unplaced descriptor, if any, is at number n of the targets' range.
 */
static int
place(const struct handoff *h, const int *target)
{
	size_t *holder, i;
	int top = 2, r = -1;

	for (i = 0; i < h->nfds; i++)
		if (target[i] > top)
			top = target[i];
	holder = calloc((size_t)top + 1, sizeof(*holder));
	if (!holder)
		return -1;
	for (i = 0; i < h->nfds; i++)
		if (h->fds[i] <= top)
			holder[h->fds[i]] = i + 1;
	for (i = 0; i < h->nfds; i++) {
		int t = target[i];
		size_t j = holder[t];

		if (h->fds[i] == t) {
			holder[t] = 0;
			continue;
		}
		if (j && j - 1 != i) {
			/* Another descriptor sits on the target: move it. */
			int fd = fcntl(t, F_DUPFD_CLOEXEC, 3);

			if (fd < 0)
				goto out;
			h->fds[j - 1] = fd;
			if (fd <= top)
				holder[fd] = j;
		}
		if (dup2(h->fds[i], t) < 0)
			goto out;
		if (h->fds[i] <= top)
			holder[h->fds[i]] = 0;
		close(h->fds[i]);
		h->fds[i] = t;
		holder[t] = 0;
	}
	/* dup2 clears close-on-exec, but not on a descriptor that was
	 * already where it belongs. */
	for (i = 0; i < h->nfds; i++)
		if (fcntl(target[i], F_SETFD, 0) < 0)
			goto out;
	r = cloexec_others(target, h->nfds);
out:
	free(holder);
	return r;
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
	 * travels hex-encoded instead. */
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
