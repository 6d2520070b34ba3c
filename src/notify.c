/*
 * notify.c: systemd's notify protocol, both ways.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "notify.h"

static int
same_name(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* One name's descriptors, FDP_MAX_FDS to a datagram. */
static int
send_group(int sock, const int *group, size_t n, const char *name, int timeout_ms,
    notify_sent_fn *sent, void *arg)
{
	size_t off, hl = name ? strlen(name) : 0;
	char *head = malloc(sizeof("FDSTORE=1\nFDNAME=") + hl);
	int r = 0;

	if (!head)
		return -1;
	strcpy(head, "FDSTORE=1");
	if (name) {
		strcat(head, "\nFDNAME=");
		strcat(head, name);
	}
	for (off = 0; off < n && r == 0; off += FDP_MAX_FDS) {
		size_t k = n - off < FDP_MAX_FDS ? n - off : FDP_MAX_FDS;

		r = fdp_send(sock, SOCK_DGRAM, head, strlen(head), group + off, k, timeout_ms);
		if (r == 0 && sent)
			sent(arg, head, strlen(head), group + off, k);
	}
	free(head);
	return r;
}

int
notify_send(int sock, const int *fds, char *const *names, size_t nfds,
    const char *text, size_t len, int timeout_ms, notify_sent_fn *sent, void *arg)
{
	int *group = malloc((nfds ? nfds : 1) * sizeof(int));
	size_t i, j, k;
	int r = 0;

	if (!group)
		return -1;
	for (i = 0; i < nfds && r == 0; i++) {
		const char *name = names ? names[i] : NULL;

		/* Each name once, where it first appears. */
		for (j = 0; j < i; j++)
			if (same_name(names ? names[j] : NULL, name))
				break;
		if (j < i)
			continue;
		for (j = i, k = 0; j < nfds; j++)
			if (same_name(names ? names[j] : NULL, name))
				group[k++] = fds[j];
		r = send_group(sock, group, k, name, timeout_ms, sent, arg);
	}
	free(group);
	if (r == 0 && (len > 0 || nfds == 0)) {
		r = fdp_send(sock, SOCK_DGRAM, text, len, NULL, 0, timeout_ms);
		if (r == 0 && sent)
			sent(arg, text, len, NULL, 0);
	}
	return r;
}

int
notify_barrier(int sock, int timeout_ms, notify_sent_fn *sent, void *arg)
{
	static const char barrier[] = "BARRIER=1";
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	r = fdp_send(sock, SOCK_DGRAM, barrier, sizeof(barrier) - 1, &p[1], 1, timeout_ms);
	if (r == 0 && sent)
		sent(arg, barrier, sizeof(barrier) - 1, &p[1], 1);
	/* From here the manager holds the only write end. */
	close(p[1]);
	if (r < 0 && errno == ECONNREFUSED) {
		/* Its socket is closed: what it had not read is gone with it,
		 * and nobody is left to answer. */
		close(p[0]);
		return 0;
	}
	/* No events asked for: poll(2) reports POLLHUP, the answer, anyway. */
	if (r == 0)
		r = fdp_wait(p[0], 0, timeout_ms);
	close(p[0]);
	return r;
}

void
notify_parse(const char *data, size_t len, struct notify_fields *f)
{
	const char *p = data, *end = data + len;

	memset(f, 0, sizeof(*f));
	f->fdpoll = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

#define IS(s) (n == sizeof(s) - 1 && memcmp(p, s, n) == 0)
		if (IS("FDSTORE=1"))
			f->fdstore = 1;
		else if (IS("FDSTOREREMOVE=1"))
			f->fdstoreremove = 1;
		else if (IS("READY=1"))
			f->ready = 1;
		else if (IS("BARRIER=1"))
			f->barrier = 1;
		else if (IS("FDPOLL=0"))
			f->fdpoll = 0;
		else if (n >= 7 && memcmp(p, "FDNAME=", 7) == 0) {
			f->fdname = p + 7;
			f->fdname_len = n - 7;
		}
#undef IS
		p += n + 1;
	}
}

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027      /* Linux 6.10 */
#endif
#define KCMP_FILE 0             /* <linux/kcmp.h> */

/*
 * Whether a and b are the same open file (a dup(2) of each other, or
 * passed twice), as systemd compares what it stores: F_DUPFD_QUERY, else
 * kcmp(2). Where the kernel has neither, 0: keeping a duplicate is
 * cheaper than losing a descriptor that only looked alike.
 */
