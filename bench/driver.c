/*
 * driver: the benchmark behind `make bench`. It runs fdsend/fdrecv, a
 * minimal C pair (min_send, min_recv: the limit) and a Python standard
 * library pair (py_send.py, py_recv.py) in turn, in the same run, and
 * prints one table of medians and of the project's ratios to them:
 *
 *   - sequential handoffs: a new sender process per handoff, into one
 *     receiver that serves them all (`fdrecv -n N`);
 *   - runs passing 1000 descriptors each (batches of at most 253);
 *   - `fdrecv -C` copying a large file into a pipe, against `cat FILE |`;
 *   - the peak RSS of the senders and of the receivers;
 *   - the syscalls of one plain sender run (strace -f -c), loader included;
 *   - the same for the static pair of `make static`, against the minimal
 *     pair linked statically too, and the size of each static binary.
 *   - `fdsend --notify` waiting for the manager (BARRIER=1) against
 *     `fdsend --notify --no-barrier`, into one `fdrecv --notify`;
 *   - `fdsend -f 0=NAME`, which sends the name after fdrecv's greeting,
 *     against `fdsend -f 0`, into one `fdrecv -p -n 0`;
 *   - what the delivery wait costs, the minimal sender into `fdrecv -p`
 *     waiting for its close or not;
 *   - handoffs per second into one `fdrecv -p -n 0` from 1, 2 and 8
 *     minimal senders at a time, against the minimal receiver: its loop
 *     must cost nothing.
 *
 *     driver HELPERDIR SCRIPTDIR [STATICDIR]
 *
 * HELPERDIR holds min_send, min_recv and sink; SCRIPTDIR the .py files;
 * STATICDIR min_send and min_recv linked statically. The environment
 * names the programs under test (FDSEND, FDRECV; FDSEND_STATIC and
 * FDRECV_STATIC, whose rows need STATICDIR too) and sets
 * the sizes: BENCH_ROUNDS, BENCH_BLOCKS, BENCH_HANDOFFS, BENCH_PY_HANDOFFS,
 * BENCH_FDS, BENCH_FDS_RUNS, BENCH_NOTIFY, BENCH_CAT_MIB, BENCH_TMPDIR, BENCH_PYTHON,
 * BENCH_STRACE; BENCH_STRICT=1 makes a missed target fail the run. The
 * timings are reported, never asserted, unless BENCH_STRICT asks.
 *
 * How it keeps the comparison fair on a shared, noisy machine:
 *   - The sequential handoffs and the many-descriptor runs are timed in
 *     two fixed placements, all on one CPU and with the receivers on a
 *     second: left free, the scheduler puts one pair's ping-pong on one
 *     CPU and another's across two, and the ratio would be of that.
 *   - Each implementation has its own receiver, all alive at once, and a
 *     round runs their senders in short blocks that take turns (the order
 *     rotating from block to block), so a burst of load hits all of them
 *     alike. Every block is one sample; the table gives medians.
 *   - The driver owns the listening sockets and hands each receiver its
 *     own as descriptor 3 (fd:3, which all three understand): connections
 *     wait in the backlog, so no start-up race decides a timing.
 *   - A block ends when the receiver has handled everything in it: the
 *     driver then connects and closes without sending (none of the
 *     receivers counts that), and reads EOF once the receiver, which takes
 *     connections in order, has got to it.
 *   - Timed senders start with posix_spawn, the cheapest way, so that the
 *     driver's own cost dilutes the ratios least. RSS is measured on
 *     senders and receivers started with fork instead, and traced: the
 *     kernel holds each at its exit (PTRACE_O_TRACEEXIT; no system call
 *     is stopped) while the driver reads VmHWM, the high-water mark of
 *     the program's own memory map, from /proc/PID/status. A child's
 *     ru_maxrss is no use for a static program: it also counts the pages
 *     the child had before exec (the driver's, copied at fork, more than
 *     a static program ever uses), and the kernel sums RSS counters kept
 *     per CPU only now and then, so it can miss 100 KiB or more. Where
 *     ptrace is not allowed, ru_maxrss it is, with its floor printed.
 *   - Peak RSS is mostly pages of code: a fault maps up to 64 KiB of a
 *     file around it (fault-around), and address randomisation moves
 *     where those windows fall, so one sample can be 100 KiB off. Every
 *     block takes a sender sample; the table gives their mean (see
 *     means()). Times are medians.
 *   - The targets compare like with like: fdrecv -p, which prints the
 *     message as the minimal receiver prints a line. fdrecv's default
 *     report, which describes every descriptor, is shown beside it.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../src/compat.h"

#define MAX_ROUNDS 32
#define MAX_BLOCKS 32
#define MAX_FDS 253

extern char **environ;

/*
 * PROJ runs fdrecv as the issue writes it, with its default report, which
 * describes every descriptor (fstat, readlink, fcntl each); PROJ_P runs
 * `fdrecv -p`, which prints only the message, like for like with the
 * minimal receiver's one line. Both use fdsend. STAT is the static pair
 * (fdrecv -p), MIN_STAT the minimal pair linked statically.
 */
enum { PROJ, MIN, PY, PROJ_P, STAT, MIN_STAT, NIMPL };
static const char *const impl_name[NIMPL] = {
	"fdsend/fdrecv", "minimal C", "python", "fdrecv -p", "static", "minimal static"
};

/* paired() on a two-series scenario finds it in these places. */
_Static_assert(PROJ == 0 && MIN == 1, "PROJ and MIN come first");

static struct {
	const char *fdsend, *fdrecv, *fdsend_static, *fdrecv_static, *cat, *strace;
	char *min_send, *min_recv, *sink, *py_send, *py_recv, *python;
	char *min_send_static, *min_recv_static;
	int rounds, blocks, strict;
	long handoffs, py_handoffs, fds, fds_runs, notify, cat_mib;
	/* Socket paths must fit in sun_path (108 bytes), so the directory too. */
	char dir[96], sock[NIMPL][108], nsock[108], file[112], out_send[120], out_recv[120];
} cfg;

static int devnull = -1, lsock[NIMPL] = { -1, -1, -1, -1, -1, -1 };
static int have[NIMPL], have_strace, have_ptrace;

/*
 * Where the timed handoffs run. Left to itself, the scheduler runs one
 * pair's ping-pong on one CPU (the fast way) and another's across two,
 * and a ratio then measures where it put them, not their work. So every
 * pair runs in both fixed placements: ONE_CPU, the driver, senders and
 * receivers on the first CPU the driver may use; TWO_CPUS, receivers on
 * the second. A machine that gives one CPU has only the first.
 */
enum { ONE_CPU, TWO_CPUS, NPLACE };
static const char *const place_name[NPLACE] = { "one CPU", "two CPUs" };
static int cpus[NPLACE] = { -1, -1 }, nplace;
static cpu_set_t all_cpus;

static void
find_cpus(void)
{
	int i;

	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus) < 0)
		err(1, "sched_getaffinity");
	for (i = 0; i < CPU_SETSIZE && nplace < NPLACE; i++)
		if (CPU_ISSET(i, &all_cpus))
			cpus[nplace++] = i;
}

/* Run the driver, and what it starts from now on, on CPU cpu; -1: on
 * every CPU it was given. */
static void
pin(int cpu)
{
	cpu_set_t set = all_cpus;

	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		err(1, "sched_setaffinity");
}

/* The children not yet waited for: a run that stops half-way must not
 * leave receivers waiting for ever on a socket nobody will connect to. */
static pid_t live[16];

static void
track(pid_t pid, pid_t was)
{
	size_t i;

	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] == was) {
			live[i] = pid;
			return;
		}
}

/* Remove what the run created; async-signal-safe, for the signal handler. */
static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] > 0)
			kill(live[i], SIGKILL);
	if (!cfg.dir[0])
		return;
	for (i = 0; i < NIMPL; i++)
		unlink(cfg.sock[i]);
	unlink(cfg.nsock);
	unlink(cfg.file);
	unlink(cfg.out_send);
	unlink(cfg.out_recv);
	rmdir(cfg.dir);
}

