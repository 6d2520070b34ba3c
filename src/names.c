/*
 * names.c: descriptor names on a stream connection, from fdsend to fdrecv:
 * fdrecv's greeting, and the names trailer after a message (fdpass.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "fdpass.h"

int
fdp_nonce(char nonce[FDP_NONCE_LEN + 1])
{
	unsigned char r[FDP_NONCE_LEN / 2];
	ssize_t n;
	size_t i;

	do
		n = getrandom(r, sizeof(r), GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(r)) {
		/* The nonce guards against a message that ends like a trailer
		 * by accident, not against a peer, which can read the greeting:
		 * where the kernel has no randomness to give yet, the clock and
		 * the pid are enough for that. */
		struct timespec ts;
		unsigned long long v;

		clock_gettime(CLOCK_REALTIME, &ts);
		v = (unsigned long long)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
		    (unsigned long long)ts.tv_sec << 20 ^ (unsigned long long)getpid();
		memcpy(r, &v, sizeof(r));
	}
	for (i = 0; i < sizeof(r); i++)
		fdp_hex(nonce + 2 * i, r[i], 2);
	nonce[2 * sizeof(r)] = '\0';
	return 0;
}

void
fdp_greet(int sock, const char *nonce)
{
	char g[FDP_GREETING_SIZE];

	memcpy(g, FDP_GREETING, FDP_GREETING_LEN);
	memcpy(g + FDP_GREETING_LEN, nonce, FDP_NONCE_LEN);
	g[FDP_GREETING_SIZE - 1] = '\n';
	/* A new connection's buffer has room: this never waits. */
	while (send(sock, g, sizeof(g), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EINTR)
		;
}

/* How many of the len bytes at data could begin a greeting: len when all
 * of them, less at the first that cannot. */
static size_t
greeting_prefix(const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < FDP_GREETING_SIZE; i++) {
		char c = data[i];

		if (i < FDP_GREETING_LEN ? c != FDP_GREETING[i] :
		    i == FDP_GREETING_SIZE - 1 ? c != '\n' :
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return i;
	}
	return i;
}

size_t
fdp_greeting(const char *data, size_t len)
{
	return len >= FDP_GREETING_SIZE &&
	    greeting_prefix(data, FDP_GREETING_SIZE) == FDP_GREETING_SIZE ? FDP_GREETING_SIZE : 0;
}

/* "\0fdnames NONCE NAME:NAME...\n", in a new buffer of *len bytes. */
static char *
trailer(const char *nonce, char *const *names, size_t nfds, size_t *len)
{
	size_t n = FDP_NAMES_LEN + FDP_NONCE_LEN + 1 + nfds + 1, i, k;
	char *t;

	for (i = 0; i < nfds; i++)
		n += names[i] ? strlen(names[i]) : 0;
	t = malloc(n);
	if (!t)
		return NULL;
	memcpy(t, FDP_NAMES, FDP_NAMES_LEN);
	memcpy(t + FDP_NAMES_LEN, nonce, FDP_NONCE_LEN);
	k = FDP_NAMES_LEN + FDP_NONCE_LEN;
	t[k++] = ' ';
	for (i = 0; i < nfds; i++) {
		size_t m = names[i] ? strlen(names[i]) : 0;

		if (i)
			t[k++] = ':';
		memcpy(t + k, names[i] ? names[i] : "", m);
		k += m;
	}
	t[k++] = '\n';
	*len = k;
	return t;
}

/*
 * Wait for fdrecv's greeting: 1 with its nonce, 0 when the receiver has
 * read everything without one, or sends something else, or has closed.
 */
static int
greeted(int sock, int timeout_ms, char *nonce)
{
	long long start = fdp_now_ms();
	int look = 1;   /* ms until the next look at what is still unread */

	for (;;) {
		char g[FDP_GREETING_SIZE];
		/* Asked before looking for the greeting: fdrecv queues it before
		 * its first read, so once everything was read it is there. */
		int all_read = fdp_unread(sock) == 0;
		ssize_t n = recv(sock, g, sizeof(g), MSG_PEEK | MSG_DONTWAIT);
		long long left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -1;
		if (n == 0)
			return 0;
		if (n > 0 && greeting_prefix(g, (size_t)n) < (size_t)n)
			return 0;       /* not a greeting: left for whoever reads next */
		if (n == FDP_GREETING_SIZE) {
			if (recv(sock, g, sizeof(g), MSG_DONTWAIT) != FDP_GREETING_SIZE)
				return -1;
			memcpy(nonce, g + FDP_GREETING_LEN, FDP_NONCE_LEN);
			nonce[FDP_NONCE_LEN] = '\0';
			return 1;
		}
		if (n < 0 && all_read)
			return 0;
		left = timeout_ms < 0 ? look : start + timeout_ms - fdp_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (left > look)
			left = look;
		/* Part of a greeting is there already: wait without poll(2),
		 * which would say so at once. */
		if (n > 0)
			nanosleep(&(struct timespec){ 0, left * 1000000 }, NULL);
		else if (poll(&(struct pollfd){ .fd = sock, .events = POLLIN }, 1, (int)left) < 0 &&
		    errno != EINTR)
			return -1;
		if (look < 256)
			look *= 2;
	}
}

int
fdp_send_names(int sock, char *const *names, size_t nfds, int timeout_ms)
{
	char nonce[FDP_NONCE_LEN + 1], *t;
	size_t len;
	int r, e;

	r = greeted(sock, timeout_ms, nonce);
	if (r <= 0)
		return r;
	t = trailer(nonce, names, nfds, &len);
	if (!t)
		return -1;
	/* Plain bytes, without descriptors: a trailer never reads as the
	 * padding of fdp_send's framing, so it goes out as it is. */
	r = fdp_send(sock, SOCK_STREAM, t, len, NULL, 0, timeout_ms);
	e = errno;
	free(t);
	errno = e;
	return r < 0 ? -1 : 1;
}

/* Whether s (len bytes) names n descriptors: n names separated by ':',
 * each empty or a valid name. */
static int
names_ok(const char *s, size_t len, size_t n)
{
	size_t count = 1, i, from = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (i > from && !arg_fdname_ok(s + from, i - from))
			return 0;
		if (i < len)
			count++;
		from = i + 1;
	}
	return count == n;
}

