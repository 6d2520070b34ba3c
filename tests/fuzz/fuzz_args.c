/*
 * fuzz_args.c: the option value, escape and address parsers against their
 * documented contracts (args.h, fdpass.h).
 *
 * The input is one string (up to its first NUL byte), handed to every
 * parser in a buffer of exactly its size, so that AddressSanitizer catches
 * a read or write one byte too far. arg_id is left out: it asks NSS.
 * fdp_bind_parse (bind.h) is held to its contract too.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include "args.h"
#include "bind.h"
#include "fdpass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Not assert(): the checks must hold in every build, and say which failed. */
#define CHECK(cond) do { if (!(cond)) fail_check(#cond, __LINE__); } while (0)

/* Ranges like 0-1048575 make arg_fds push a million numbers each: give it
 * a short prefix only, so one input cannot ask for gigabytes. */
#define FDS_MAX_INPUT 40

static void
fail_check(const char *what, int line)
{
	fprintf(stderr, "fuzz_args.c:%d: check failed: %s\n", line, what);
	abort();
}

static int
all_in(const char *s, const char *set)
{
	return *s != '\0' && s[strspn(s, set)] == '\0';
}

static void
check_uint(const char *s)
{
	static const unsigned long maxes[] = { 0, 1, 253, 0777, INT_MAX, ULONG_MAX };
	unsigned long ref = 0;
	int over = 0, digits = all_in(s, "0123456789");
	const char *p;
	size_t i;

	/* The value by hand, to compare with what strtoul made of it. */
	for (p = s; digits && !over && *p; p++) {
		unsigned long d = (unsigned long)(*p - '0');

		if (ref > ULONG_MAX / 10 || (ref == ULONG_MAX / 10 && d > ULONG_MAX % 10))
			over = 1;
		ref = ref * 10 + d;
	}
	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		unsigned long v;
		int ok = digits && !over && ref <= maxes[i];

		if (arg_uint(s, maxes[i], &v) < 0)
			CHECK(!ok);
		else
			CHECK(ok && v == ref);
	}
}

/*
 * The exact ceiling of SECONDS * 1000, or -1 when it is not a number of
 * seconds or exceeds INT_MAX: what args.h promises ("rounded up").
 */
static long long
seconds_ref(const char *s)
{
	long long whole = 0;
	int digits = 0, place = 0, up = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (*p - '0');
		if (whole > INT_MAX)
			return -1;
	}
	whole *= 1000;
	if (*p == '.') {
		static const int weight[] = { 100, 10, 1 };

		for (p++; *p >= '0' && *p <= '9'; p++, digits++, place++) {
			if (place < 3)
				whole += weight[place] * (*p - '0');
			else if (*p != '0')
				up = 1;
		}
	}
	if (*p != '\0' || digits == 0)
		return -1;
	whole += up;
	return whole > INT_MAX ? -1 : whole;
}

static void
check_seconds(const char *s)
{
	long long ref = seconds_ref(s);
	int ms = -7;

	if (arg_seconds(s, &ms) < 0) {
		CHECK(ref < 0);
		return;
	}
	CHECK(ms >= 0 && ms == ref);
}

/* BYTES with an optional K, M or G, 1 to max: by hand, in 128-bit. */
static void
check_size(const char *s)
{
	static const size_t maxes[] = { 1, 1024, (size_t)16 << 20, SIZE_MAX / 4, SIZE_MAX };
	unsigned __int128 ref = 0;
	const char *p = s;
	int digits = 0, shift = 0, big = 0;
	size_t i;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		ref = ref * 10 + (unsigned)(*p - '0');
		if (ref > (unsigned __int128)ULLONG_MAX)
			big = 1;
	}
	if (*p == 'K' || *p == 'M' || *p == 'G')
		shift = *p == 'K' ? 10 : *p == 'M' ? 20 : 30, p++;
	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		int ok = digits && *p == '\0' && !big && ref > 0 &&
		    (ref << shift) <= maxes[i];
		size_t v = 0;

		if (arg_size(s, maxes[i], &v) < 0)
			CHECK(!ok);
		else
			CHECK(ok && v == (size_t)(ref << shift));
	}
}