static void
on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static long
env_num(const char *name, long def, long min, long max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		errx(2, "%s=%s: not a number from %ld to %ld", name, s, min, max);
	return v;
}

static const char *
env_str(const char *name, const char *def)
{
	const char *s = getenv(name);

	return s && *s ? s : def;
}

static char *
join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		err(1, "out of memory");
	return p;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* An argument vector with room for a few numbers formatted into it. */
struct args {
	char num[2][32];
	char *v[16];
	int n;
};

static void
arg(struct args *a, const char *s)
{
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void
argnum(struct args *a, int slot, long x)
{
	snprintf(a->num[slot], sizeof(a->num[slot]), "%ld", x);
	arg(a, a->num[slot]);
}

/* The sender of impl, sending descriptors first .. first+count-1. */
static char **
sender(struct args *a, int impl, int first, long count)
{
	a->n = 0;
	switch (impl) {
	case PROJ:
	case PROJ_P:
	case STAT:
		arg(a, impl == STAT ? cfg.fdsend_static : cfg.fdsend);
		arg(a, "-f");
		if (count == 1) {
			argnum(a, 0, first);
		} else {
			snprintf(a->num[0], sizeof(a->num[0]), "%d-%ld", first,
			    first + count - 1);
			arg(a, a->num[0]);
		}
		arg(a, cfg.sock[impl]);
		break;
	case MIN:
	case MIN_STAT:
		arg(a, impl == MIN ? cfg.min_send : cfg.min_send_static);
		arg(a, cfg.sock[impl]);
		argnum(a, 0, first);
		argnum(a, 1, count);
		break;
	default:
		arg(a, cfg.python);
		arg(a, cfg.py_send);
		arg(a, cfg.sock[impl]);
		argnum(a, 0, first);
		argnum(a, 1, count);
	}
	return a->v;
}

/* The receiver of impl on fd:3, for n messages of expect descriptors each
 * (--expect makes fdrecv check what min_recv and py_recv check). */
static char **
receiver(struct args *a, int impl, long n, long expect, int cat)
{
	a->n = 0;
	switch (impl) {
	case PROJ:
	case PROJ_P:
	case STAT:
		arg(a, impl == STAT ? cfg.fdrecv_static : cfg.fdrecv);
		if (cat)
			arg(a, "-C");
		else if (impl != PROJ)
			arg(a, "-p");
		arg(a, "-n");
		argnum(a, 0, n);
		arg(a, "--expect");
		argnum(a, 1, expect);
		arg(a, "fd:3");
		break;
	case MIN:
	case MIN_STAT:
		arg(a, impl == MIN ? cfg.min_recv : cfg.min_recv_static);
		arg(a, "fd:3");
		argnum(a, 0, n);
		argnum(a, 1, expect);
		break;
	default:
		arg(a, cfg.python);
		arg(a, cfg.py_recv);
		arg(a, "fd:3");
		argnum(a, 0, n);
		argnum(a, 1, expect);
	}
	return a->v;
}

/* The signals a shell may leave ignored (a background job ignores SIGINT):
 * the programs install handlers only where they are not, so the children
 * get them at their defaults, for the same work and syscalls however make
 * was started. */
static const int reset_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE };

/* fork and exec, with in and out as standard input and output and fd3 (if
 * not -1) as descriptor 3. Every descriptor of the driver's own is
 * close-on-exec, so the child gets only these and any left open on purpose.
 * With traced, the child stops for the driver to trace it before exec. */
static pid_t
spawn_child(char **argv, int in, int out, int fd3, int traced)
{
	sigset_t none;
	size_t i;
	pid_t pid = fork();

	if (pid < 0)
		err(1, "fork");
	if (pid > 0) {
		track(pid, 0);
		return pid;
	}
	if (traced && (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 || raise(SIGSTOP) != 0))
		_exit(126);
	for (i = 0; i < sizeof(reset_signals) / sizeof(reset_signals[0]); i++)
		signal(reset_signals[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(126);
	/* dup2(3, 3) would leave close-on-exec set. */
	if (fd3 == 3 ? fcntl(3, F_SETFD, 0) < 0 : fd3 >= 0 && dup2(fd3, 3) < 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

static pid_t
spawn_fork(char **argv, int in, int out, int fd3)
{
	return spawn_child(argv, in, out, fd3, 0);
}

/* posix_spawn, for the timed senders: no copy of the driver's page tables. */
static pid_t
spawn_fast(char **argv, int in, int out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	size_t i;
	pid_t pid;
	int e;

	sigemptyset(&def);
	for (i = 0; i < sizeof(reset_signals) / sizeof(reset_signals[0]); i++)
		sigaddset(&def, reset_signals[i]);
	sigemptyset(&none);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	e = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (e) {
		errno = e;
		err(1, "%s", argv[0]);
	}
	track(pid, 0);
	return pid;
}

/* Wait for pid; a failed child makes every figure meaningless: stop. */
static void
wait_ok(pid_t pid, struct rusage *ru, const char *what)
{
	struct rusage dummy;
	int st;

	while (wait4(pid, &st, 0, ru ? ru : &dummy) < 0)
		if (errno != EINTR)
			err(1, "wait %s", what);
	track(0, pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (WIFEXITED(st))
		errx(1, "%s exited with status %d", what, WEXITSTATUS(st));
	errx(1, "%s was killed by signal %d", what, WTERMSIG(st));
}

/* The next stop or the end of a traced child. */
static int
wait_stop(pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			err(1, "wait %s", what);
	return st;
}

static void
resume(pid_t pid, int sig, const char *what)
{
	if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) < 0)
		err(1, "ptrace %s", what);
}

/* VmHWM of a process, in KiB; -1 if it cannot be read. */
static long
vm_hwm(pid_t pid)
{
	char path[64], buf[4096], *p;
	long kib = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		if ((p = strstr(buf, "VmHWM:")))
			kib = strtol(p + 6, NULL, 10);
	}
	return kib;
}

/*
 * A child whose peak RSS is wanted: traced from its stop before exec to
 * just past exec, then left to run; peak() gets its figure at its exit.
 */
static pid_t
spawn_peak(char **argv, int in, int out, int fd3)
{
	pid_t pid = spawn_child(argv, in, out, fd3, have_ptrace);
	int st;

	if (!have_ptrace)
		return pid;
	st = wait_stop(pid, argv[0]);
	if (!WIFSTOPPED(st))
		errx(1, "%s: did not stop to be traced", argv[0]);
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXEC |
	    PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) < 0)
		err(1, "ptrace %s", argv[0]);
	resume(pid, 0, argv[0]);
	/* Past exec before anything else: a receiver must be running when
	 * the driver connects to it. An exec that fails ends at exit. */
	st = wait_stop(pid, argv[0]);
	if (!WIFSTOPPED(st))
		errx(1, "%s: ended while being traced (status %d)", argv[0], st);
	resume(pid, 0, argv[0]);
	return pid;
}

/* Wait for a child of spawn_peak to end well; its peak RSS in KiB. */
static double
peak(pid_t pid, const char *what)
{
	struct rusage ru;
	long kib = -1;
	int st;

	if (!have_ptrace) {
		wait_ok(pid, &ru, what);
		return (double)ru.ru_maxrss;
	}
	for (;;) {
		st = wait_stop(pid, what);
		if (!WIFSTOPPED(st))
			break;
		if (st >> 8 == (SIGTRAP | PTRACE_EVENT_EXIT << 8)) {
			kib = vm_hwm(pid);
			resume(pid, 0, what);
		} else {
			/* A signal for it: deliver it. */
			resume(pid, WSTOPSIG(st), what);
		}
	}
	track(0, pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		errx(1, "%s failed (status %d)", what, st);
	if (kib < 0)
		errx(1, "%s: no VmHWM at its exit", what);
	return (double)kib;
}

/*
 * A handoff from the driver itself to impl's receiver: count descriptors
 * from first, in batches of MAX_FDS with a byte each, or with count 0
 * nothing at all. Returns once the receiver has closed the connection:
 * then it has handled this and everything that came before.
 */
static void
handoff(int impl, int first, long count)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	/* The driver holds the listener: a dead receiver would leave us
	 * waiting in the backlog forever. */
	struct timeval limit = { 120, 0 };
	char byte = 0;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, cfg.sock[impl], strlen(cfg.sock[impl]));
	if (s < 0 || connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)) < 0)
		err(1, "connect %s", cfg.sock[impl]);
	while (count > 0) {
		union {
			struct cmsghdr h; /* for alignment */
			char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
		} ctl;
		struct iovec iov = { &byte, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf };
		struct cmsghdr *c;
		int n = count < MAX_FDS ? (int)count : MAX_FDS, i;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		for (i = 0; i < n; i++) {
			int fd = first + i;

			memcpy(CMSG_DATA(c) + (size_t)i * sizeof(int), &fd, sizeof(int));
		}
		if (compat_sendmsg(s, &mh, MSG_NOSIGNAL) != 1)
			err(1, "sendmsg %s", cfg.sock[impl]);
		first += n;
		count -= n;
	}
	shutdown(s, SHUT_WR);
	while ((count = read(s, &byte, 1)) > 0)
		;
	if (count < 0)
		err(1, "%s: no answer from %s", cfg.sock[impl], impl_name[impl]);
	close(s);
}

