/*
 * handoff.c: placing descriptors and the LISTEN_* environment for a command.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "compat.h"
#include "fdpass.h"
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

/* Remove every variable whose name begins with prefix. */
static void
unset_vars(const char *prefix)
{
	size_t n = strlen(prefix);

	for (;;) {
		char **e, *name;

		for (e = environ; *e; e++)
			if (strncmp(*e, prefix, n) == 0)
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

int
handoff_env(const char *s)
{
	static const char *const styles[] = { "systemd", "nginx", "einhorn", "systemfd" };
	size_t i;

	for (i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
		if (strcmp(s, styles[i]) == 0)
			return (int)i;
	return -1;
}

static int
setnum(const char *name, long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld", v);
	return setenv(name, num, 1);
}

/* LISTEN_FDNAMES: a name per descriptor, "unknown" for one without, as
 * sd_listen_fds_with_names(3) calls those. */
static int
set_names(const struct handoff *h)
{
	size_t i, len = 0;
	char *v;
	int r;

	if (!h->names || !h->nfds)
		return 0;
	for (i = 0; i < h->nfds; i++)
		len += strlen(h->names[i] ? h->names[i] : "unknown") + 1;
	v = malloc(len);
	if (!v)
		return -1;
	for (i = 0, len = 0; i < h->nfds; i++) {
		const char *name = h->names[i] ? h->names[i] : "unknown";
		size_t n = strlen(name);

		memcpy(v + len, name, n);
		len += n;
		v[len++] = i + 1 < h->nfds ? ':' : '\0';
	}
	r = setenv("LISTEN_FDNAMES", v, 1);
	free(v);
	return r;
}

/* NGINX="3;4;": how nginx passes its listening sockets to a new binary
 * of itself; it takes over those that its "listen" directives name. */
static int
set_nginx(const int *target, size_t n)
{
	char *v, *p;
	size_t i;
	int r;

	/* NGINX set at all, even empty, changes how nginx starts. */
	if (n == 0)
		return 0;
	v = malloc(n * 12 + 1);
	if (!v)
		return -1;
	for (i = 0, p = v; i < n; i++)
		p += snprintf(p, 13, "%d;", target[i]);
	r = setenv("NGINX", v, 1);
	free(v);
	return r;
}

/* einhorn's workers: EINHORN_FD_COUNT, EINHORN_FD_n for each, and, as
 * later versions of einhorn add, EINHORN_FD_FAMILY_n for a socket. */
static int
set_einhorn(const int *target, size_t n)
{
	char name[48];
	size_t i;

	if (setnum("EINHORN_FD_COUNT", (long)n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		int family;
		socklen_t len = sizeof(family);
		const char *f = NULL;

		snprintf(name, sizeof(name), "EINHORN_FD_%zu", i);
		if (setnum(name, target[i]) < 0)
			return -1;
		if (getsockopt(target[i], SOL_SOCKET, SO_DOMAIN, &family, &len) == 0)
			f = family == AF_INET ? "AF_INET" : family == AF_INET6 ? "AF_INET6" :
			    family == AF_UNIX ? "AF_UNIX" : NULL;
		snprintf(name, sizeof(name), "EINHORN_FD_FAMILY_%zu", i);
		if (f && setenv(name, f, 1) < 0)
			return -1;
	}
	return 0;
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
			fdp_hex(v + i * 2, (unsigned char)msg[i], 2);
		v[len * 2] = '\0';
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
	int *target;
	size_t i;
	int r;

	target = malloc((h->nfds ? h->nfds : 1) * sizeof(int));
	if (!target)
		return -1;
	for (i = 0; i < h->nfds; i++)
		target[i] = h->at ? h->at[i] : 3 + (int)i;
	r = place(h, target);
	/* What was inherited describes descriptors that are not there. */
	unset_vars("LISTEN_");
	unset_vars("EINHORN_FD_");
	unsetenv("NGINX");
	switch (r < 0 ? -1 : h->env) {
	case HANDOFF_SYSTEMFD:
		/* --at gives consecutive numbers for this style. */
		r = setnum("LISTEN_FDS_FIRST_FD", h->nfds ? target[0] : 3);
		/* FALLTHROUGH */
	case HANDOFF_SYSTEMD:
		if (r < 0 || setnum("LISTEN_FDS", (long)h->nfds) < 0 ||
		    setnum("LISTEN_PID", (long)getpid()) < 0 || set_names(h) < 0)
			r = -1;
		break;
	case HANDOFF_NGINX:
		r = set_nginx(target, h->nfds);
		break;
	case HANDOFF_EINHORN:
		r = set_einhorn(target, h->nfds);
		break;
	}
	free(target);
	if (r < 0)
		return -1;
	if (h->notify && (*h->notify ? setenv("NOTIFY_SOCKET", h->notify, 1) :
	    unsetenv("NOTIFY_SOCKET")) < 0)
		return -1;
	return set_message(h->msg, h->msglen);
}

int
handoff_notify_socket(int fd, char *buf, size_t size)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	size_t n, k = 0;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) < 0)
		return -1;
	n = len > offsetof(struct sockaddr_un, sun_path) ?
	    len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (n == 0 || (sun.sun_path[0] != '\0' && n == 1)) {
		errno = EDESTADDRREQ;   /* unnamed: nothing to give */
		return -1;
	}
	if (sun.sun_path[0] == '\0') {
		if (n > size - 1)
			goto toolong;
		buf[0] = '@';
		memcpy(buf + 1, sun.sun_path + 1, n - 1);
		buf[n] = '\0';
		return 0;
	}
	if (sun.sun_path[0] != '/') {
		if (!getcwd(buf, size - 1))
			return -1;
		k = strlen(buf);
		if (k > 1)
			buf[k++] = '/';
	}
	if (k + strnlen(sun.sun_path, n) + 1 > size)
		goto toolong;
	snprintf(buf + k, size - k, "%.*s", (int)n, sun.sun_path);
	return 0;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}
