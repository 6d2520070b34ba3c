/*
 * pidsrc.c: descriptors taken from a running process with pidfd_getfd(2).
 *
 * The kernel lets a process take a duplicate of another's descriptor when
 * it may ptrace it (PTRACE_MODE_ATTACH_REALCREDS): same uid and gid, the
 * target dumpable, and whatever Yama and other security modules add, or
 * CAP_SYS_PTRACE. The target is not stopped and does not notice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "compat.h"
#include "pidsrc.h"

/* CAP_SYS_PTRACE, as linux/capability.h numbers it. */
#define CAP_SYS_PTRACE_BIT 19

int
pidsrc_parse(const char *text, struct pidsrc *s)
{
	const char *p, *colon;
	unsigned long v;
	char num[16];
	size_t n;

	memset(s, 0, sizeof(*s));
	if (strncmp(text, "pid:", 4) != 0)
		return 0;
	p = text + 4;
	colon = strchr(p, ':');
	n = colon ? (size_t)(colon - p) : strlen(p);
	if (n == 0 || n >= sizeof(num))
		goto bad;
	memcpy(num, p, n);
	num[n] = '\0';
	if (arg_uint(num, 0x7fffffff, &v) < 0 || v == 0)
		goto bad;
	s->pid = (pid_t)v;
	if (colon) {
		struct arg_fdlist l = { 0 };

		if (arg_fds(colon + 1, &l, NULL) < 0) {
			if (l.own)
				free(l.v);
			goto bad;
		}
		s->want = l.v;
		s->nwant = l.n;
		s->wantcap = l.cap;
	}
	return 1;
bad:
	pidsrc_free(s);
	errno = EINVAL;
	return -1;
}

static int
push(int **v, size_t *n, size_t *cap, int x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		int *p = realloc(*v, c * sizeof(int));

		if (!p)
			return -1;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The process's ids from /proc/PID/status: all three of each count for
 * ptrace access, and the effective ones are what a report shows. */
static int
read_status(struct pidsrc *s)
{
	char path[64], line[256];
	unsigned long long v[3];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (arg_line_numbers(line, "Uid:", 10, v, 3) == 3) {
			s->uid[0] = (uid_t)v[0], s->uid[1] = (uid_t)v[1], s->uid[2] = (uid_t)v[2];
		} else if (arg_line_numbers(line, "Gid:", 10, v, 3) == 3) {
			s->gid[0] = (gid_t)v[0], s->gid[1] = (gid_t)v[1], s->gid[2] = (gid_t)v[2];
		} else if (arg_line_numbers(line, "Tgid:", 10, v, 1) == 1) {
			s->tgid = (pid_t)v[0];
		}
	}
	fclose(f);
	return 0;
}

/* Whether this process has CAP_SYS_PTRACE in effect. */
static int
can_ptrace(void)
{
	char line[256];
	unsigned long long caps = 0;
	int found = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = arg_line_numbers(line, "CapEff:", 16, &caps, 1) == 1;
	fclose(f);
	return found && (caps >> CAP_SYS_PTRACE_BIT & 1);
}

/* Yama's ptrace_scope, or -1 where Yama is not in the kernel. */
static int
ptrace_scope(void)
{
	char buf[16];
	ssize_t n = -1;
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

static void add_reason(struct pidsrc *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add_reason(struct pidsrc *s, const char *fmt, ...)
{
	size_t k = strlen(s->why);
	va_list ap;

	if (k && k < sizeof(s->why) - 2) {
		strcpy(s->why + k, "; ");
		k += 2;
	}
	va_start(ap, fmt);
	vsnprintf(s->why + k, sizeof(s->why) - k, fmt, ap);
	va_end(ap);
}

/*
 * Why the kernel refused ptrace access, checked as the kernel checks it
 * (kernel/ptrace.c, then Yama): every reason that applies is named. The
 * kernel itself says only EPERM.
 */
static void
why_denied(struct pidsrc *s)
{
	uid_t me = getuid();
	gid_t mg = getgid();
	int cap = can_ptrace(), scope = ptrace_scope(), i;
	char path[64];
	struct stat st;

	s->why[0] = '\0';
	if (!cap) {
		for (i = 0; i < 3 && s->uid[i] == me; i++)
			;
		if (i < 3) {
			add_reason(s, "it runs as uid %u, not as our uid %u, and we lack CAP_SYS_PTRACE",
			    (unsigned)s->uid[i], (unsigned)me);
		} else {
			for (i = 0; i < 3 && s->gid[i] == mg; i++)
				;
			if (i < 3)
				add_reason(s, "it runs as gid %u, not as our gid %u, and we lack "
				    "CAP_SYS_PTRACE", (unsigned)s->gid[i], (unsigned)mg);
		}
		/* What is in /proc/PID belongs to root when the process is not
		 * dumpable (the directory itself stays its own). */
		snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid);
		if (stat(path, &st) == 0 && st.st_uid != s->uid[1])
			add_reason(s, "it is not dumpable (set-user-ID, or PR_SET_DUMPABLE 0), "
			    "and we lack CAP_SYS_PTRACE");
	}
	if (scope == 1 && !cap)
		add_reason(s, "Yama's ptrace_scope is 1: only its ancestors, or a process it "
		    "named with PR_SET_PTRACER, and we lack CAP_SYS_PTRACE");
	else if (scope == 2 && !cap)
		add_reason(s, "Yama's ptrace_scope is 2: it takes CAP_SYS_PTRACE, which we lack");
	else if (scope >= 3)
		add_reason(s, "Yama's ptrace_scope is %d: no process may", scope);
	if (!s->why[0])
		add_reason(s, "neither its uid, its dumpability nor Yama's ptrace_scope is the "
		    "reason: a security module, perhaps");
}

static int
fail(struct pidsrc *s, struct fdp_msg *m, size_t had, int bad_fd, const char *call, int err)
{
	fdp_close_all(m->fds + had, m->nfds - had);
	m->nfds = had;
	s->nfrom = 0;
	s->err = err;
	s->bad_fd = bad_fd;
	s->call = call;
	if (err == EPERM || err == EACCES)
		why_denied(s);
	errno = err;
	return -1;
}

/* Every open descriptor of the process, in order: a snapshot, which is
 * all there can be of a table that the process may change at any time. */
static int
list_fds(struct pidsrc *s)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)s->pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		unsigned long v;

		if (arg_uint(e->d_name, 0x7fffffff, &v) == 0 &&
		    push(&s->want, &s->nwant, &s->wantcap, (int)v) < 0) {
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
	}
	closedir(d);
	qsort(s->want, s->nwant, sizeof(int), int_cmp);
	return 0;
}