/* Descriptors first .. first+count-1 open on /dev/null and inheritable:
 * what the senders of the many-descriptor scenario send. */
static void
open_range(int first, long count, int opening)
{
	long i;

	for (i = 0; i < count; i++)
		if (opening ? dup2(devnull, first + (int)i) < 0 : close(first + (int)i) < 0)
			err(1, "descriptor %ld", first + i);
}

/* Samples of one quantity for one implementation: every sample (what the
 * median is taken of) and their mean in each round (for the record). */
struct series {
	double v[MAX_ROUNDS * MAX_BLOCKS];
	int n;
	double sum[MAX_ROUNDS];
	int count[MAX_ROUNDS];
};

static void
add(struct series *s, int round, double x)
{
	s->v[s->n++] = x;
	s->sum[round] += x;
	s->count[round]++;
}

/* One scenario, for each implementation: ns per run, and peak RSS in KiB. */
struct scenario {
	struct series time[NIMPL], send_rss[NIMPL], recv_rss[NIMPL];
};

/*
 * One round of a scenario, in placement place: every implementation's
 * receiver is started and handed a first message (untimed: it warms up
 * and proves it is ready). Then come cfg.blocks blocks of each, taking
 * turns: one sender started with fork, for its peak RSS, then runs[impl]
 * timed senders, one after the other. A block ends when its receiver has
 * handled it: the last one when the receiver exits, which also gives its
 * peak RSS.
 */
static void
round_of(int r, int first, long count, const long *runs, struct scenario *sc, int place)
{
	struct args ra[NIMPL], sa[NIMPL];
	pid_t rp[NIMPL], pid;
	double t0;
	int b, k, i;
	long j;

	pin(cpus[place]);
	for (i = 0; i < NIMPL; i++)
		if (have[i])
			rp[i] = spawn_peak(receiver(&ra[i], i, 1 + cfg.blocks * (runs[i] + 1),
			    count, 0), devnull, devnull, lsock[i]);
	pin(cpus[ONE_CPU]);
	/* Only now, so that the receivers do not inherit them. */
	if (count > 1)
		open_range(first, count, 1);
	for (k = 0; k < NIMPL; k++) {
		i = (r + k) % NIMPL;
		if (have[i]) {
			handoff(i, count > 1 ? first : devnull, count);
			sender(&sa[i], i, first, count);
		}
	}
	for (b = 0; b < cfg.blocks; b++) {
		for (k = 0; k < NIMPL; k++) {
			i = (r + b + k) % NIMPL;
			if (!have[i])
				continue;
			pid = spawn_peak(sa[i].v, devnull, devnull, -1);
			add(&sc->send_rss[i], r, peak(pid, sa[i].v[0]));

			t0 = now_ns();
			for (j = 0; j < runs[i]; j++) {
				pid = spawn_fast(sa[i].v, devnull, devnull);
				wait_ok(pid, NULL, sa[i].v[0]);
			}
			if (b + 1 < cfg.blocks) {
				handoff(i, 0, 0);
			} else {
				/* Its last message: it handles it and exits. */
				add(&sc->recv_rss[i], r, peak(rp[i], ra[i].v[0]));
			}
			add(&sc->time[i], r, (now_ns() - t0) / (double)runs[i]);
		}
	}
	if (count > 1)
		open_range(first, count, 0);
}

/*
 * Two senders that take turns: in each round, blocks of runs of sa[0] and
 * of sa[1], the order alternating, each block timed into s[i]. After each
 * block, catch_up(arg) waits, untimed, until the receiver has handled it,
 * so that no block pays for the one before.
 */
static void
take_turns(struct series *s, long runs, struct args sa[2],
    void (*catch_up)(int), int arg)
{
	pid_t pid;
	long j;
	int r, b, k, i;
	double t0;

	for (r = 0; r < cfg.rounds; r++)
		for (b = 0; b < cfg.blocks; b++)
			for (k = 0; k < 2; k++) {
				i = (r + b + k) % 2;
				t0 = now_ns();
				for (j = 0; j < runs; j++) {
					pid = spawn_fast(sa[i].v, devnull, devnull);
					wait_ok(pid, NULL, sa[i].v[0]);
				}
				add(&s[i], r, (now_ns() - t0) / (double)runs);
				catch_up(arg);
			}
}

/* The driver's own empty handoff, which impl's receiver answers once it
 * has handled everything before it. */
static void
caught_up(int impl)
{
	handoff(impl, 0, 0);
}

/* One fdrecv -p -n 0 on fdrecv -p's socket, for two senders to take turns
 * into (stop_receiver ends it). */
static pid_t
pair_start(void)
{
	struct args ra;
	pid_t rp;

	ra.n = 0;
	arg(&ra, cfg.fdrecv);
	arg(&ra, "-p");
	arg(&ra, "-n");
	arg(&ra, "0");
	arg(&ra, "fd:3");
	rp = spawn_fork(ra.v, devnull, devnull, lsock[PROJ_P]);
	handoff(PROJ_P, devnull, 1);
	return rp;
}

static void
stop_receiver(pid_t rp)
{
	kill(rp, SIGTERM);
	waitpid(rp, NULL, 0);
	track(0, rp);
}

/*
 * What the delivery wait costs: the minimal sender into one fdrecv -p -n 0,
 * ending its message with shutdown(2) and waiting for the receiver to close
 * (s[0], as fdsend does) or leaving at once (s[1]).
 */
static void
delivery_rounds(struct series *s, long runs)
{
	struct args sa[2];
	pid_t rp = pair_start();
	int i;

	for (i = 0; i < 2; i++) {
		sender(&sa[i], MIN, 0, 1);
		sa[i].v[0] = cfg.min_send;
		sa[i].v[1] = cfg.sock[PROJ_P];
		if (i)
			arg(&sa[i], "nowait");
	}
	take_turns(s, runs, sa, caught_up, PROJ_P);
	stop_receiver(rp);
}

/*
 * What descriptor names cost: fdsend -f 0=NAME (s[0]), which waits for
 * fdrecv's greeting and sends the names after its message, against
 * fdsend -f 0 (s[1]), into one fdrecv -p -n 0.
 */
static void
names_rounds(struct series *s, long runs)
{
	struct args sa[2];
	pid_t rp = pair_start();
	int i;

	for (i = 0; i < 2; i++) {
		sa[i].n = 0;
		arg(&sa[i], cfg.fdsend);
		arg(&sa[i], "-f");
		arg(&sa[i], i ? "0" : "0=name");
		arg(&sa[i], cfg.sock[PROJ_P]);
	}
	take_turns(s, runs, sa, caught_up, PROJ_P);
	stop_receiver(rp);
}

/* How many senders run at once in the concurrent scenario. */
static const int concurrency[] = { 1, 2, 8 };
#define NCONC (int)(sizeof(concurrency) / sizeof(concurrency[0]))

/*
 * runs handoffs into impl's receiver from c senders at a time: as one
 * ends, the next starts. Then the driver's own handoff, which the receiver
 * answers once it has handled everything before it. ns per handoff.
 */