static int
same_file(int a, int b)
{
	static int no_query, no_kcmp;
	pid_t self;
	int r;

	if (!no_query) {
		r = fcntl(a, F_DUPFD_QUERY, b);
		if (r >= 0)
			return r == 1;
		no_query = 1;
	}
	if (no_kcmp)
		return 0;
	self = getpid();
	r = (int)syscall(SYS_kcmp, self, self, KCMP_FILE, a, b);
	if (r >= 0)
		return r == 0;
	no_kcmp = 1;
	return 0;
}

static int
grow(struct notify_store *s, size_t more)
{
	size_t c = s->cap ? s->cap : 16;
	void *p;

	if (s->n + more <= s->cap)
		return 0;
	while (c < s->n + more)
		c *= 2;
	if (!(p = realloc(s->fds, c * sizeof(int))))
		return -1;
	s->fds = p;
	if (!(p = realloc(s->names, c * sizeof(char *))))
		return -1;
	s->names = p;
	if (!(p = realloc(s->poll, c)))
		return -1;
	s->poll = p;
	s->cap = c;
	return 0;
}

int
notify_store_add(struct notify_store *s, const int *fds, size_t n,
    const char *name, size_t namelen, int poll)
{
	char **copies;
	size_t i, j, used = 0;
	int dups = 0;

	/* Everything that can fail comes first: one name copy per
	 * descriptor keeps removal simple. */
	if (grow(s, n) < 0 || !(copies = calloc(n ? n : 1, sizeof(char *))))
		return -1;
	for (i = 0; i < n; i++)
		if (!(copies[i] = strndup(name, namelen))) {
			while (i--)
				free(copies[i]);
			free(copies);
			return -1;
		}
	for (i = 0; i < n; i++) {
		for (j = 0; j < s->n && !same_file(s->fds[j], fds[i]); j++)
			;
		if (j < s->n) {
			close(fds[i]);
			dups++;
			continue;
		}
		s->fds[s->n] = fds[i];
		s->names[s->n] = copies[used++];
		s->poll[s->n++] = poll != 0;
	}
	while (used < n)
		free(copies[used++]);
	free(copies);
	return dups;
}

/* Close and forget the kept descriptors for which gone(s, i, arg) is
 * true, keeping the order of the others; how many went. */
static size_t
drop_where(struct notify_store *s, int (*gone)(const struct notify_store *, size_t, const void *),
    const void *arg)
{
	size_t i, j, n = 0;

	for (i = j = 0; i < s->n; i++) {
		if (gone(s, i, arg)) {
			close(s->fds[i]);
			free(s->names[i]);
			n++;
			continue;
		}
		s->fds[j] = s->fds[i];
		s->poll[j] = s->poll[i];
		s->names[j++] = s->names[i];
	}
	s->n = j;
	return n;
}

struct name {
	const char *p;
	size_t len;
};

static int
named(const struct notify_store *s, size_t i, const void *arg)
{
	const struct name *n = arg;

	return strlen(s->names[i]) == n->len && memcmp(s->names[i], n->p, n->len) == 0;
}

size_t
notify_store_remove(struct notify_store *s, const char *name, size_t namelen)
{
	struct name n = { name, namelen };

	return drop_where(s, named, &n);
}

static int
hung_up(const struct notify_store *s, size_t i, const void *arg)
{
	const struct pollfd *p = arg;

	(void)s;
	return (p[i].revents & (POLLHUP | POLLERR)) != 0;
}

long
notify_store_drop_hungup(struct notify_store *s)
{
	struct pollfd *p;
	size_t i;
	long gone;

	if (s->n == 0)
		return 0;
	if (!(p = calloc(s->n, sizeof(*p))))
		return -1;
	/* No events asked for: only hang-ups and errors are reported, and a
	 * negative fd is skipped. */
	for (i = 0; i < s->n; i++)
		p[i].fd = s->poll[i] ? s->fds[i] : -1;
	if (poll(p, s->n, 0) < 0) {
		free(p);
		return -1;
	}
	gone = (long)drop_where(s, hung_up, p);
	free(p);
	return gone;
}

void
notify_store_free(struct notify_store *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		close(s->fds[i]);
		free(s->names[i]);
	}
	free(s->fds);
	free(s->names);
	free(s->poll);
	memset(s, 0, sizeof(*s));
}