int
pidsrc_take(struct pidsrc *s, struct fdp_msg *m, struct proc_id *id)
{
	size_t had = m->nfds, i;
	int listed = s->nwant == 0, pidfd, e;

	id->known = 0;
	s->nfrom = 0;
	pidfd = pidfd_open(s->pid, 0);
	if (pidfd < 0) {
		e = errno;
		/* A thread's id is no process's: EINVAL before Linux 6.9, ENOENT after. */
		if ((e == EINVAL || e == ENOENT) && read_status(s) == 0 && s->tgid != s->pid)
			return fail(s, m, had, -1, "pidfd_open", EINVAL);
		return fail(s, m, had, -1, "pidfd_open", e);
	}
	/* Read /proc now, check the pidfd after: if the process lives then,
	 * what /proc said was about it, and not about a successor. */
	if (read_status(s) < 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		/* Gone, or hidden from us (proc mounted with hidepid=). */
		e = errno;
		if (poll(&p, 1, 0) != 0)
			e = ESRCH;
		close(pidfd);
		return fail(s, m, had, -1, e == ESRCH ? NULL : "reading /proc/PID/status", e);
	}
	describe_comm(s->pid, s->comm, sizeof(s->comm));
	describe_process(pidfd, s->pid, id);
	if (id->exited) {
		close(pidfd);
		return fail(s, m, had, -1, NULL, ESRCH);
	}
	if (listed && list_fds(s) < 0) {
		e = errno == ENOENT ? ESRCH : errno;
		close(pidfd);
		return fail(s, m, had, -1, NULL, e);
	}
	for (i = 0; i < s->nwant; i++) {
		int fd = pidfd_getfd(pidfd, s->want[i], 0);

		if (fd < 0) {
			e = errno;
			/* Closed since the listing: it is no longer open, so
			 * not among "every open descriptor". */
			if (e == EBADF && listed)
				continue;
			close(pidfd);
			/* Refused or gone: that is the process, not this descriptor. */
			return fail(s, m, had, e == EBADF || e == EMFILE ? s->want[i] : -1,
			    "pidfd_getfd", e);
		}
		if (push(&m->fds, &m->nfds, &m->fdcap, fd) < 0) {
			close(fd);
			close(pidfd);
			return fail(s, m, had, -1, NULL, ENOMEM);
		}
		if (push(&s->from, &s->nfrom, &s->fromcap, s->want[i]) < 0) {
			close(pidfd);
			return fail(s, m, had, -1, NULL, ENOMEM);
		}
	}
	close(pidfd);
	if (listed)
		s->nwant = 0;
	return 0;
}

const char *
pidsrc_error(const struct pidsrc *s)
{
	static char buf[640];

	switch (s->err) {
	case ESRCH:
		return s->call && strcmp(s->call, "pidfd_open") == 0 ?
		    "no such process" : "the process has exited";
	case EBADF:
		return "no such descriptor";
	case EPERM:
	case EACCES:
		snprintf(buf, sizeof(buf), "permission denied: %s", s->why);
		return buf;
	case ENOSYS:
		snprintf(buf, sizeof(buf), "%s: not in this kernel (Linux %s or later)",
		    s->call ? s->call : "?", s->call && strcmp(s->call, "pidfd_open") == 0 ?
		    "5.3" : "5.6");
		return buf;
	case EINVAL:
		if (s->tgid && s->tgid != s->pid) {
			snprintf(buf, sizeof(buf), "a thread, not a process: it belongs to pid %d",
			    (int)s->tgid);
			return buf;
		}
		break;
	case EMFILE:
		return "too many open files (the limit, RLIMIT_NOFILE, is too low)";
	}
	if (s->call)
		snprintf(buf, sizeof(buf), "%s: %s", s->call, strerror(s->err));
	else
		snprintf(buf, sizeof(buf), "%s", strerror(s->err));
	return buf;
}

void
pidsrc_free(struct pidsrc *s)
{
	free(s->want);
	free(s->from);
	s->want = s->from = NULL;
	s->nwant = s->wantcap = s->nfrom = s->fromcap = 0;
}