static double
concurrent_block(int impl, int c, long runs, char **argv)
{
	long started = 0, done = 0;
	double t0 = now_ns();

	for (; started < c && started < runs; started++)
		spawn_fast(argv, devnull, devnull);
	while (done < runs) {
		int st;
		pid_t pid = wait(&st);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			err(1, "wait");
		}
		track(0, pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			errx(1, "%s failed (status %#x): every figure would be wrong", argv[0], st);
		done++;
		if (started < runs) {
			spawn_fast(argv, devnull, devnull);
			started++;
		}
	}
	handoff(impl, 0, 0);
	return (now_ns() - t0) / (double)runs;
}

/*
 * One receiver each, fdrecv -p -n 0 and the minimal one, for a whole
 * round, both fed by the minimal sender; blocks of every concurrency take
 * turns between them.
 */
static void
concurrent_rounds(struct series s[][NIMPL], long runs)
{
	static const int impls[] = { PROJ_P, MIN };
	struct args ra[2], sa[2];
	pid_t rp[2];
	int r, b, k, c, i;

	for (r = 0; r < cfg.rounds; r++) {
		for (k = 0; k < 2; k++) {
			i = impls[k];
			ra[k].n = 0;
			if (i == MIN) {
				/* No end but SIGTERM, as fdrecv -n 0. */
				receiver(&ra[k], i, 1000000000, 1, 0);
			} else {
				arg(&ra[k], cfg.fdrecv);
				arg(&ra[k], "-p");
				arg(&ra[k], "-n");
				arg(&ra[k], "0");
				arg(&ra[k], "fd:3");
			}
			rp[k] = spawn_fork(ra[k].v, devnull, devnull, lsock[i]);
			/* The same sender into both: what is measured is the
			 * receiver's loop. */
			sender(&sa[k], MIN, 0, 1);
			sa[k].v[1] = cfg.sock[i];
			handoff(i, devnull, 1);
		}
		for (b = 0; b < cfg.blocks; b++)
			for (c = 0; c < NCONC; c++)
				for (k = 0; k < 2; k++) {
					int kk = (r + b + k) % 2;

					add(&s[c][impls[kk]], r,
					    concurrent_block(impls[kk], concurrency[c], runs, sa[kk].v));
				}
		for (k = 0; k < 2; k++) {
			kill(rp[k], SIGTERM);
			waitpid(rp[k], NULL, 0);
			track(0, rp[k]);
		}
	}
}

/*
 * What fdsend --notify does at its end, done by the driver: BARRIER=1 with
 * a pipe's write end, then wait until the receiver closes it. Returns once
 * the receiver has handled every datagram sent before.
 */
