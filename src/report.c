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

/* ,"key":"s" after an object's first member; the key is absent where s
 * is empty or missing, as the schema wants of what does not apply. */
static void
json_opt_str(FILE *f, const char *key, const char *s)
{
	if (!s || !s[0])
		return;
	fprintf(f, ",\"%s\":", key);
	json_cstr(f, s);
}

/* ,"key":true or false; absent where b is negative: not known. */
static void
json_opt_bool(FILE *f, const char *key, int b)
{
	if (b >= 0)
		fprintf(f, ",\"%s\":%s", key, b ? "true" : "false");
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

/* Names that belong together (seals, signals) in one item: "a|b|c". */
static void
bar_item(const char *name, void *arg)
{
	struct list *l = arg;

	fprintf(l->f, "%s%s", l->n++ ? "|" : "", name);
}

/* Seconds with the nanoseconds the kernel gives, without trailing zeros. */
static void
seconds(FILE *f, const struct timespec *ts)
{
	char ns[16];
	int k = 9;

	fprintf(f, "%lld", (long long)ts->tv_sec);
	if (ts->tv_nsec == 0)
		return;
	snprintf(ns, sizeof(ns), "%09ld", ts->tv_nsec);
	while (k > 1 && ns[k - 1] == '0')
		k--;
	fprintf(f, ".%.*s", k, ns);
}

/* The descriptor of the report's index i whose fdinfo names its locks:
 * with pid:, the process's own, whose POSIX locks are its alone. */
static void
each_lock(const struct report *r, size_t i, const struct fd_desc *d,
    void (*f)(const struct fd_lock *, void *), void *arg)
{
	if (!d->lockable)
		return;
	if (r->process && r->source_fds &&
	    describe_locks(r->pid, r->source_fds[i], d, f, arg) >= 0)
		return;
	describe_locks(0, r->fds[i], d, f, arg);
}

static void
human_lock(const struct fd_lock *k, void *arg)
{
	FILE *f = arg;

	fprintf(f, ", lock %s %s", k->kind, k->mode);
	if (k->start != 0 || k->end != -1) {
		fprintf(f, " %lld-", k->start);
		if (k->end >= 0)
			fprintf(f, "%lld", k->end);
		else
			fputs("EOF", f);
	}
}

static void
human_anon(FILE *f, const struct fd_desc *d)
{
	struct list l = { f, 0, 0 };
	char buf[16];

	if (d->has_count)
		fprintf(f, ", count %llu", d->count);
	if (d->has_semaphore && d->semaphore)
		fputs(", semaphore", f);
	if (d->has_timer) {
		fprintf(f, ", clock %s", describe_clock(d->clock, buf, sizeof(buf)));
		describe_timer_flags(d->timer_flags, flag_item, &l);
		if (d->remaining.tv_sec == 0 && d->remaining.tv_nsec == 0 &&
		    d->interval.tv_sec == 0 && d->interval.tv_nsec == 0) {
			fputs(", disarmed", f);
		} else {
			fputs(", remaining ", f);
			seconds(f, &d->remaining);
			fputc('s', f);
		}
		if (d->interval.tv_sec || d->interval.tv_nsec) {
			fputs(", interval ", f);
			seconds(f, &d->interval);
			fputc('s', f);
		}
		fprintf(f, ", ticks %llu", d->ticks);
	}
	if (d->has_sigmask) {
		fputs(", signals ", f);
		if (d->sigmask == 0)
			fputs("none", f);
		describe_signals(d->sigmask, bar_item, &l);
	}
	if (d->watches >= 0)
		fprintf(f, ", watches %ld", d->watches);
	if (d->targets >= 0)
		fprintf(f, ", targets %ld", d->targets);
	if (d->pidfd_pid > 0)
		fprintf(f, ", pid %d", (int)d->pidfd_pid);
	if (d->pidfd_exited)
		fputs(", exited", f);
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
	if (d.device[0]) {
		fputs(", device ", f);
		report_escaped(f, d.device, strlen(d.device));
	}
	if (d.reuseport > 0)
		fputs(", reuseport", f);
	/* Every socket is in some namespace: only another one is news. */
	if (d.has_netns && d.netns_ours == 0)
		fprintf(f, ", netns %llu (not ours)", d.netns);
	human_anon(f, &d);
	if (d.has_offset)
		fprintf(f, ", offset %lld", d.offset);
	if (d.has_size)
		fprintf(f, ", size %lld", d.size);
	if (d.seals > 0) {
		l.n = 0;
		fputs(", seals ", f);
		describe_seals(d.seals, bar_item, &l);
	}
	each_lock(r, i, &d, human_lock, f);
	if (r->names && r->names[i]) {
		fputs(", name ", f);
		report_escaped(f, r->names[i], strlen(r->names[i]));
	}
	if (r->process && r->source_fds)
		fprintf(f, ", source fd %d", r->source_fds[i]);
	fputc('\n', f);
}

static void
human_peer(FILE *f, const struct report *r)
{
	const struct proc_id *id = r->id && r->id->known ? r->id : NULL;

	fputs(r->process ? "process:" : "peer:", f);
	if (!r->has_peer) {
		fputs(" unknown\n", f);
		return;
	}
	fprintf(f, " pid %d", (int)r->pid);
	/* A command name read before the pidfd said "exited" may be another's. */
	if (r->comm && r->comm[0] && !(id && id->exited)) {
		fputs(" (", f);
		report_escaped(f, r->comm, strlen(r->comm));
		fputc(')', f);
	}
	fprintf(f, ", uid %u, gid %u", (unsigned)r->uid, (unsigned)r->gid);
	if (id && id->exited)
		fputs(", exited", f);
	if (id && id->exe[0]) {
		fputs(", exe ", f);
		report_escaped(f, id->exe, strlen(id->exe));
	}
	if (id && id->cgroup[0]) {
		fputs(", cgroup ", f);
		report_escaped(f, id->cgroup, strlen(id->cgroup));
	}
	if (id && id->unit[0]) {
		fputs(", unit ", f);
		report_escaped(f, id->unit, strlen(id->unit));
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

	human_peer(f, r);
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

struct json_locks {
	FILE *f;
	int n;
};

static void
json_lock(const struct fd_lock *k, void *arg)
{
	struct json_locks *j = arg;

	fprintf(j->f, "%s{\"kind\":\"%s\",\"mode\":\"%s\",\"start\":%lld", j->n++ ? "," : ",\"locks\":[",
	    k->kind, k->mode, k->start);
	if (k->end >= 0)
		fprintf(j->f, ",\"end\":%lld", k->end);
	if (k->pid > 0)
		fprintf(j->f, ",\"pid\":%d", (int)k->pid);
	fputc('}', j->f);
}

static void
json_anon(FILE *f, const struct fd_desc *d)
{
	struct list l = { f, 0, 1 };
	char buf[16];

	if (d->has_count || d->has_semaphore) {
		fputs(",\"eventfd\":{", f);
		if (d->has_count)
			fprintf(f, "\"count\":%llu", d->count);
		if (d->has_semaphore)
			fprintf(f, "%s\"semaphore\":%s", d->has_count ? "," : "",
			    d->semaphore ? "true" : "false");
		fputc('}', f);
	}
	if (d->has_timer) {
		fprintf(f, ",\"timerfd\":{\"clock\":\"%s\",\"flags\":[",
		    describe_clock(d->clock, buf, sizeof(buf)));
		describe_timer_flags(d->timer_flags, flag_item, &l);
		fputs("],\"remaining\":", f);
		seconds(f, &d->remaining);
		fputs(",\"interval\":", f);
		seconds(f, &d->interval);
		fprintf(f, ",\"ticks\":%llu}", d->ticks);
	}
	if (d->has_sigmask) {
		l.n = 0;
		fputs(",\"signalfd\":{\"signals\":[", f);
		describe_signals(d->sigmask, flag_item, &l);
		fputs("]}", f);
	}
	if (d->watches >= 0)
		fprintf(f, ",\"inotify\":{\"watches\":%ld}", d->watches);
	if (d->targets >= 0)
		fprintf(f, ",\"epoll\":{\"targets\":%ld}", d->targets);
	if (strcmp(d->anon, "pidfd") == 0) {
		fputs(",\"pidfd\":{", f);
		if (d->pidfd_pid > 0)
			fprintf(f, "\"pid\":%d,", (int)d->pidfd_pid);
		fprintf(f, "\"exited\":%s}", d->pidfd_exited ? "true" : "false");
	}
}

static void
json_fd(FILE *f, const struct report *r, size_t i)
{
	struct fd_desc d;
	struct list l = { f, 0, 1 };
	struct json_locks jl = { f, 0 };

	fprintf(f, "{\"index\":%zu,\"fd\":%d", i, r->fds[i]);
	if (r->process && r->source_fds)
		fprintf(f, ",\"source_fd\":%d", r->source_fds[i]);
	if (describe_fd(r->fds[i], &d) < 0) {
		fputc('}', f);
		return;
	}
	fprintf(f, ",\"type\":\"%s\"", d.type);
	json_opt_str(f, "path", d.path);
	if (d.access)
		fprintf(f, ",\"access\":\"%s\"", d.access);
	fputs(",\"flags\":[", f);
	describe_flags(d.flags, flag_item, &l);
	fputc(']', f);
	if (d.has_offset)
		fprintf(f, ",\"offset\":%lld", d.offset);
	if (d.has_size)
		fprintf(f, ",\"size\":%lld", d.size);
	if (d.seals >= 0) {
		l.n = 0;
		fputs(",\"seals\":[", f);
		describe_seals(d.seals, flag_item, &l);
		fputc(']', f);
	}
	each_lock(r, i, &d, json_lock, &jl);
	if (jl.n)
		fputc(']', f);
	if (d.family) {
		fprintf(f, ",\"socket\":{\"family\":\"%s\"", d.family);
		if (d.socktype)
			fprintf(f, ",\"type\":\"%s\"", d.socktype);
		json_opt_bool(f, "listening", d.listening);
		json_opt_str(f, "local", d.local);
		json_opt_str(f, "peer", d.peer);
		if (d.has_netns) {
			fprintf(f, ",\"netns\":%llu", d.netns);
			json_opt_bool(f, "netns_ours", d.netns_ours);
		}
		json_opt_str(f, "device", d.device);
		json_opt_bool(f, "reuseport", d.reuseport);
		fputc('}', f);
	}
	if (d.anon[0]) {
		fputs(",\"anon\":", f);
		json_cstr(f, d.anon);
		json_anon(f, &d);
	}
	if (r->names && r->names[i]) {
		fputs(",\"name\":", f);
		json_cstr(f, r->names[i]);
	}
	fputc('}', f);
}

static void
json_peer(FILE *f, const struct report *r)
{
	const struct proc_id *id = r->id && r->id->known ? r->id : NULL;

	if (!r->has_peer)
		return;
	fprintf(f, ",\"%s\":{\"pid\":%d,\"uid\":%u,\"gid\":%u", r->process ? "process" : "peer",
	    (int)r->pid, (unsigned)r->uid, (unsigned)r->gid);
	if (!(id && id->exited))
		json_opt_str(f, "comm", r->comm);
	if (id) {
		json_opt_bool(f, "exited", id->exited != 0);
		json_opt_str(f, "exe", id->exe);
		json_opt_str(f, "cgroup", id->cgroup);
		json_opt_str(f, "unit", id->unit);
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
	json_peer(f, r);
	fputs(",\"fds\":[", f);
	for (i = 0; i < r->nfds; i++) {
		if (i)
			fputc(',', f);
		json_fd(f, r, i);
	}
	fputs("]}\n", f);
}