static void
check_type(const char *s)
{
	int t = -1, want = strcmp(s, "stream") == 0 ? SOCK_STREAM :
	    strcmp(s, "seqpacket") == 0 ? SOCK_SEQPACKET :
	    strcmp(s, "dgram") == 0 ? SOCK_DGRAM : -1;

	if (arg_type(s, &t) < 0)
		CHECK(want == -1);
	else
		CHECK(t == want);
}

static void
check_mode(const char *s)
{
	int mode = -1, ok;

	/* Octal digits only; a long run of leading zeros is still a mode. */
	errno = 0;
	ok = all_in(s, "01234567") && strtol(s, NULL, 8) <= 0777 && errno == 0;
	if (arg_mode(s, &mode) < 0)
		CHECK(!ok);
	else
		CHECK(ok && mode == (int)strtol(s, NULL, 8));
}

static void
check_fds(const char *s, int want_name)
{
	const char *name = (const char *)1; /* must be overwritten */
	/* Caller storage of two: any longer list moves to the heap. */
	int small[2];
	struct arg_fdlist l = { small, 0, 2, 0 };
	size_t i;

	/* Something already in the list must survive, success or not. */
	CHECK(arg_fds("7", &l, NULL) == 0 && l.n == 1 && !l.own);
	if (arg_fds(s, &l, want_name ? &name : NULL) < 0) {
		CHECK(l.n == 1);
		if (want_name)
			CHECK(name == NULL);
	} else {
		CHECK(l.n > 1 && l.n <= l.cap);
		CHECK(l.own == (l.n > 2));
		for (i = 1; i < l.n; i++)
			CHECK(l.v[i] >= 0);
		if (want_name && name) {
			/* NAME is what follows the first '=' of s. */
			CHECK(name > s && name <= s + strlen(s) && name[-1] == '=');
			CHECK(name == strchr(s, '=') + 1);
		} else {
			CHECK(strchr(s, '=') == NULL);
		}
	}
	CHECK(l.v[0] == 7);
	if (l.own)
		free(l.v);
}

static int
hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void
check_unescape(const char *s)
{
	size_t slen = strlen(s), len = (size_t)-1, len2 = (size_t)-1, i;
	/* Exactly strlen(s) bytes (at least 1 for malloc): ASan sees the rest. */
	char *out = malloc(slen ? slen : 1);
	char *esc, *back;
	const char *bad = NULL;

	CHECK(out);
	if (arg_unescape(s, out, &len, &bad) < 0) {
		/* bad is a backslash of s that starts no valid escape. */
		CHECK(bad && bad >= s && bad < s + slen && *bad == '\\');
		CHECK(bad[1] == '\0' || strchr("\\ntr0", bad[1]) == NULL);
		CHECK(bad[1] != 'x' || !hexdigit(bad[2]) || !hexdigit(bad[3]));
		free(out);
		return;
	}
	CHECK(len <= slen);
	if (!strchr(s, '\\'))
		CHECK(len == slen && memcmp(out, s, slen) == 0);

	/* Round trip: write every byte as \xHH and read it back. */
	esc = malloc(len * 4 + 1);
	back = malloc(len * 4 + 1);
	CHECK(esc && back);
	for (i = 0; i < len; i++) {
		static const char hex[] = "0123456789abcdef";
		unsigned char c = (unsigned char)out[i];

		esc[4 * i] = '\\';
		esc[4 * i + 1] = 'x';
		esc[4 * i + 2] = hex[c >> 4];
		esc[4 * i + 3] = hex[c & 15];
	}
	esc[4 * len] = '\0';
	CHECK(arg_unescape(esc, back, &len2, &bad) == 0);
	CHECK(len2 == len && memcmp(back, out, len) == 0);
	free(esc);
	free(back);
	free(out);
}