static void
notify_barrier(int s)
{
	union {
		struct cmsghdr h; /* for alignment */
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	char text[] = "BARRIER=1";
	struct iovec iov = { text, sizeof(text) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	struct pollfd p = { .events = 0 };
	int fd[2];

	if (pipe2(fd, O_CLOEXEC) < 0)
		err(1, "pipe");
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd[1], sizeof(int));
	if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
		err(1, "sendmsg %s", cfg.nsock);
	close(fd[1]);
	p.fd = fd[0];
	if (poll(&p, 1, 120000) != 1)
		errx(1, "%s: the receiver did not answer BARRIER=1", cfg.nsock);
	close(fd[0]);
}

/*
 * fdsend --notify, a new process a run, into one fdrecv --notify -n 0 -p
 * on a datagram socket, taking turns: s[0] waits for the receiver (the
 * default), s[1] has --no-barrier. The driver's own barrier is the
 * catching up between blocks.
 */
static void
notify_rounds(struct series *s, long runs)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct args ra, sa[2];
	pid_t rp;
	int ls, cs, i;

	memcpy(sun.sun_path, cfg.nsock, strlen(cfg.nsock));
	ls = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cs = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || cs < 0 || bind(ls, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    connect(cs, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		err(1, "%s", cfg.nsock);
	ra.n = 0;
	arg(&ra, cfg.fdrecv);
	arg(&ra, "--notify");
	arg(&ra, "-p");
	arg(&ra, "-n");
	arg(&ra, "0");
	arg(&ra, "fd:3");
	rp = spawn_fork(ra.v, devnull, devnull, ls);
	close(ls);
	notify_barrier(cs);
	for (i = 0; i < 2; i++) {
		sa[i].n = 0;
		arg(&sa[i], cfg.fdsend);
		arg(&sa[i], "--notify");
		if (i)
			arg(&sa[i], "--no-barrier");
		arg(&sa[i], cfg.nsock);
		arg(&sa[i], "STATUS=benchmark");
	}
	take_turns(s, runs, sa, notify_barrier, cs);
	close(cs);
	stop_receiver(rp);
	unlink(cfg.nsock);
}

/* The large file, written once with real data (not a hole), synced so that
 * no writeback runs during the timings, and read once to be cached. */
static void
make_file(void)
{
	static char buf[64 * 1024];
	long long left = (long long)cfg.cat_mib << 20;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	fd = open(cfg.file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		err(1, "%s", cfg.file);
	for (; left > 0; left -= (long long)sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			err(1, "write %s", cfg.file);
	if (fsync(fd) < 0 || close(fd) < 0)
		err(1, "%s", cfg.file);
	fd = open(cfg.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err(1, "%s", cfg.file);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* The file through a pipe into sink, written by `fdrecv -C` (handed the
 * file by fdsend) or by cat. Timed from the start of the sender (or of
 * cat) to the exit of sink, which has then read every byte. */
static double
cat_once(int proj)
{
	struct args ra, sa, ka;
	char size[32];
	pid_t rcv = -1, snd, sink;
	double t0, t1;
	int p[2], in;

	snprintf(size, sizeof(size), "%ld", cfg.cat_mib << 20);
	if (pipe2(p, O_CLOEXEC) < 0)
		err(1, "pipe");
	ka.n = 0;
	arg(&ka, cfg.sink);
	arg(&ka, size);
	sink = spawn_fork(ka.v, p[0], devnull, -1);
	in = open(cfg.file, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		err(1, "%s", cfg.file);
	sa.n = 0;
	if (proj) {
		rcv = spawn_fork(receiver(&ra, PROJ, 2, 1, 1), devnull, p[1], lsock[PROJ]);
		close(p[1]);
		/* /dev/null: nothing to copy; then the receiver is ready. */
		handoff(PROJ, devnull, 1);
		sender(&sa, PROJ, 0, 1);
	} else {
		arg(&sa, cfg.cat);
		arg(&sa, cfg.file);
	}
	t0 = now_ns();
	snd = spawn_fast(sa.v, proj ? in : devnull, proj ? devnull : p[1]);
	if (!proj)
		close(p[1]);
	wait_ok(snd, NULL, sa.v[0]);
	if (proj)
		wait_ok(rcv, NULL, ra.v[0]);
	wait_ok(sink, NULL, "sink (wrong number of bytes?)");
	t1 = now_ns();
	close(p[0]);
	close(in);
	return t1 - t0;
}

/* The rows of one `strace -c` summary. */
struct sys {
	char name[32];
	long calls;
};

#define MAX_SYS 128

static long
strace_count(const char *file, struct sys *s, int *n)
{
	char line[256];
	long total = -1;
	FILE *f = fopen(file, "re");

	*n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *tok[8], *save = NULL, *w = strtok_r(line, " \t\n", &save);
		int k = 0;

		for (; w && k < 8; w = strtok_r(NULL, " \t\n", &save))
			tok[k++] = w;
		/* % time, seconds, usecs/call, calls, [errors,] syscall */
		if (k < 5 || !strchr("0123456789", tok[0][0]))
			continue;
		if (strcmp(tok[k - 1], "total") == 0) {
			total = atol(tok[3]);
		} else if (*n < MAX_SYS) {
			snprintf(s[*n].name, sizeof(s[*n].name), "%s", tok[k - 1]);
			s[(*n)++].calls = atol(tok[3]);
		}
	}
	fclose(f);
	return total;
}

/* "brk +2, rt_sigaction +7": where a's syscalls differ from b's. */
static void
strace_diff(const char *label, const struct sys *a, int na, const struct sys *b, int nb)
{
	int i, j, any = 0;

	printf("  %s:", label);
	for (i = 0; i < na; i++) {
		long d = a[i].calls;

		for (j = 0; j < nb; j++)
			if (strcmp(a[i].name, b[j].name) == 0)
				d -= b[j].calls;
		if (d)
			printf("%s %s %+ld", any++ ? "," : "", a[i].name, d);
	}
	for (j = 0; j < nb; j++) {
		for (i = 0; i < na && strcmp(a[i].name, b[j].name) != 0; i++)
			;
		if (i == na)
			printf("%s %s %+ld", any++ ? "," : "", b[j].name, -b[j].calls);
	}
	printf("%s\n", any ? "" : " none");
}

static struct sys sys_send[NIMPL][MAX_SYS], sys_recv[NIMPL][MAX_SYS];
static int nsys_send[NIMPL], nsys_recv[NIMPL];

/*
 * Syscalls of one plain sender run into a running receiver, and of one
 * receiver run that takes one handoff, each under strace -f -c (counts
 * include execve and the dynamic loader's work).
 */
static void
count_syscalls(int impl, long *send_calls, long *recv_calls)
{
	struct args ra, sa, ta;
	pid_t r, pid;
	int i;

	r = spawn_fork(receiver(&ra, impl, 2, 1, 0), devnull, devnull, lsock[impl]);
	handoff(impl, devnull, 1);
	ta.n = 0;
	arg(&ta, cfg.strace);
	arg(&ta, "-f");
	arg(&ta, "-c");
	arg(&ta, "-o");
	arg(&ta, cfg.out_send);
	sender(&sa, impl, 0, 1);
	for (i = 0; sa.v[i]; i++)
		arg(&ta, sa.v[i]);
	pid = spawn_fork(ta.v, devnull, devnull, -1);
	wait_ok(pid, NULL, "strace (sender)");
	wait_ok(r, NULL, ra.v[0]);
	*send_calls = strace_count(cfg.out_send, sys_send[impl], &nsys_send[impl]);

	/* The receiver from exec to exit, one handoff: what `fdrecv fd:3` costs. */
	ta.n = 4;
	arg(&ta, cfg.out_recv);
	receiver(&ra, impl, 1, 1, 0);
	for (i = 0; ra.v[i]; i++)
		arg(&ta, ra.v[i]);
	r = spawn_fork(ta.v, devnull, devnull, lsock[impl]);
	pid = spawn_fork(sa.v, devnull, devnull, -1);
	wait_ok(pid, NULL, sa.v[0]);
	wait_ok(r, NULL, "strace (receiver)");
	*recv_calls = strace_count(cfg.out_recv, sys_recv[impl], &nsys_recv[impl]);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[MAX_ROUNDS * MAX_BLOCKS];

	if (n == 0)
		return NAN;
	memcpy(s, v, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
print_rounds(const char *what, const char *unit, double scale, const struct series *s,
    const char *name)
{
	int r;

	printf("  %-24s %-14s", what, name);
	for (r = 0; r < cfg.rounds; r++)
		printf(" %.1f", s->sum[r] / s->count[r] / scale);
	printf(" %s\n", unit);
}

/* How steady a ratio is: the project's block against the baseline's
 * block run right next to it, as median and quartiles over all blocks. */
static void
paired(const char *what, const struct series *s, int proj, int base)
{
	double q[MAX_ROUNDS * MAX_BLOCKS];
	int i, n = s[proj].n < s[base].n ? s[proj].n : s[base].n;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		q[i] = s[proj].v[i] / s[base].v[i];
	qsort(q, (size_t)n, sizeof(double), cmp_double);
	printf("  %-36s %.3fx (quartiles %.3fx to %.3fx, %d blocks)\n", what, q[n / 2],
	    q[n / 4], q[(3 * n) / 4], n);
}

/* The median of each implementation's samples, scaled; NaN if not run. */
static void
medians(const struct series *s, double scale, double *v)
{
	int i;

	for (i = 0; i < NIMPL; i++)
		v[i] = have[i] ? median(s[i].v, s[i].n) / scale : NAN;
}

/*
 * Peak RSS is the mean, not the median: its samples fall in two clusters
 * some 90 KiB apart, as address-space randomisation lines libc up with the
 * kernel's 64 KiB fault-around windows one way or the other, for every
 * program alike; a median picks a cluster, the mean weighs them.
 */
static void
means(const struct series *s, double *v)
{
	int i, k;

	for (i = 0; i < NIMPL; i++) {
		double sum = 0;

		for (k = 0; k < s[i].n; k++)
			sum += s[i].v[k];
		v[i] = have[i] && s[i].n ? sum / s[i].n : NAN;
	}
}

static int targets, missed;

#define ROW_FORMAT "%-40s %13s %11s %11s %10s %10s  %-24s %s\n"

/*
 * One row: the project's figure x[0] and two baselines x[1] and x[2] (NaN:
 * not measured), then the project against each as a ratio (or, with diff,
 * as a difference), and the verdict on the limits: lim[0] and lim[1] on
 * those, max on x[0] itself (NaN: none).
 */
static void
row_of(const char *name, const double *x, int diff, const char *target, const double *lim,
    double max)
{
	char cell[3][32], vs[2][32];
	int i, met = 1, judged = 0;

	for (i = 0; i < 3; i++) {
		if (isnan(x[i]))
			snprintf(cell[i], sizeof(cell[i]), "-");
		else
			snprintf(cell[i], sizeof(cell[i]), "%.1f", x[i]);
	}
	for (i = 0; i < 2; i++) {
		double base = x[i + 1];

		if (isnan(base) || isnan(x[0])) {
			snprintf(vs[i], sizeof(vs[i]), "-");
			continue;
		}
		if (diff)
			snprintf(vs[i], sizeof(vs[i]), "%+.0f", x[0] - base);
		else
			snprintf(vs[i], sizeof(vs[i]), "%.3fx", x[0] / base);
		if (!isnan(lim[i])) {
			judged = 1;
			met &= diff ? x[0] - base <= lim[i] : x[0] / base <= lim[i];
		}
	}
	if (!isnan(max) && !isnan(x[0])) {
		judged = 1;
		met &= x[0] <= max;
	}
	printf(ROW_FORMAT, name, cell[0], cell[1], cell[2], vs[0], vs[1], target,
	    judged ? met ? "yes" : "NO" : "-");
	if (judged) {
		targets++;
		missed += !met;
	}
}

/* A row where more is better (a rate): met when x[0] / x[1] >= lim. */
static void
rate_row(const char *name, const double *x, const char *target, double lim)
{
	char cell[2][32], vs[32];
	int met = x[0] / x[1] >= lim;

	snprintf(cell[0], sizeof(cell[0]), "%.1f", x[0]);
	snprintf(cell[1], sizeof(cell[1]), "%.1f", x[1]);
	snprintf(vs, sizeof(vs), "%.3fx", x[0] / x[1]);
	printf(ROW_FORMAT, name, cell[0], cell[1], "-", vs, "-", target, met ? "yes" : "NO");
	targets++;
	missed += !met;
}

/* A row of the main table: v[PROJ] against v[MIN] and v[PY]. */
static void
row(const char *name, const double *v, int diff, const char *target, double lim_min,
    double lim_py)
{
	double x[3] = { v[PROJ], v[MIN], v[PY] }, lim[2] = { lim_min, lim_py };

	row_of(name, x, diff, target, lim, NAN);
}

/* A row of the static table: v[STAT] against v[MIN_STAT] and v[MIN]. */
static void
static_row(const char *name, const double *v, int diff, const char *target,
    double lim_min_static, double lim_min, double max)
{
	double x[3] = { v[STAT], v[MIN_STAT], v[MIN] }, lim[2] = { lim_min_static, lim_min };

	row_of(name, x, diff, target, lim, max);
}

/* The size of a program file in KiB, NaN if it cannot be read. */
static double
file_kib(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (double)st.st_size / 1024 : NAN;
}

/* A receiving scenario: judged with fdrecv -p, then the default report
 * for information. */
static void
report_row(const char *name, double *v, int diff, const char *target, double lim_min,
    double lim_py)
{
	double report = v[PROJ];

	v[PROJ] = v[PROJ_P];
	row(name, v, diff, target, lim_min, lim_py);
	v[PROJ] = report;
	row("  fdrecv's default report", v, diff, "(for information)", NAN, NAN);
}

static void
machine(void)
{
	char line[256], model[256] = "unknown", load[64] = "";
	struct utsname u;
	FILE *f;

	if ((f = fopen("/proc/cpuinfo", "re"))) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
				snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		fclose(f);
	}
	if ((f = fopen("/proc/loadavg", "re"))) {
		if (fgets(load, sizeof(load), f))
			load[strcspn(load, "\n")] = '\0';
		fclose(f);
	}
	uname(&u);
	printf("machine: %s %s %s; CPU: %s; %ld CPUs online; /proc/loadavg at start: %s\n",
	    u.sysname, u.release, u.machine, model, sysconf(_SC_NPROCESSORS_ONLN), load);
#ifdef __VERSION__
	printf("compiler of the helpers (the project's CC and CFLAGS): %s\n", __VERSION__);
#endif
}

/* The real interpreter: a version manager's shim in PATH would add a
 * shell script to every Python handoff and flatter the project. */
static void
find_python(void)
{
	char cmd[512], path[PATH_MAX];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' -c 'import socket, sys; socket.send_fds; "
	    "print(sys.executable)' 2>/dev/null", env_str("BENCH_PYTHON", "python3"));
	p = popen(cmd, "re");
	if (!p)
		return;
	if (fgets(path, sizeof(path), p) && path[0] == '/') {
		path[strcspn(path, "\n")] = '\0';
		cfg.python = strdup(path);
		have[PY] = cfg.python != NULL;
	}
	pclose(p);
}

/* Whether a child may be traced here (for peak RSS): some containers
 * forbid ptrace. */
static void
find_ptrace(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			err(1, "wait");
	have_ptrace = WIFSTOPPED(st);
	if (have_ptrace) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}

/* strace that can trace here: containers often forbid ptrace. */
static void
find_strace(void)
{
	char *argv[] = { (char *)cfg.strace, "-o", "/dev/null", "true", NULL };
	pid_t pid = spawn_fork(argv, devnull, devnull, -1);
	int st;

	have_strace = waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	track(0, pid);
}

static void
setup(int argc, char **argv)
{
	const char *tmp = env_str("BENCH_TMPDIR", env_str("TMPDIR", "/tmp"));
	int i;

	if (argc != 3 && argc != 4)
		errx(2, "usage: driver HELPERDIR SCRIPTDIR [STATICDIR]");
	cfg.fdsend = env_str("FDSEND", "./fdsend");
	cfg.fdrecv = env_str("FDRECV", "./fdrecv");
	cfg.fdsend_static = env_str("FDSEND_STATIC", NULL);
	cfg.fdrecv_static = env_str("FDRECV_STATIC", NULL);
	cfg.cat = env_str("BENCH_CAT", "cat");
	cfg.strace = env_str("BENCH_STRACE", "strace");
	cfg.min_send = join(argv[1], "min_send");
	cfg.min_recv = join(argv[1], "min_recv");
	cfg.sink = join(argv[1], "sink");
	cfg.py_send = join(argv[2], "py_send.py");
	cfg.py_recv = join(argv[2], "py_recv.py");
	if (argc == 4) {
		cfg.min_send_static = join(argv[3], "min_send");
		cfg.min_recv_static = join(argv[3], "min_recv");
		have[MIN_STAT] = 1;
		if (access(cfg.min_send_static, X_OK) < 0 || access(cfg.min_recv_static, X_OK) < 0)
			err(2, "%s: no min_send and min_recv", argv[3]);
	}
	cfg.rounds = (int)env_num("BENCH_ROUNDS", 5, 1, MAX_ROUNDS);
	cfg.blocks = (int)env_num("BENCH_BLOCKS", 5, 1, MAX_BLOCKS);
	cfg.handoffs = env_num("BENCH_HANDOFFS", 1000, 1, 10000000);
	cfg.py_handoffs = env_num("BENCH_PY_HANDOFFS", 50, 1, 10000000);
	cfg.fds = env_num("BENCH_FDS", 1000, 2, 4000);
	cfg.fds_runs = env_num("BENCH_FDS_RUNS", 40, 1, 1000000);
	cfg.notify = env_num("BENCH_NOTIFY", 500, 1, 10000000);
	cfg.cat_mib = env_num("BENCH_CAT_MIB", 512, 1, 1 << 20);
	cfg.strict = (int)env_num("BENCH_STRICT", 0, 0, 1);
	if (access(cfg.fdsend, X_OK) < 0 || access(cfg.fdrecv, X_OK) < 0)
		err(2, "FDSEND=%s, FDRECV=%s", cfg.fdsend, cfg.fdrecv);
	have[PROJ] = have[MIN] = have[PROJ_P] = 1;
	if (have[MIN_STAT] && cfg.fdsend_static && cfg.fdrecv_static) {
		if (access(cfg.fdsend_static, X_OK) < 0 || access(cfg.fdrecv_static, X_OK) < 0)
			err(2, "FDSEND_STATIC=%s, FDRECV_STATIC=%s", cfg.fdsend_static,
			    cfg.fdrecv_static);
		have[STAT] = 1;
	} else {
		have[MIN_STAT] = 0;
	}

	if (snprintf(cfg.dir, sizeof(cfg.dir), "%s/fdbench.XXXXXX", tmp) >=
	    (int)sizeof(cfg.dir)) {
		cfg.dir[0] = '\0';
		errx(1, "%s: too long for socket paths; set BENCH_TMPDIR", tmp);
	}
	if (!mkdtemp(cfg.dir)) {
		cfg.dir[0] = '\0';
		err(1, "%s: cannot make a directory there; set BENCH_TMPDIR", tmp);
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	snprintf(cfg.file, sizeof(cfg.file), "%s/data", cfg.dir);
	snprintf(cfg.nsock, sizeof(cfg.nsock), "%s/notify", cfg.dir);
	snprintf(cfg.out_send, sizeof(cfg.out_send), "%s/strace.send", cfg.dir);
	snprintf(cfg.out_recv, sizeof(cfg.out_recv), "%s/strace.recv", cfg.dir);

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		err(1, "/dev/null");
	for (i = 0; i < NIMPL; i++) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(cfg.sock[i], sizeof(cfg.sock[i]), "%s/s%c", cfg.dir, '0' + i);
		memcpy(sun.sun_path, cfg.sock[i], strlen(cfg.sock[i]));
		lsock[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lsock[i] < 0 || bind(lsock[i], (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    listen(lsock[i], SOMAXCONN) < 0)
			err(1, "%s", cfg.sock[i]);
	}
	find_python();
	find_strace();
	find_ptrace();
	find_cpus();
}

/*
 * What a forked child's peak RSS starts from: the pages of the driver it
 * shares when it calls exec, which the kernel counts as its own. Every RSS
 * figure must lie well above this floor to mean anything.
 */
static long
rss_floor(void)
{
	char buf[4096], *p;
	long kib = -1;
	int fd[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		err(1, "pipe");
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		int st = open("/proc/self/status", O_RDONLY);

		n = st < 0 ? -1 : read(st, buf, sizeof(buf) - 1);
		if (n > 0 && write(fd[1], buf, (size_t)n) != n)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	waitpid(pid, NULL, 0);
	if (n > 0) {
		buf[n] = '\0';
		if ((p = strstr(buf, "VmRSS:")))
			kib = strtol(p + 6, NULL, 10);
	}
	return kib;
}

/* The lowest descriptor above all of the driver's own, with room above it
 * for count more (and a few for the programs' own use). */
static int
fd_base(long count)
{
	struct rlimit rl;
	int base = fcntl(devnull, F_DUPFD_CLOEXEC, 0);

	if (base < 0)
		err(1, "dup");
	close(base);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)(base + count + 16)) {
		rl.rlim_cur = (rlim_t)(base + count + 16);
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			errx(1, "BENCH_FDS=%ld needs an open files limit above %ld", count,
			    base + count + 16);
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			err(1, "setrlimit");
	}
	return base;
}

/*
 * The static pair against the minimal pair linked the same way (the limit
 * for a static build) and the minimal dynamic pair (what static linking
 * saves). Sizes are of the files as built.
 */
static void
static_table(struct scenario *hand, struct scenario *many, const long *calls_s)
{
	char name[128];
	double v[NIMPL];
	int i, p;

	printf("\n" ROW_FORMAT, "static (median; RSS: mean)", "static -p", impl_name[MIN_STAT],
	    impl_name[MIN], "vs min stat", "vs minimal", "target", "met?");
	for (p = 0; p < nplace; p++) {
		medians(hand[p].time, 1e3, v);
		snprintf(name, sizeof(name), "handoff, %s, us each", place_name[p]);
		static_row(name, v, 0, "<=1.10x, <=0.55x", 1.10, 0.55, NAN);
	}
	for (p = 0; p < nplace; p++) {
		medians(many[p].time, 1e3, v);
		snprintf(name, sizeof(name), "%ld descriptors, %s, us per run", cfg.fds,
		    place_name[p]);
		static_row(name, v, 0, "(for information)", NAN, NAN, NAN);
	}
	/* Peak RSS does not depend on where a program runs: the samples
	 * of one placement. */
	means(hand->send_rss, v);
	static_row("peak RSS (mean), sender of 1 fd, KiB", v, 1, "<=600 KiB", NAN, NAN, 600);
	means(hand->recv_rss, v);
	static_row("peak RSS (mean), receiver of handoffs", v, 1, "(for information)", NAN,
	    NAN, NAN);
	v[STAT] = file_kib(cfg.fdsend_static);
	v[MIN_STAT] = file_kib(cfg.min_send_static);
	v[MIN] = file_kib(cfg.min_send);
	static_row("size of fdsend (min_send), KiB", v, 1, "<=150 KiB", NAN, NAN, 150);
	v[STAT] = file_kib(cfg.fdrecv_static);
	v[MIN_STAT] = file_kib(cfg.min_recv_static);
	v[MIN] = file_kib(cfg.min_recv);
	static_row("size of fdrecv (min_recv), KiB", v, 1, "<=150 KiB", NAN, NAN, 150);
	if (have_strace) {
		for (i = 0; i < NIMPL; i++)
			v[i] = have[i] && calls_s[i] >= 0 ? (double)calls_s[i] : NAN;
		static_row("syscalls, one plain sender run", v, 1, "(for information)", NAN, NAN,
		    NAN);
	}
}

static long
per_block(long n)
{
	return n / cfg.blocks > 0 ? n / cfg.blocks : 1;
}

int
main(int argc, char **argv)
{
	static struct scenario hand[NPLACE], many[NPLACE];
	static struct series cat[2], notify[2], conc[NCONC][NIMPL], wait[2], names[2];
	long hand_runs[NIMPL], many_runs[NIMPL], calls_s[NIMPL], calls_r[NIMPL];
	char name[128];
	double v[NIMPL];
	int base, r, k, i, p;

	setup(argc, argv);
	for (i = 0; i < NIMPL; i++)
		calls_s[i] = calls_r[i] = -1;
	for (i = 0; i < NIMPL; i++)
		hand_runs[i] = per_block(cfg.handoffs);
	hand_runs[PY] = per_block(cfg.py_handoffs);
	for (i = 0; i < NIMPL; i++)
		many_runs[i] = per_block(cfg.fds_runs);

	machine();
	printf("%d rounds of %d blocks: handoffs %ld per block (python %ld); %ld descriptors, "
	    "%ld runs per block; --cat file %ld MiB in %s\n", cfg.rounds, cfg.blocks,
	    hand_runs[PROJ], hand_runs[PY], cfg.fds, many_runs[PROJ], cfg.cat_mib, cfg.dir);
	if (nplace == NPLACE)
		printf("handoffs and %ld-descriptor runs: on CPU %d (one CPU), and with the "
		    "receivers on CPU %d (two CPUs)\n", cfg.fds, cpus[ONE_CPU], cpus[TWO_CPUS]);
	else
		printf("handoffs and %ld-descriptor runs: on CPU %d, the only one given\n",
		    cfg.fds, cpus[ONE_CPU]);
	if (have_ptrace)
		printf("peak RSS: VmHWM of each program, read as it exits (ptrace)\n");
	else
		printf("peak RSS: ru_maxrss (no ptrace here), which starts from the driver's "
		    "%ld KiB\n", rss_floor());
	printf("fdsend %s, fdrecv %s; python %s; strace %s\n", cfg.fdsend, cfg.fdrecv,
	    have[PY] ? cfg.python : "not found (its column is skipped)",
	    have_strace ? cfg.strace : "not found or cannot trace here (no syscall counts)");
	if (have[STAT])
		printf("static: fdsend %s, fdrecv %s; minimal %s, %s\n\n", cfg.fdsend_static,
		    cfg.fdrecv_static, cfg.min_send_static, cfg.min_recv_static);
	else
		printf("static: not measured (no FDSEND_STATIC, FDRECV_STATIC and STATICDIR)\n\n");
	fflush(stdout);

	fprintf(stderr, "bench: sequential handoffs, then %ld descriptors a run...\n", cfg.fds);
	for (r = 0; r < cfg.rounds; r++)
		for (p = 0; p < nplace; p++)
			round_of(r, 0, 1, hand_runs, &hand[p], p);
	base = fd_base(cfg.fds);
	for (r = 0; r < cfg.rounds; r++)
		for (p = 0; p < nplace; p++)
			round_of(r, base, cfg.fds, many_runs, &many[p], p);
	/* The other scenarios compare like with like on their own. */
	pin(-1);

	fprintf(stderr, "bench: the delivery wait...\n");
	delivery_rounds(wait, per_block(cfg.handoffs));

	fprintf(stderr, "bench: descriptor names...\n");
	names_rounds(names, per_block(cfg.handoffs));

	fprintf(stderr, "bench: 1, 2 and 8 senders at a time...\n");
	concurrent_rounds(conc, per_block(cfg.handoffs));

	fprintf(stderr, "bench: fdsend --notify with and without the barrier...\n");
	notify_rounds(notify, per_block(cfg.notify));

	/* After the RSS samples: the file's write buffer raises the floor. */
	fprintf(stderr, "bench: writing and caching the %ld MiB file...\n", cfg.cat_mib);
	make_file();
	/* Once each untimed, so that code and cache are warm for both. */
	cat_once(1);
	cat_once(0);
	fprintf(stderr, "bench: fdrecv -C against cat...\n");
	for (r = 0; r < cfg.rounds; r++)
		for (k = 0; k < 2; k++) {
			i = (r + k) % 2;
			add(&cat[i], r, cat_once(i == 0));
		}
	unlink(cfg.file);

	if (have_strace) {
		fprintf(stderr, "bench: syscall counts...\n");
		for (i = 0; i < NIMPL; i++)
			if (have[i] && i != PROJ_P)
				count_syscalls(i, &calls_s[i], &calls_r[i]);
	}

	printf("means by round (the table gives medians over all samples):\n");
	snprintf(name, sizeof(name), "%ld descriptors", cfg.fds);
	for (i = 0; i < NIMPL; i++) {
		if (!have[i])
			continue;
		for (p = 0; p < nplace; p++) {
			char what[192];

			snprintf(what, sizeof(what), "handoff, %s", place_name[p]);
			print_rounds(what, "us", 1e3, &hand[p].time[i], impl_name[i]);
			snprintf(what, sizeof(what), "%s, %s", name, place_name[p]);
			print_rounds(what, "us", 1e3, &many[p].time[i], impl_name[i]);
		}
		print_rounds("RSS sender, 1 fd", "KiB", 1, &hand[0].send_rss[i], impl_name[i]);
		print_rounds("RSS receiver, 1 fd", "KiB", 1, &hand[0].recv_rss[i], impl_name[i]);
		print_rounds("RSS sender, many fds", "KiB", 1, &many[0].send_rss[i], impl_name[i]);
		print_rounds("RSS receiver, many", "KiB", 1, &many[0].recv_rss[i], impl_name[i]);
	}
	snprintf(name, sizeof(name), "%ld MiB into a pipe", cfg.cat_mib);
	print_rounds(name, "ms", 1e6, &cat[0], "fdrecv -C");
	print_rounds(name, "ms", 1e6, &cat[1], "cat");
	for (k = 0; k < NCONC; k++) {
		snprintf(name, sizeof(name), "%d at a time", concurrency[k]);
		print_rounds(name, "us", 1e3, &conc[k][PROJ_P], "fdrecv -p -n 0");
		print_rounds(name, "us", 1e3, &conc[k][MIN], impl_name[MIN]);
	}
	print_rounds("delivery", "us", 1e3, &wait[0], "waiting");
	print_rounds("delivery", "us", 1e3, &wait[1], "not waiting");
	print_rounds("names", "us", 1e3, &names[0], "-f 0=name");
	print_rounds("names", "us", 1e3, &names[1], "-f 0");
	print_rounds("fdsend --notify", "us", 1e3, &notify[0], "barrier");
	print_rounds("fdsend --notify", "us", 1e3, &notify[1], "--no-barrier");
	printf("\n");

	/*
	 * The targets compare like with like: fdrecv -p prints the message,
	 * as the minimal receiver prints one line. The default report also
	 * describes every descriptor (fstat, readlink, fcntl and printf for
	 * each), work the minimal pair does not do: its rows are for
	 * information.
	 */
	printf(ROW_FORMAT, "scenario (median; RSS: mean)", "fdsend/fdrecv -p", impl_name[MIN], impl_name[PY],
	    "vs minimal", "vs python", "target", "met?");
	for (p = 0; p < nplace; p++) {
		medians(hand[p].time, 1e3, v);
		snprintf(name, sizeof(name), "handoff, %s, us each", place_name[p]);
		report_row(name, v, 0, "<=1.10x min, <=0.05x py", 1.10, 0.05);
	}
	for (p = 0; p < nplace; p++) {
		medians(many[p].time, 1e3, v);
		snprintf(name, sizeof(name), "%ld descriptors, %s, us per run", cfg.fds,
		    place_name[p]);
		report_row(name, v, 0, "<=1.20x min", 1.20, NAN);
	}
	v[PROJ] = median(cat[0].v, cat[0].n) / 1e6;
	v[MIN] = median(cat[1].v, cat[1].n) / 1e6;
	v[PY] = NAN;
	snprintf(name, sizeof(name), "-C %ld MiB to a pipe, ms (min: cat)", cfg.cat_mib);
	row(name, v, 0, "<=1.00x cat", 1.00, NAN);
	/* The delivery wait, as the minimal sender does it into fdrecv: one
	 * round trip to the receiver's close, not a sleep. */
	v[PROJ] = median(wait[0].v, wait[0].n) / 1e3;
	v[MIN] = median(wait[1].v, wait[1].n) / 1e3;
	v[PY] = NAN;
	row("delivery wait, us (min: not waiting)", v, 1, "(for information)", NAN, NAN);
	/* The same fdsend and fdrecv, with a name and without: the greeting
	 * is there for both; the names wait for it and take one send more. */
	v[PROJ] = median(names[0].v, names[0].n) / 1e3;
	v[MIN] = median(names[1].v, names[1].n) / 1e3;
	v[PY] = NAN;
	row("-f 0=name, us each (min: -f 0)", v, 0, "(for information)", NAN, NAN);
	/* Throughput from several senders at once: fdrecv's loop against
	 * the minimal receiver, which takes one connection at a time. */
	for (k = 0; k < NCONC; k++) {
		double x[3];

		x[0] = 1e9 / median(conc[k][PROJ_P].v, conc[k][PROJ_P].n);
		x[1] = 1e9 / median(conc[k][MIN].v, conc[k][MIN].n);
		x[2] = NAN;
		snprintf(name, sizeof(name), "fdrecv -n 0, handoffs/s, %d at a time",
		    concurrency[k]);
		rate_row(name, x, ">=0.95x min", 0.95);
	}
	/* The receiver answers in the same run for both: what the barrier
	 * costs a script is the wait for it. */
	v[PROJ] = median(notify[0].v, notify[0].n) / 1e3;
	v[MIN] = median(notify[1].v, notify[1].n) / 1e3;
	v[PY] = NAN;
	row("--notify, us each (min: --no-barrier)", v, 0, "(for information)", NAN, NAN);
	means(hand[0].send_rss, v);
	row("peak RSS (mean), sender of 1 fd, KiB", v, 1, "<=+64 KiB over min", 64, NAN);
	means(hand[0].recv_rss, v);
	report_row("peak RSS (mean), receiver of handoffs", v, 1, "<=+64 KiB over min", 64, NAN);
	means(many[0].send_rss, v);
	snprintf(name, sizeof(name), "peak RSS (mean), sender of %ld fds", cfg.fds);
	row(name, v, 1, "<=+64 KiB over min", 64, NAN);
	means(many[0].recv_rss, v);
	snprintf(name, sizeof(name), "peak RSS (mean), receiver of %ld fds", cfg.fds);
	report_row(name, v, 1, "<=+64 KiB over min", 64, NAN);
	if (have_strace) {
		for (i = 0; i < NIMPL; i++)
			v[i] = have[i] && calls_s[i] >= 0 ? (double)calls_s[i] : NAN;
		row("syscalls, one plain sender run", v, 1, "<=+6 over min", 6, NAN);
		for (i = 0; i < NIMPL; i++)
			v[i] = have[i] && calls_r[i] >= 0 ? (double)calls_r[i] : NAN;
		row("syscalls, receiver run of 1 handoff", v, 1, "(for information)", NAN, NAN);
		printf("\nsyscalls beyond the minimal pair's (+), or fewer (-):\n");
		strace_diff("fdsend -f 0 SOCKET", sys_send[PROJ], nsys_send[PROJ],
		    sys_send[MIN], nsys_send[MIN]);
		strace_diff("fdrecv -n 1 --expect 1 fd:3", sys_recv[PROJ], nsys_recv[PROJ],
		    sys_recv[MIN], nsys_recv[MIN]);
		if (have[STAT]) {
			printf("and the static pair beyond the minimal static pair's:\n");
			strace_diff("fdsend -f 0 SOCKET", sys_send[STAT], nsys_send[STAT],
			    sys_send[MIN_STAT], nsys_send[MIN_STAT]);
			strace_diff("fdrecv -p -n 1 --expect 1 fd:3", sys_recv[STAT],
			    nsys_recv[STAT], sys_recv[MIN_STAT], nsys_recv[MIN_STAT]);
		}
	} else {
		printf("syscalls: not counted: %s is missing or cannot trace\n", cfg.strace);
	}
	if (have[STAT])
		static_table(hand, many, calls_s);
	printf("\nblock by block, the project against the minimal pair run beside it:\n");
	for (p = 0; p < nplace; p++) {
		printf(" %s:\n", place_name[p]);
		paired("handoff", hand[p].time, PROJ, MIN);
		paired("handoff, fdrecv -p", hand[p].time, PROJ_P, MIN);
		snprintf(name, sizeof(name), "%ld descriptors", cfg.fds);
		paired(name, many[p].time, PROJ, MIN);
		snprintf(name, sizeof(name), "%ld descriptors, fdrecv -p", cfg.fds);
		paired(name, many[p].time, PROJ_P, MIN);
		if (have[STAT]) {
			paired("handoff, static", hand[p].time, STAT, MIN);
			paired("handoff, static vs minimal static", hand[p].time, STAT, MIN_STAT);
		}
	}
	/* notify[0] and notify[1] sit where paired() looks for PROJ and MIN. */
	paired("--notify, barrier / --no-barrier", notify, PROJ, MIN);
	paired("-f 0=name / -f 0", names, PROJ, MIN);
	printf("\nratios and differences: the project's median against the baseline's, "
	    "in this run. Targets met: %d of %d.\n", targets - missed, targets);
	return cfg.strict && missed ? 1 : 0;
}
