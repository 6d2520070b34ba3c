/*
 * args.c: parsing option values, with range checks and nothing implied.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "ids.h"

int
arg_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul would take "-1", " 5" and "": none is a number here. */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
arg_seconds(const char *s, int *ms)
{
	unsigned long long whole = 0, frac = 0, scale = 1;
	const char *p = s;
	int digits = 0, more = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > INT_MAX / 1000)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale < 1000000000ULL) {
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			} else if (*p != '0') {
				/* Past nanoseconds, a nonzero digit still rounds up. */
				more = 1;
			}
		}
	}
	if (*p != '\0' || digits == 0)
		return -1;
	whole = whole * 1000 + ((frac + (unsigned)more) * 1000 + scale - 1) / scale;
	if (whole > INT_MAX)
		return -1;
	*ms = (int)whole;
	return 0;
}

const char *
arg_ms_show(int ms)
{
	static char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d.%03d", ms / 1000, ms % 1000);

	/* "1.500" reads better as "1.5", and "2.000" as "2". */
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	snprintf(buf + n, sizeof(buf) - (size_t)n, " second%s", ms == 1000 ? "" : "s");
	return buf;
}

int
arg_size(const char *s, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	}
	if (*end != '\0' || v == 0 || v > max >> shift)
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

int
arg_type(const char *s, int *type)
{
	if (strcmp(s, "stream") == 0)
		*type = SOCK_STREAM;
	else if (strcmp(s, "seqpacket") == 0)
		*type = SOCK_SEQPACKET;
	else if (strcmp(s, "dgram") == 0)
		*type = SOCK_DGRAM;
	else
		return -1;
	return 0;
}

int
arg_mode(const char *s, int *mode)
{
	char *end;
	long v;

	if (*s < '0' || *s > '7')
		return -1;
	errno = 0;
	v = strtol(s, &end, 8);
	if (errno || *end != '\0' || v > 0777)
		return -1;
	*mode = (int)v;
	return 0;
}

int
arg_id(const char *s, int group, unsigned *id)
{
	unsigned long v;

	if (arg_uint(s, UINT_MAX - 1, &v) == 0) {
		*id = (unsigned)v;
		return 0;
	}
	return ids_lookup(s, group, id);
}

int
arg_allow(struct allow *a, const char *s, int group)
{
	unsigned id, *v;

	if (arg_id(s, group, &id) < 0)
		return -1;
	v = realloc(a->ids[group], (a->n[group] + 1) * sizeof(*v));
	if (!v)
		return -1;
	v[a->n[group]++] = id;
	a->ids[group] = v;
	return 0;
}

int
allow_match(const struct allow *a, int known, unsigned uid, unsigned gid)
{
	size_t i;

	if (!a->n[0] && !a->n[1])
		return 1;
	if (!known)
		return 0;
	for (i = 0; i < a->n[0]; i++)
		if (a->ids[0][i] == uid)
			return 1;
	for (i = 0; i < a->n[1]; i++)
		if (a->ids[1][i] == gid)
			return 1;
	return 0;
}

void
allow_free(struct allow *a)
{
	free(a->ids[0]);
	free(a->ids[1]);
}

int
arg_fdlist_push(struct arg_fdlist *l, int fd)
{
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 16;
		int *p = l->own ? realloc(l->v, c * sizeof(int)) : malloc(c * sizeof(int));

		if (!p)
			return -1;
		if (!l->own && l->n)
			memcpy(p, l->v, l->n * sizeof(int));
		l->v = p;
		l->cap = c;
		l->own = 1;
	}
	l->v[l->n++] = fd;
	return 0;
}

/* One number of a descriptor list, up to the next ',' '-' '=' or end. */
static int
fdnum(const char **p, int *fd)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno || v > INT_MAX)
		return -1;
	*fd = (int)v;
	*p = end;
	return 0;
}

int
arg_fds(const char *s, struct arg_fdlist *l, const char **name)
{
	const char *p = s;
	size_t start = l->n;

	if (name)
		*name = NULL;
	for (;;) {
		int lo, hi;

		if (fdnum(&p, &lo) < 0)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (fdnum(&p, &hi) < 0 || hi < lo)
				goto bad;
			/* No process holds more than this many descriptors. */
			if (hi - lo >= 1 << 20)
				goto bad;
		}
		for (; lo <= hi; lo++) {
			if (arg_fdlist_push(l, lo) < 0)
				goto bad;
			if (lo == INT_MAX)
				break;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '=' && name) {
			*name = p + 1;
			return 0;
		}
		if (*p == '\0')
			return 0;
		goto bad;
	}
bad:
	l->n = start;
	return -1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
arg_unescape(const char *s, char *out, size_t *len, const char **bad)
{
	size_t n = 0;

	while (*s) {
		const char *esc = s;

		if (*s != '\\') {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '\\': out[n++] = '\\'; break;
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case '0': out[n++] = '\0'; break;
		case 'x': {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (hi < 0 || lo < 0) {
				*bad = esc;
				return -1;
			}
			out[n++] = (char)(hi * 16 + lo);
			s += 2;
			break;
		}
		default:
			*bad = esc;
			return -1;
		}
		s++;
	}
	*len = n;
	return 0;
}

