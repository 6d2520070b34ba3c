/*
 * proc.c: process set-up shared by both programs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "args.h"
#include "out.h"
#include "proc.h"

long
proc_check_fds(const int *fds, size_t n)
{
	/* poll(2) with no events and no wait tells which are open (POLLNVAL),
	 * many at a time instead of one fcntl(2) each; a negative number is
	 * skipped. Standard input, output and error go with the first round,
	 * and are filled only once every descriptor has been checked. */
	struct pollfd p[64];
	int closed[3] = { 0 };
	size_t done = 0, i, k;

	do {
		size_t first = done == 0 ? 3 : 0;

		for (k = 0; k < first; k++)
			p[k] = (struct pollfd){ .fd = (int)k };
		for (; k < sizeof(p) / sizeof(p[0]) && done < n; k++)
			p[k] = (struct pollfd){ .fd = fds[done++] };
		/* poll takes no more entries than RLIMIT_NOFILE (EINVAL):
		 * then every one is a question for fcntl. */
		if (poll(p, k, 0) < 0) {
			if (errno != EINVAL)
				return -2;
			for (i = 0; i < k; i++)
				p[i].revents = POLLNVAL;
		}
		/* poll sees no O_PATH descriptor: ask fcntl, which does. */
		for (i = 0; i < k; i++) {
			int shut = p[i].fd >= 0 && (p[i].revents & POLLNVAL) &&
			    fcntl(p[i].fd, F_GETFD) < 0;

			if (i < first)
				closed[i] = shut;
			else if (shut)
				return (long)(done - (k - i));
		}
	} while (done < n);
	for (i = 0; i < 3; i++)
		if (closed[i] && open("/dev/null", O_RDWR) != (int)i)
			return -2;
	return -1;
}

static struct fdp_listener *ours;
static const int fatal[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction saved[sizeof(fatal) / sizeof(fatal[0])], saved_pipe;
static sigset_t saved_mask;
static int saving;
static int signal_status = -1;

/* The sockets of -b, removed at exit unless they were kept. */
static struct fdp_listener *binds;
static size_t nbinds;
static volatile sig_atomic_t binds_kept;

static void
unbind_at_exit(void)
{
	size_t i;

	if (ours)
		fdp_unbind(ours);
	for (i = 0; i < nbinds && !binds_kept; i++)
		fdp_unbind(&binds[i]);
}

static void
on_signal(int sig)
{
	/* fdp_unbind is async-signal-safe (lstat, unlink). */
	unbind_at_exit();
	if (signal_status >= 0)
		_exit(signal_status);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
proc_cleanup(struct fdp_listener *l)
{
	struct sigaction sa = { .sa_handler = on_signal };
	size_t i;

	ours = l;
	if (saving)
		return;
	saving = 1;
	sigprocmask(SIG_SETMASK, NULL, &saved_mask);
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &saved_pipe);
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		sigaction(fatal[i], NULL, &saved[i]);
		/* Under nohup, SIGHUP stays ignored. */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(fatal[i], &sa, NULL);
	}
	atexit(unbind_at_exit);
}

void
proc_die(int sig)
{
	sigset_t set;

	unbind_at_exit();
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

void
proc_signal_exit(int status)
{
	signal_status = status;
}

void
proc_signals_restore(void)
{
	size_t i;

	ours = NULL;
	if (!saving)
		return;
	sigaction(SIGPIPE, &saved_pipe, NULL);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &saved[i], NULL);
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
}

void
proc_addr(const char *text, struct fdp_addr *a)
{
	if (fdp_addr_parse(text, a) == 0)
		return;
	if (errno == ENAMETOOLONG)
		errx(2, "%s: too long for a socket address (at most %d bytes)",
		    arg_show(text), FDP_SUN_PATH_MAX - 1);
	errx(2, "%s: not a socket path, @name or fd:N", arg_show(text));
}

/* Say why fdp_listen failed for text, and exit 1. */
static void __attribute__((noreturn))
listen_failed(const char *text, const struct fdp_addr *a, int type)
{
	uid_t uid;

	switch (errno) {
	case ELOOP:
		errx(1, "%s: is a symbolic link; not replaced", text);
	case EEXIST:
		errx(1, "%s: exists and is not a socket; not replaced", text);
	case EADDRINUSE:
		if (fdp_owner(a, &uid) == 0)
			errx(1, "%s: a live socket of uid %u is bound there", text, (unsigned)uid);
		errx(1, "%s: a live socket is bound there", text);
	case EACCES:
		/* bind() itself said so when the directory is closed to us. */
		if (!a->abstract && fdp_owner(a, &uid) == 0)
			errx(1, "%s: a socket of uid %u that we may not connect to is there; not "
			    "replaced", text, (unsigned)uid);
		break;
	case ENOTSOCK:
		errx(1, "%s: not a socket", text);
	case EPROTOTYPE:
		errx(1, "%s: not a %s socket", text, fdp_type_name(type));
	case EBADF:
		if (a->fd >= 0)
			errx(1, "%s: not an open descriptor", text);
		break;
	case ENOENT:
		if (!a->abstract && a->fd < 0)
			errx(1, "%s: no such directory", text);
		break;
	}
	err(1, "%s: bind", text);
}