int
fdp_names_take(struct fdp_msg *m)
{
	const size_t head = FDP_NAMES_LEN + FDP_NONCE_LEN + 1;
	char *t, *names;

	if (!m->nonce || m->len < head + 1 || m->data[m->len - 1] != '\n')
		return 0;
	/* A name holds no NUL: a trailer begins at the last one. */
	t = memrchr(m->data, '\0', m->len);
	if (!t || (size_t)(m->data + m->len - t) < head + 1 ||
	    memcmp(t, FDP_NAMES, FDP_NAMES_LEN) != 0 ||
	    memcmp(t + FDP_NAMES_LEN, m->nonce, FDP_NONCE_LEN) != 0 || t[head - 1] != ' ')
		return 0;
	names = t + head;
	/* With our nonce, it is a trailer: a wrong one is an error, never
	 * part of the message. */
	if (!names_ok(names, (size_t)(m->data + m->len - 1 - names), m->nfds)) {
		errno = EPROTO;
		return -1;
	}
	m->data[m->len - 1] = '\0';
	m->len = (size_t)(t - m->data);
	m->names = names;
	return 0;
}

int
fdp_msg_names(struct fdp_msg *m, char ***out)
{
	char **v, *p;
	size_t i;
	int any = 0;

	*out = NULL;
	if (!m->names || m->nfds == 0)
		return 0;
	v = calloc(m->nfds, sizeof(*v));
	if (!v)
		return -1;
	for (i = 0, p = m->names; i < m->nfds && p; i++) {
		char *colon = strchr(p, ':');

		if (colon)
			*colon = '\0';
		v[i] = *p ? p : NULL;
		any |= *p != '\0';
		p = colon ? colon + 1 : NULL;
	}
	m->names = NULL;        /* split now: not to be split again */
	if (!any) {
		free(v);
		return 0;
	}
	*out = v;
	return 0;
}
