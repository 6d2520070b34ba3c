/*
 * notify.c: systemd's notify protocol, both ways.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
send_group(int sock, const int *group, size_t n, const char *name, int timeout_ms)
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
	}
	free(head);
	return r;
}

int
notify_send(int sock, const int *fds, char *const *names, size_t nfds,
    const char *text, size_t len, int timeout_ms)
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
		r = send_group(sock, group, k, name, timeout_ms);
	}
	free(group);
	if (r == 0 && (len > 0 || nfds == 0))
		r = fdp_send(sock, SOCK_DGRAM, text, len, NULL, 0, timeout_ms);
	return r;
}

void
notify_parse(const char *data, size_t len, struct notify_fields *f)
{
	const char *p = data, *end = data + len;

	memset(f, 0, sizeof(*f));
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
		else if (n >= 7 && memcmp(p, "FDNAME=", 7) == 0) {
			f->fdname = p + 7;
			f->fdname_len = n - 7;
		}
#undef IS
		p += n + 1;
	}
}

int
notify_store_add(struct notify_store *s, const int *fds, size_t n,
    const char *name, size_t namelen)
{
	size_t i;

	if (s->n + n > s->cap) {
		size_t c = s->cap ? s->cap : 16;
		int *f;
		char **nm;

		while (c < s->n + n)
			c *= 2;
		f = realloc(s->fds, c * sizeof(int));
		if (!f)
			return -1;
		s->fds = f;
		nm = realloc(s->names, c * sizeof(char *));
		if (!nm)
			return -1;
		s->names = nm;
		s->cap = c;
	}
	/* One copy of the name per descriptor keeps removal simple. */
	for (i = 0; i < n; i++) {
		char *copy = strndup(name, namelen);

		if (!copy) {
			while (i--)
				free(s->names[s->n + i]);
			return -1;
		}
		s->names[s->n + i] = copy;
		s->fds[s->n + i] = fds[i];
	}
	s->n += n;
	return 0;
}

size_t
notify_store_remove(struct notify_store *s, const char *name, size_t namelen)
{
	size_t i, j, gone = 0;

	for (i = j = 0; i < s->n; i++) {
		if (strlen(s->names[i]) == namelen && memcmp(s->names[i], name, namelen) == 0) {
			close(s->fds[i]);
			free(s->names[i]);
			gone++;
			continue;
		}
		s->fds[j] = s->fds[i];
		s->names[j++] = s->names[i];
	}
	s->n = j;
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
	memset(s, 0, sizeof(*s));
}