int
arg_fdname_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 255)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == ':')
			return 0;
	return 1;
}

int
arg_fdnames_ok(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, ":");

		if (!arg_fdname_ok(s, n))
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

/*
 * Not getopt_long(3): calling it maps about 100 KiB of libc's code into
 * every run (see make bench), more than the rest of fdsend together.
 */
static const struct arg_opt *
find_long(struct arg_scan *s, const struct arg_opt *opts, const char *w, size_t n, int *code)
{
	const struct arg_opt *o, *found = NULL;
	int several = 0;

	s->bad = w - 2;
	s->badlen = (int)n + 2;
	for (o = opts; n > 0 && (o->name || o->val); o++) {
		if (!o->name || strncmp(o->name, w, n) != 0)
			continue;
		if (o->name[n] == '\0')
			return o;       /* exact: whatever else it prefixes */
		several = found != NULL;
		found = o;
	}
	*code = several ? ARG_AMBIGUOUS : found ? 0 : ARG_UNKNOWN;
	return several ? NULL : found;
}

int
arg_next(struct arg_scan *s, const struct arg_opt *opts)
{
	const struct arg_opt *o;
	char *w;
	int code = 0;

	s->value = NULL;
	if (!s->rest || !*s->rest) {
		if (s->ind >= s->argc)
			return ARG_END;
		w = s->argv[s->ind];
		if (w[0] != '-' || w[1] == '\0')
			return ARG_END;         /* an operand, "-" among them */
		s->ind++;
		if (strcmp(w, "--") == 0) {
			s->ended = 1;
			return ARG_END;
		}
		if (w[1] == '-') {
			size_t n = strcspn(w + 2, "=");

			o = find_long(s, opts, w + 2, n, &code);
			if (!o)
				return code;
			if (w[2 + n] == '=') {
				if (!o->has_value)
					return ARG_EXTRA;
				s->value = w + 3 + n;
			} else if (o->has_value) {
				if (s->ind >= s->argc)
					return ARG_MISSING;
				s->value = s->argv[s->ind++];
			}
			return o->val;
		}
		s->rest = w + 1;
	}
	/* One letter of a cluster of short options. */
	for (o = opts; (o->name || o->val) && o->val != (unsigned char)*s->rest; o++)
		;
	s->letter[0] = '-';
	s->letter[1] = *s->rest;
	s->bad = s->letter;
	s->badlen = 2;
	if (!o->val || o->val > 255) {
		s->rest = NULL;
		return ARG_UNKNOWN;
	}
	s->rest++;
	if (o->has_value) {
		if (*s->rest)
			s->value = s->rest;
		else if (s->ind < s->argc)
			s->value = s->argv[s->ind++];
		else
			code = ARG_MISSING;
		s->rest = NULL;
	}
	return code ? code : o->val;
}

int
arg_is_option(const char *w, const struct arg_opt *opts)
{
	const struct arg_opt *o;

	if (w[0] != '-')
		return 0;
	for (o = opts; o->name || o->val; o++) {
		if (o->val < 256 && w[1] == o->val && w[2] == '\0')
			return 1;
		if (o->name && w[1] == '-' && strncmp(w + 2, o->name, strlen(o->name)) == 0 &&
		    (w[2 + strlen(o->name)] == '\0' || w[2 + strlen(o->name)] == '='))
			return 1;
	}
	return 0;
}

const char *
arg_error(const struct arg_scan *s, int code)
{
	static char buf[640];
	char word[128];
	const char *what = code == ARG_AMBIGUOUS ? "is ambiguous" :
	    code == ARG_MISSING ? "needs a value" :
	    code == ARG_EXTRA ? "takes no value" : NULL;

	/* The word as typed, but on one line. */
	snprintf(word, sizeof(word), "%.*s", s->badlen, s->bad);
	if (what)
		snprintf(buf, sizeof(buf), "option %s %s", arg_show(word), what);
	else
		snprintf(buf, sizeof(buf), "unknown option %s", arg_show(word));
	return buf;
}

int
arg_line_numbers(const char *line, const char *key, int base, unsigned long long *v, int n)
{
	size_t k = strlen(key);
	const char *p = line + k;
	int got = 0;

	if (strncmp(line, key, k) != 0)
		return 0;
	while (got < n) {
		char *end;

		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '(' || *p == ')')
			p++;
		if (!((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')))
			break;
		errno = 0;
		v[got] = *p == '-' ? (unsigned long long)strtoll(p, &end, base) :
		    strtoull(p, &end, base);
		if (errno || end == p)
			break;
		got++;
		p = end;
	}
	return got;
}

/* arg_show writes this much of a string, then "...". */
#define SHOW_MAX 2040

int
arg_shows_as_is(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n >= SHOW_MAX)
			return 0;
	return 1;
}

const char *
arg_show(const char *s)
{
	/* Room for an escape (4 bytes) past the last place, and "...". */
	static char buf[SHOW_MAX + 8];
	size_t k = 0;

	for (; *s && k < SHOW_MAX; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(buf + k, 5, "\\x%02x", c);
		else
			buf[k++] = (char)c;
	}
	strcpy(buf + k, *s ? "..." : "");
	return buf;
}