size_t
proc_max_size(const char *arg)
{
	size_t v;

	/* A quarter of the address space at most: the buffer doubles. */
	if (arg_size(arg, SIZE_MAX / 4, &v) < 0)
		errx(2, "--max-size %s: not a size in bytes (with K, M or G)", arg_show(arg));
	return v;
}

void
proc_listen(const char *text, const struct fdp_addr *a, int type, int mode,
    struct fdp_listener *l)
{
	sigset_t block, old;
	size_t i;
	int r, e;

	/* bind() creates the file before fdp_listen() notes which file it
	 * is: hold the fatal signals until then, so that their handler
	 * finds the file to remove. */
	sigemptyset(&block);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaddset(&block, fatal[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	r = fdp_listen(a, type, mode, l);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	if (r < 0)
		listen_failed(text, a, type);
}

void
proc_bind_parse(const char *text, struct fdp_bind *b)
{
	if (fdp_bind_parse(text, b) < 0) {
		if (errno == ENAMETOOLONG)
			errx(2, "-b %s: too long for a socket address (at most %d bytes)",
			    arg_show(text), FDP_SUN_PATH_MAX - 1);
		errx(2, "-b %s: not tcp:HOST:PORT, tcp6:[ADDR]:PORT, udp:HOST:PORT, "
		    "udp6:[ADDR]:PORT, unix:PATH, unix-dgram:PATH or unix-seqpacket:PATH",
		    arg_show(text));
	}
	if (b->name && !arg_fdname_ok(b->name, strlen(b->name)))
		errx(2, "-b %s: a name is 1 to 255 printable characters without ':'",
		    arg_show(text));
}

void
proc_bind_all(char *const *texts, const struct fdp_bind *b, size_t n, int mode,
    struct fdp_listener *l)
{
	sigset_t block, old;
	char what[FDP_SUN_PATH_MAX + 64];
	size_t i;
	int r, e;

	binds = l;
	/* Removed on a fatal signal too, until they are kept. */
	proc_cleanup(ours);
	sigemptyset(&block);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaddset(&block, fatal[i]);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "-b %s", arg_show(texts[i]));
		sigprocmask(SIG_BLOCK, &block, &old);
		r = fdp_bind_open(&b[i], mode, &l[i]);
		e = errno;
		if (r == 0)
			nbinds = i + 1;
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = e;
		if (r == 0)
			continue;
		/* Those bound before are removed at exit. */
		if (b[i].family == AF_UNIX)
			listen_failed(what, &b[i].un, b[i].type);
		if (e == EADDRINUSE)
			errx(1, "%s: the address is in use", what);
		if (e == EADDRNOTAVAIL)
			errx(1, "%s: not an address of this machine", what);
		if (e == EACCES)
			errx(1, "%s: bind: %s (a port below 1024 needs privilege)", what,
			    strerror(e));
		err(1, "%s: bind", what);
	}
}

void
proc_binds_keep(void)
{
	binds_kept = 1;
}

void
proc_binds_drop(void)
{
	size_t i;

	for (i = 0; i < nbinds && !binds_kept; i++)
		fdp_unbind(&binds[i]);
	nbinds = 0;
}

void *
xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		errx(1, "out of memory");
	p = realloc(p, n && size ? n * size : 1);
	if (!p)
		err(1, "out of memory");
	return p;
}

void *
xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 8;

	if (need <= *cap)
		return p;
	while (c < need)
		c = c > SIZE_MAX / 2 ? need : c * 2;
	p = xrealloc(p, c, size);
	*cap = c;
	return p;
}

static struct rlimit nofile;   /* as the process started */
static rlim_t nofile_now;       /* the soft limit after raising it */
static int nofile_saved;

int
proc_nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (!nofile_saved)
		nofile = rl;
	nofile_saved = 1;
	nofile_now = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
			nofile_now = rl.rlim_max;
			return 1;
		}
	}
	return 0;
}

void
proc_nofile_restore(void)
{
	if (nofile_saved)
		setrlimit(RLIMIT_NOFILE, &nofile);
}

unsigned long
proc_inflight_limit(size_t n)
{
	/* The kernel's test (too_many_unix_fds): capabilities, not uid 0. */
	static const unsigned long long exempt = 1ULL << 24 | 1ULL << 21;
	struct rlimit rl = { nofile_now, nofile_now };
	unsigned long long caps = 0;
	char line[256];
	FILE *f;

	if (!nofile_saved && getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || n <= rl.rlim_cur)
		return 0;
	/* Only past the limit is it worth reading who we are. */
	if ((f = fopen("/proc/self/status", "re"))) {
		while (fgets(line, sizeof(line), f))
			if (arg_line_numbers(line, "CapEff:", 16, &caps, 1) == 1)
				break;
		fclose(f);
	}
	return caps & exempt ? 0 : (unsigned long)rl.rlim_cur;
}

const char *
proc_seconds(const char *arg)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s second%s", arg, strcmp(arg, "1") == 0 ? "" : "s");
	return buf;
}
