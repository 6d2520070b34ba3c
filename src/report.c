/*
 * report.c: the human report and the JSON of a message and its descriptors.
 */
#include <stdio.h>
#include <string.h>

#include "describe.h"
#include "fdpass.h"
#include "report.h"

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0: no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = utf8_len(p + i, n - i);

		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

void
report_escaped(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t k = utf8_len(p + i, len - i);

		/* C1 controls (U+0080..U+009F) move terminals as much as C0 ones. */
		if (k == 2 && c == 0xc2 && p[i + 1] < 0xa0)
			k = 0;
		if (k > 1) {
			fwrite(p + i, 1, k, f);
			i += k;
			continue;
		}
		switch (c) {
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\\': fputs("\\\\", f); break;
		case '"': fputs("\\\"", f); break;
		default:
			if (k == 1 && c >= 0x20 && c != 0x7f)
				fputc(c, f);
			else
				fprintf(f, "\\x%02x", c);
		}
		i++;
	}
}

static void
json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];
		size_t k = utf8_len(p + i, len - i);

		if (k == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD for a byte that is not UTF-8 */
			i++;
			continue;
		}
		if (k > 1) {
			fwrite(p + i, 1, k, f);
			i += k;
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
		i++;
	}
	fputc('"', f);
}

static void
json_cstr(FILE *f, const char *s)
{
	json_string(f, s, strlen(s));
}

struct list {
	FILE *f;
	int n;
	int json;
};

static void
flag_item(const char *name, void *arg)
{
	struct list *l = arg;

	if (l->json)
		fprintf(l->f, "%s\"%s\"", l->n++ ? "," : "", name);
	else
		fprintf(l->f, ", %s", name);
}

static void
human_fd(FILE *f, const struct report *r, size_t i)
{
	struct fd_desc d;
	struct list l = { f, 0, 0 };

	fprintf(f, "fd %d [%zu]: ", r->fds[i], i);
	if (describe_fd(r->fds[i], &d) < 0) {
		fputs("unknown\n", f);
		return;
	}
	fputs(d.type, f);
	if (d.family) {
		fprintf(f, " %s", d.family);
		if (d.socktype)
			fprintf(f, " %s", d.socktype);
	} else if (d.anon[0]) {
		fprintf(f, " %s", d.anon);
	} else if (d.path[0]) {
		fputc(' ', f);
		report_escaped(f, d.path, strlen(d.path));
	}
	if (d.access)
		fprintf(f, ", %s", d.access);
	describe_flags(d.flags, flag_item, &l);
	if (d.listening > 0)
		fputs(", listening", f);
	if (d.local[0]) {
		fputs(", local ", f);
		report_escaped(f, d.local, strlen(d.local));
	}
	if (d.peer[0]) {
		fputs(", peer ", f);
		report_escaped(f, d.peer, strlen(d.peer));
	}
	if (d.has_offset)
		fprintf(f, ", offset %lld", d.offset);
	if (d.has_size)
		fprintf(f, ", size %lld", d.size);
	if (r->names && r->names[i]) {
		fputs(", name ", f);
		report_escaped(f, r->names[i], strlen(r->names[i]));
	}
	fputc('\n', f);
}

/* How a stream message ended, as the report says it. */
static const char *
ended_note(int ended)
{
	switch (ended) {
	case FDP_ENDED_SHUTDOWN: return ", ended with shutdown(2)";
	case FDP_ENDED_CLOSE: return ", ended by closing";
	}
	return "";
}

void
report_human(FILE *f, const struct report *r)
{
	size_t i;

	if (r->has_peer) {
		fprintf(f, "peer: pid %d", (int)r->pid);
		if (r->comm && r->comm[0]) {
			fputs(" (", f);
			report_escaped(f, r->comm, strlen(r->comm));
			fputc(')', f);
		}
		fprintf(f, ", uid %u, gid %u\n", (unsigned)r->uid, (unsigned)r->gid);
	} else {
		fputs("peer: unknown\n", f);
	}
	if (r->len == 0) {
		fprintf(f, "message: (empty%s)\n", ended_note(r->ended));
	} else {
		/* A person reads this: the first few KiB say what it is, and
		 * -p or -j give every byte. */
		size_t shown = r->len > REPORT_SHOWN ? REPORT_SHOWN : r->len;

		fputs("message: \"", f);
		report_escaped(f, r->data, shown);
		fprintf(f, "\"%s (%zu byte%s%s)\n", shown < r->len ? "..." : "", r->len,
		    r->len == 1 ? "" : "s", ended_note(r->ended));
	}
	for (i = 0; i < r->nfds; i++)
		human_fd(f, r, i);
}

static void
json_fd(FILE *f, const struct report *r, size_t i)
{
	struct fd_desc d;
	struct list l = { f, 0, 1 };

	fprintf(f, "{\"index\":%zu,\"fd\":%d", i, r->fds[i]);
	if (describe_fd(r->fds[i], &d) < 0) {
		fputc('}', f);
		return;
	}
	fprintf(f, ",\"type\":\"%s\"", d.type);
	if (d.path[0]) {
		fputs(",\"path\":", f);
		json_cstr(f, d.path);
	}
	if (d.access)
		fprintf(f, ",\"access\":\"%s\"", d.access);
	fputs(",\"flags\":[", f);
	describe_flags(d.flags, flag_item, &l);
	fputc(']', f);
	if (d.has_offset)
		fprintf(f, ",\"offset\":%lld", d.offset);
	if (d.has_size)
		fprintf(f, ",\"size\":%lld", d.size);
	if (d.family) {
		fprintf(f, ",\"socket\":{\"family\":\"%s\"", d.family);
		if (d.socktype)
			fprintf(f, ",\"type\":\"%s\"", d.socktype);
		if (d.listening >= 0)
			fprintf(f, ",\"listening\":%s", d.listening ? "true" : "false");
		if (d.local[0]) {
			fputs(",\"local\":", f);
			json_cstr(f, d.local);
		}
		if (d.peer[0]) {
			fputs(",\"peer\":", f);
			json_cstr(f, d.peer);
		}
		fputc('}', f);
	}
	if (d.anon[0]) {
		fputs(",\"anon\":", f);
		json_cstr(f, d.anon);
	}
	if (r->names && r->names[i]) {
		fputs(",\"name\":", f);
		json_cstr(f, r->names[i]);
	}
	fputc('}', f);
}

void
report_json(FILE *f, const struct report *r)
{
	size_t len = r->len;
	size_t i;

	fputs("{\"message\":", f);
	json_string(f, r->data, len);
	if (!utf8_valid(r->data, len)) {
		fputs(",\"message_hex\":\"", f);
		for (i = 0; i < len; i++)
			fprintf(f, "%02x", (unsigned char)r->data[i]);
		fputc('"', f);
	}
	if (r->ended)
		fprintf(f, ",\"ended\":\"%s\"", r->ended == FDP_ENDED_SHUTDOWN ? "shutdown" : "close");
	if (r->has_peer) {
		fprintf(f, ",\"peer\":{\"pid\":%d,\"uid\":%u,\"gid\":%u",
		    (int)r->pid, (unsigned)r->uid, (unsigned)r->gid);
		if (r->comm && r->comm[0]) {
			fputs(",\"comm\":", f);
			json_cstr(f, r->comm);
		}
		fputc('}', f);
	}
	fputs(",\"fds\":[", f);
	for (i = 0; i < r->nfds; i++) {
		if (i)
			fputc(',', f);
		json_fd(f, r, i);
	}
	fputs("]}\n", f);
}