static int
fdname_ref(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 255)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e || s[i] == ':')
			return 0;
	return 1;
}

static void
check_fdnames(const char *s, const uint8_t *data, size_t size)
{
	/* The raw bytes, NULs and all, in a buffer of exactly size bytes:
	 * arg_fdname_ok goes by the length, not a terminator. */
	char *raw = malloc(size ? size : 1);
	const char *p = s;
	int ok = 1;

	CHECK(raw);
	memcpy(raw, data, size);
	CHECK(!arg_fdname_ok(raw, size) == !fdname_ref(raw, size));
	free(raw);

	for (;;) {
		size_t n = strcspn(p, ":");

		ok = ok && fdname_ref(p, n);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	CHECK(!arg_fdnames_ok(s) == !ok);
}

/* The input split at spaces into argv words, through the option scanner
 * with a table like the programs': every option it returns is in the
 * table, with a value exactly when the table says so; the operands start
 * within argv; an error has a one-line message. */
static void
check_options(const char *s)
{
	static const struct arg_opt table[] = {
		{ "fd", 'f', 1 }, { "listen", 'l', 0 }, { "listen-fds", 256, 0 },
		{ "notify", 257, 0 }, { NULL, 'x', 1 }, { "verbose", 'v', 0 },
		{ NULL, 0, 0 },
	};
	char *copy = strdup(s), *argv[64], *w, *save = NULL;
	struct arg_scan scan = { 0, argv, 1, NULL, NULL, NULL, 0, "", 0 };
	int c, rounds = 0;

	CHECK(copy);
	argv[scan.argc++] = (char *)"prog";
	for (w = strtok_r(copy, " ", &save); w && scan.argc < 63; w = strtok_r(NULL, " ", &save))
		argv[scan.argc++] = w;
	argv[scan.argc] = NULL;
	while ((c = arg_next(&scan, table)) != ARG_END) {
		const struct arg_opt *o;

		CHECK(++rounds <= 64 * 64);
		if (c < 0) {
			const char *msg = arg_error(&scan, c);

			CHECK(msg && !strchr(msg, '\n'));
			CHECK(c >= ARG_EXTRA);
			break;
		}
		for (o = table; o->val && o->val != c; o++)
			;
		CHECK(o->val == c);
		CHECK(!o->has_value == !scan.value);
	}
	CHECK(scan.ind >= 1 && scan.ind <= scan.argc);
	/* An operand that reads as an option has the form of one. */
	for (c = scan.ind; c < scan.argc; c++)
		CHECK(!arg_is_option(argv[c], table) || argv[c][0] == '-');
	free(copy);
}

static void
check_addr(const char *s)
{
	struct fdp_addr a;
	size_t n = strlen(s);

	errno = 0;
	if (fdp_addr_parse(s, &a) < 0) {
		CHECK(errno == EINVAL || errno == ENAMETOOLONG);
		return;
	}
	CHECK(a.sun.sun_family == AF_UNIX);
	if (strncmp(s, "fd:", 3) == 0) {
		CHECK(a.fd >= 0 && all_in(s + 3, "0123456789"));
		CHECK(!a.abstract);
		return;
	}
	CHECK(a.fd == -1);
	CHECK(a.len <= sizeof(struct sockaddr_un));
	CHECK(a.len > offsetof(struct sockaddr_un, sun_path) + 1);
	if (s[0] == '@') {
		/* A leading NUL, then exactly the name: no trailing NUL. */
		CHECK(a.abstract);
		CHECK(a.sun.sun_path[0] == '\0');
		CHECK(a.len == offsetof(struct sockaddr_un, sun_path) + n);
		CHECK(memcmp(a.sun.sun_path + 1, s + 1, n - 1) == 0);
	} else {
		/* A path keeps its terminating NUL inside sun_path. */
		CHECK(!a.abstract);
		CHECK(n < sizeof(a.sun.sun_path));
		CHECK(a.len == offsetof(struct sockaddr_un, sun_path) + n + 1);
		CHECK(strcmp(a.sun.sun_path, s) == 0);
	}
}

/* -b ADDR[=NAME]: what was parsed is what the text says, by another way
 * of reading it. */
static void
check_bind(const char *s)
{
	static const char *const prefixes[] = { "tcp:", "tcp6:", "udp:", "udp6:", "unix:",
		"unix-dgram:", "unix-seqpacket:" };
	struct fdp_bind b;
	const char *p = NULL, *eq, *colon;
	char host[INET6_ADDRSTRLEN + 8];
	size_t i, k = 0;
	unsigned long port = 0;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			k = i, p = s + strlen(prefixes[i]);
	errno = 0;
	if (fdp_bind_parse(s, &b) < 0) {
		CHECK(errno == EINVAL || errno == ENAMETOOLONG);
		return;
	}
	CHECK(p);
	eq = strchr(p, '=');
	CHECK(eq ? b.name == eq + 1 : b.name == NULL);
	CHECK(b.type == (k == 0 || k == 1 || k == 4 ? SOCK_STREAM : k == 6 ? SOCK_SEQPACKET :
	    SOCK_DGRAM));
	if (k >= 4) {
		CHECK(b.family == AF_UNIX && b.un.fd == -1);
		CHECK(b.un.abstract == (p[0] == '@'));
		return;
	}
	CHECK(b.family == (k % 2 ? AF_INET6 : AF_INET));
	/* The port: the digits after the last ':' of ADDR, 0 to 65535. */
	colon = memrchr(p, ':', eq ? (size_t)(eq - p) : strlen(p));
	CHECK(colon);
	for (i = 1; colon + i != (eq ? eq : p + strlen(p)); i++) {
		CHECK(colon[i] >= '0' && colon[i] <= '9');
		port = port * 10 + (unsigned long)(colon[i] - '0');
	}
	CHECK(i > 1 && i <= 6 && port <= 65535);
	if (b.family == AF_INET) {
		CHECK(b.inet_len == sizeof(b.inet.in) && ntohs(b.inet.in.sin_port) == port);
		CHECK(inet_ntop(AF_INET, &b.inet.in.sin_addr, host, sizeof(host)));
		CHECK(colon == p ? b.inet.in.sin_addr.s_addr == htonl(INADDR_ANY) :
		    (size_t)(colon - p) == strlen(host) && memcmp(p, host, strlen(host)) == 0);
	} else {
		struct in6_addr a;

		CHECK(b.inet_len == sizeof(b.inet.in6) && ntohs(b.inet.in6.sin6_port) == port);
		if (colon == p) {
			CHECK(memcmp(&b.inet.in6.sin6_addr, &in6addr_any, sizeof(a)) == 0);
		} else {
			CHECK(p[0] == '[' && colon[-1] == ']' && (size_t)(colon - p) - 2 < sizeof(host));
			memcpy(host, p + 1, (size_t)(colon - p) - 2);
			host[colon - p - 2] = '\0';
			CHECK(inet_pton(AF_INET6, host, &a) == 1);
			CHECK(memcmp(&b.inet.in6.sin6_addr, &a, sizeof(a)) == 0);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);
	char *fs;

	if (!s)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';

	check_uint(s);
	check_seconds(s);
	check_size(s);
	check_type(s);
	check_mode(s);
	check_unescape(s);
	check_fdnames(s, data, size);
	check_options(s);
	check_addr(s);
	check_bind(s);

	fs = strndup(s, FDS_MAX_INPUT);
	if (fs) {
		check_fds(fs, 0);
		check_fds(fs, 1);
		free(fs);
	}
	free(s);
	return 0;
}
