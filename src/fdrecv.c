/*
 * fdrecv: receive file descriptors and a message over an AF_UNIX socket,
 * then report what arrived or hand it to a command.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "cat.h"
#include "describe.h"
#include "fdpass.h"
#include "handoff.h"
#include "notify.h"
#include "pidsrc.h"
#include "proc.h"
#include "report.h"

static const char usage_text[] =
    "usage: fdrecv [-CchjpVv] [-m MODE] [-n COUNT] [-T SECONDS] [-t TYPE]\n"
    "              [-w SECONDS] [--allow-gid GID] [--allow-uid UID] [--at N[,N...]]\n"
    "              [--expect N] [--fdname NAME[:NAME...]] [--max-fds N] [--notify]\n"
    "              SOCKET [-- COMMAND [ARG ...]]\n";

static const char help_text[] =
    "Receive file descriptors and a message over an AF_UNIX socket.\n"
    "\n"
    "SOCKET is a path, @NAME (abstract) or fd:N (an inherited socket);\n"
    "pid:PID[:FD,...] takes the descriptors of a running process instead.\n"
    "Without COMMAND, report what arrived; with it, run COMMAND with the\n"
    "descriptors at 3, 4, ... and LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES set.\n"
    "\n"
    "  -c, --connect          connect to SOCKET instead of listening\n"
    "  -n, --count COUNT      messages to handle (default 1; 0: until killed)\n"
    "  -p, --payload          write only the message bytes\n"
    "  -C, --cat              write the contents of every descriptor\n"
    "  -j, --json             one JSON object per message\n"
    "  -t, --type TYPE        stream, seqpacket or dgram (default stream)\n"
    "  -m, --mode MODE        permissions of the socket file (octal)\n"
    "  -w, --wait SECONDS     with -c: retry while SOCKET is missing or refusing\n"
    "      --allow-uid UID    accept only peers with this user (repeatable)\n"
    "      --allow-gid GID    accept only peers with this group (repeatable)\n"
    "      --max-fds N        refuse a message with more than N descriptors\n"
    "      --expect N         fail unless exactly N descriptors arrive\n"
    "      --at N[,N...]      with COMMAND: put the descriptors at these numbers\n"
    "      --fdname NAME[:NAME...]  with COMMAND: names for LISTEN_FDNAMES\n"
    "      --notify           act as a systemd notify socket\n"
    "  -T, --timeout SECONDS  fail when any single wait takes longer\n"
    "  -v, --verbose          describe what arrived on standard error\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n";

enum { OPT_ALLOW_UID = 256, OPT_ALLOW_GID, OPT_MAX_FDS, OPT_EXPECT, OPT_AT, OPT_FDNAME, OPT_NOTIFY };

static const struct arg_opt options[] = {
	{ "connect", 'c', 0 },
	{ "count", 'n', 1 },
	{ "payload", 'p', 0 },
	{ "cat", 'C', 0 },
	{ "json", 'j', 0 },
	{ "type", 't', 1 },
	{ "mode", 'm', 1 },
	{ "wait", 'w', 1 },
	{ "allow-uid", OPT_ALLOW_UID, 1 },
	{ "allow-gid", OPT_ALLOW_GID, 1 },
	{ "max-fds", OPT_MAX_FDS, 1 },
	{ "expect", OPT_EXPECT, 1 },
	{ "at", OPT_AT, 1 },
	{ "fdname", OPT_FDNAME, 1 },
	{ "notify", OPT_NOTIFY, 0 },
	{ "timeout", 'T', 1 },
	{ "verbose", 'v', 0 },
	{ "help", 'h', 0 },
	{ "version", 'V', 0 },
	{ NULL, 0, 0 },
};

enum output { OUT_HUMAN, OUT_PAYLOAD, OUT_CAT, OUT_JSON, OUT_COMMAND };

struct opts {
	enum output out;
	int connect, verbose, notify;
	unsigned long count;
	int type, mode;
	int wait_ms, wait_set, timeout_ms;
	const char *timeout_arg;
	unsigned *uids, *gids;
	size_t nuids, ngids;
	long max_fds, expect;
	int *at;
	size_t nat;
	char **fdnames;
	size_t nfdnames;
	const char *socket;
	const char *name;       /* SOCKET as messages show it */
	struct pidsrc src;      /* SOCKET is pid:PID[:FD,...] when src.pid is set */
	int count_set;
	char **command;
};

/* Where messages come from, and what has happened so far. */
struct run {
	const struct opts *o;
	struct fdp_addr a;
	struct fdp_listener l;
	int type;
	int conn;               /* the connection messages come on, or -1 */
	int conn_ours;          /* close it when done (not an inherited fd:N) */
	int conn_msgs;          /* messages received on it */
	int has_peer;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	char comm[64];
	struct proc_id id;      /* the peer as its pidfd shows it */
	const struct pidsrc *src; /* the descriptors were taken from a process */
	int want_comm;          /* a report shows the peer's command name */
	int status;
	int forking;            /* COMMAND once per message */
	sigset_t waitmask;      /* SIGCHLD unblocked, for ppoll */
	size_t children;
	struct notify_store store;
};

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static void
add_id(unsigned **v, size_t *n, const char *arg, int group)
{
	unsigned id;

	if (arg_id(arg, group, &id) < 0)
		errx(2, "--allow-%s %s: no such %s", group ? "gid" : "uid", arg_show(arg),
		    group ? "group" : "user");
	*v = xrealloc(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = id;
}

static void
parse_at(struct opts *o, const char *arg)
{
	size_t cap = 0, i, j;

	free(o->at);
	o->at = NULL;
	o->nat = 0;
	if (arg_fds(arg, &o->at, &o->nat, &cap, NULL) < 0)
		errx(2, "--at %s: not a list of descriptor numbers", arg_show(arg));
	for (i = 0; i < o->nat; i++)
		for (j = 0; j < i; j++)
			if (o->at[i] == o->at[j])
				errx(2, "--at %s: %d is given twice", arg_show(arg), o->at[i]);
}

static void
parse_fdname(struct opts *o, char *arg)
{
	char *p, *save = NULL;

	if (!arg_fdnames_ok(arg))
		errx(2, "--fdname %s: a name is 1 to 255 printable characters without ':'", arg_show(arg));
	o->nfdnames = 0;
	for (p = strtok_r(arg, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		o->fdnames = xrealloc(o->fdnames, o->nfdnames + 1, sizeof(char *));
		o->fdnames[o->nfdnames++] = p;
	}
}

static void
set_output(struct opts *o, enum output out, const char *opt)
{
	static const char *given;

	if (o->out != OUT_HUMAN && o->out != out)
		errx(2, "cannot use %s with %s", opt, given);
	o->out = out;
	given = opt;
}

/* pid:PID is one message, taken at once: nothing to listen with or on. */
static void
check_pid_opts(const struct opts *o)
{
	const char *bad = o->connect ? "-c" : o->mode >= 0 ? "-m" : o->count_set ? "-n" :
	    o->notify ? "--notify" : o->type ? "-t" : NULL;

	if (bad)
		errx(2, "%s: %s cannot be used with pid:", o->name, bad);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	unsigned long v;
	struct arg_scan scan = { argc, argv, 1, NULL, NULL, NULL, 0, "" };
	int c;

	o->count = 1;
	o->mode = -1;
	o->timeout_ms = -1;
	o->max_fds = -1;
	o->expect = -1;
	while ((c = arg_next(&scan, options)) != ARG_END) {
		switch (c) {
		case 'c':
			o->connect = 1;
			break;
		case 'n':
			if (arg_uint(scan.value, INT_MAX, &o->count) < 0)
				errx(2, "-n %s: not a count", arg_show(scan.value));
			o->count_set = 1;
			break;
		case 'p':
			set_output(o, OUT_PAYLOAD, "-p");
			break;
		case 'C':
			set_output(o, OUT_CAT, "-C");
			break;
		case 'j':
			set_output(o, OUT_JSON, "-j");
			break;
		case 't':
			if (arg_type(scan.value, &o->type) < 0)
				errx(2, "-t %s: not stream, seqpacket or dgram", arg_show(scan.value));
			break;
		case 'm':
			if (arg_mode(scan.value, &o->mode) < 0)
				errx(2, "-m %s: not an octal mode of at most 0777", arg_show(scan.value));
			break;
		case 'w':
			if (arg_seconds(scan.value, &o->wait_ms) < 0)
				errx(2, "-w %s: not a number of seconds", arg_show(scan.value));
			o->wait_set = 1;
			break;
		case OPT_ALLOW_UID:
			add_id(&o->uids, &o->nuids, scan.value, 0);
			break;
		case OPT_ALLOW_GID:
			add_id(&o->gids, &o->ngids, scan.value, 1);
			break;
		case OPT_MAX_FDS:
			if (arg_uint(scan.value, INT_MAX, &v) < 0)
				errx(2, "--max-fds %s: not a count", arg_show(scan.value));
			o->max_fds = (long)v;
			break;
		case OPT_EXPECT:
			if (arg_uint(scan.value, INT_MAX, &v) < 0)
				errx(2, "--expect %s: not a count", arg_show(scan.value));
			o->expect = (long)v;
			break;
		case OPT_AT:
			parse_at(o, scan.value);
			break;
		case OPT_FDNAME:
			parse_fdname(o, scan.value);
			break;
		case OPT_NOTIFY:
			o->notify = 1;
			break;
		case 'T':
			if (arg_seconds(scan.value, &o->timeout_ms) < 0)
				errx(2, "-T %s: not a number of seconds", arg_show(scan.value));
			o->timeout_arg = scan.value;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs("\n", stdout);
			fputs(help_text, stdout);
			exit(0);
		case 'V':
			puts("fdrecv " VERSION);
			exit(0);
		default:
			errx(2, "%s (see 'fdrecv -h')", arg_error(&scan, c));
		}
	}
	argv += scan.ind;
	argc -= scan.ind;
	if (argc < 1)
		usage();
	o->socket = argv[0];
	o->name = strdup(arg_show(o->socket));
	if (!o->name)
		err(1, "out of memory");
	if (argc > 1) {
		if (strcmp(argv[1], "--") != 0)
			errx(2, "%s: unexpected operand (a COMMAND follows --)", arg_show(argv[1]));
		if (argc < 3)
			errx(2, "-- needs a COMMAND");
		set_output(o, OUT_COMMAND, "COMMAND");
		o->command = argv + 2;
	}
	if ((o->nat || o->nfdnames) && o->out != OUT_COMMAND)
		errx(2, "%s needs a COMMAND", o->nat ? "--at" : "--fdname");
	if (o->wait_set && !o->connect)
		errx(2, "-w needs -c");
	if (pidsrc_parse(o->socket, &o->src) < 0)
		errx(2, "%s: not pid:PID or pid:PID:FD[,FD...]", o->name);
	if (o->src.pid)
		check_pid_opts(o);
	if (o->connect && o->mode >= 0)
		errx(2, "-m needs a socket that fdrecv creates, not -c");
	if (o->connect && o->type == SOCK_DGRAM)
		errx(2, "-c needs a stream or seqpacket socket, not dgram");
	if (o->notify) {
		if (o->connect)
			errx(2, "--notify cannot be used with -c");
		if (o->out == OUT_CAT)
			errx(2, "cannot use -C with --notify");
		if (o->type && o->type != SOCK_DGRAM)
			errx(2, "--notify needs a dgram socket, not -t %s", fdp_type_name(o->type));
		o->type = SOCK_DGRAM;
	}
}

static int
allowed(const struct opts *o, int known, uid_t uid, gid_t gid)
{
	size_t i;

	if (!o->nuids && !o->ngids)
		return 1;
	if (!known)
		return 0;
	for (i = 0; i < o->nuids; i++)
		if (o->uids[i] == uid)
			return 1;
	for (i = 0; i < o->ngids; i++)
		if (o->gids[i] == gid)
			return 1;
	return 0;
}

static void
refuse(struct run *r, size_t nfds)
{
	if (r->has_peer)
		warnx("%s: refused peer pid %d uid %u gid %u%s", r->o->name, (int)r->pid,
		    (unsigned)r->uid, (unsigned)r->gid, nfds ? "; its descriptors were closed" : "");
	else
		warnx("%s: refused a peer with unknown credentials", r->o->name);
}

/* Say what failed, naming the socket and the step. */
static void
complain(struct run *r, const char *what)
{
	if (errno == ETIMEDOUT && r->o->timeout_arg)
		warnx("%s: %s: timed out after %s seconds", r->o->name, what, r->o->timeout_arg);
	else
		warnx("%s: %s: %s", r->o->name, what, strerror(errno));
	r->status = 1;
}

static void
report_child(struct run *r, pid_t pid, int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	if (WIFEXITED(st))
		warnx("%s (pid %d) exited with status %d", r->o->command[0], (int)pid, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		warnx("%s (pid %d) was killed by signal %d", r->o->command[0], (int)pid, WTERMSIG(st));
	r->status = 1;
}

static void
reap(struct run *r, int flags)
{
	pid_t pid;
	int st;

	while (r->children > 0 && (pid = waitpid(-1, &st, flags)) > 0) {
		r->children--;
		report_child(r, pid, st);
	}
}

static void
on_sigchld(int sig)
{
	(void)sig; /* only here to interrupt ppoll */
}

/*
 * When forking a COMMAND per message, wait for the next one with SIGCHLD
 * unblocked only inside ppoll, so a child's end is reported as soon as it
 * happens and never lost between a check and the wait.
 */
static int
wait_ready(struct run *r, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts, *tp = NULL;

	if (!r->forking)
		return 0;
	if (r->o->timeout_ms >= 0) {
		ts.tv_sec = r->o->timeout_ms / 1000;
		ts.tv_nsec = (long)(r->o->timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	for (;;) {
		int n = ppoll(&p, 1, tp, &r->waitmask);

		reap(r, WNOHANG);
		if (n > 0)
			return 0;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static void
end_conn(struct run *r)
{
	if (r->conn >= 0 && r->conn_ours)
		close(r->conn);
	r->conn = -1;
	r->conn_msgs = 0;
}

/* A connection to take messages from: -c connects, a listener accepts, a
 * dgram socket or a connected fd:N is used as it is. */
static int
open_conn(struct run *r)
{
	const struct opts *o = r->o;

	r->has_peer = 0;
	if (o->connect) {
		r->type = o->type;
		r->conn = fdp_connect(&r->a, &r->type, o->wait_ms, o->timeout_ms);
		if (r->conn < 0) {
			complain(r, "connect");
			return -1;
		}
		r->conn_ours = 1;
		if (r->type == SOCK_DGRAM) {
			warnx("%s: -c needs a stream or seqpacket socket, not dgram", o->name);
			exit(2);
		}
	} else if (r->l.listening) {
		if (wait_ready(r, r->l.fd) < 0 ||
		    (r->conn = fdp_accept(r->l.fd, o->timeout_ms)) < 0) {
			complain(r, "accept");
			return -1;
		}
		r->conn_ours = 1;
	} else {
		r->conn = r->l.fd;
		r->conn_ours = 0;
	}
	if (r->type != SOCK_DGRAM &&
	    fdp_peercred(r->conn, &r->pid, &r->uid, &r->gid) == 0 && r->pid > 0) {
		r->has_peer = 1;
		if (r->want_comm) {
			describe_comm(r->pid, r->comm, sizeof(r->comm));
			describe_peer(r->conn, r->pid, &r->id);
		}
	}
	return 0;
}

/*
 * The next whole message: 1 when m holds one, 0 when no more will come,
 * -1 when the run must end (reported), 2 for a message that failed
 * (reported; it counts, and the run goes on).
 */
static int
next_message(struct run *r, struct fdp_msg *m)
{
	const struct opts *o = r->o;

	for (;;) {
		int got;

		if (r->conn < 0) {
			if (open_conn(r) < 0)
				return -1;
			/* A refused stream peer is never read: closing the
			 * connection closes whatever it had sent. */
			if (r->type != SOCK_DGRAM && !allowed(o, r->has_peer, r->uid, r->gid)) {
				refuse(r, 0);
				end_conn(r);
				/* A server we chose to connect to will not change. */
				if (o->connect || !r->l.listening) {
					r->status = 1;
					return -1;
				}
				continue;
			}
		}
		if (wait_ready(r, r->conn) < 0) {
			complain(r, "receive");
			return -1;
		}
		got = fdp_recv(r->conn, r->type, m, o->timeout_ms);
		if (got < 0 && errno == EBADMSG) {
			if (m->lost == MSG_CTRUNC)
				warnx("%s: message truncated: descriptors were lost; the %zu that "
				    "arrived were closed (is the open files limit too low?)",
				    o->name, m->closed);
			else
				warnx("%s: message truncated: a record longer than %d bytes; "
				    "its %zu descriptors were closed", o->name, FDP_DGRAM_MAX, m->closed);
			r->status = 1;
			if (r->type == SOCK_STREAM)
				end_conn(r);
			return 2;
		}
		if (got < 0) {
			/* A timeout ends the run; a peer that failed mid-message
			 * ends only its connection, unless it was the only one. */
			int fatal = errno == ETIMEDOUT || !r->l.listening;

			complain(r, "receive");
			end_conn(r);
			return fatal ? -1 : 2;
		}
		if (got == 0) {
			/* The peer closed without a message: a probe, or a
			 * client that gave up. On a connection of our own
			 * choosing, that is the end. */
			int had = r->conn_msgs;

			end_conn(r);
			if (r->l.listening)
				continue;
			if (o->connect && had)
				continue;
			return 0;
		}
		r->conn_msgs++;
		if (r->type == SOCK_DGRAM) {
			r->has_peer = m->has_cred;
			r->pid = m->pid;
			r->uid = m->uid;
			r->gid = m->gid;
			if (r->want_comm)
				describe_comm(r->has_peer ? r->pid : 0, r->comm, sizeof(r->comm));
			if (!allowed(o, r->has_peer, r->uid, r->gid)) {
				refuse(r, m->nfds);
				fdp_msg_clear(m);
				continue;
			}
		}
		if (r->type == SOCK_STREAM)
			end_conn(r);
		return 1;
	}
}

static int
check_count(struct run *r, struct fdp_msg *m)
{
	const struct opts *o = r->o;

	if (o->max_fds >= 0 && m->nfds > (size_t)o->max_fds) {
		warnx("%s: refused a message with %zu descriptors (--max-fds %ld); closed them",
		    o->name, m->nfds, o->max_fds);
		goto bad;
	}
	if (o->expect >= 0 && m->nfds != (size_t)o->expect) {
		warnx("%s: expected %ld descriptor%s, %zu arrived; closed them",
		    o->name, o->expect, o->expect == 1 ? "" : "s", m->nfds);
		goto bad;
	}
	return 0;
bad:
	fdp_msg_clear(m);
	r->status = 1;
	return -1;
}

static void
flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "write standard output");
}

/*
 * Run COMMAND with fds: in place (the default count of 1) or in a child.
 * Names and --at positions must match the descriptors one for one (a single
 * --fdname names them all); otherwise nothing is run.
 */
static void
run_command(struct run *r, int *fds, size_t nfds, char **names, const char *msg, size_t len)
{
	const struct opts *o = r->o;
	char **nm = names;
	struct handoff h = { fds, nfds, o->at, NULL, msg, len };
	pid_t pid;
	size_t i;

	if (o->nat && o->nat != nfds) {
		warnx("%s: --at gives %zu positions for %zu descriptors; %s not run",
		    o->name, o->nat, nfds, o->command[0]);
		goto fail;
	}
	if (o->nfdnames == 1) {
		nm = xrealloc(NULL, nfds, sizeof(char *));
		for (i = 0; i < nfds; i++)
			nm[i] = o->fdnames[0];
	} else if (o->nfdnames) {
		if (o->nfdnames != nfds) {
			warnx("%s: --fdname gives %zu names for %zu descriptors; %s not run",
			    o->name, o->nfdnames, nfds, o->command[0]);
			goto fail;
		}
		nm = o->fdnames;
	}
	h.names = nm;

	if (r->forking) {
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			warn("fork");
			goto fail;
		}
		if (pid > 0) {
			r->children++;
			if (nm != names && nm != o->fdnames)
				free(nm);
			return;
		}
	} else {
		/* In place: fdrecv's socket file and sockets go first. */
		fdp_unbind(&r->l);
		if (r->conn >= 0 && r->conn_ours)
			close(r->conn);
		if (r->l.fd > 2)
			close(r->l.fd);
		flush_stdout();
	}
	proc_signals_restore();
	if (handoff_prepare(&h) < 0) {
		warn("%s: cannot hand over the descriptors", o->command[0]);
		_exit(1);
	}
	execvp(o->command[0], o->command);
	warn("%s", o->command[0]);
	_exit(errno == ENOENT ? 127 : 126);
fail:
	r->status = 1;
	if (!r->forking)
		exit(1);
}

static int
cat_all(struct run *r, const struct fdp_msg *m)
{
	size_t i;

	flush_stdout();
	for (i = 0; i < m->nfds; i++) {
		int outerr;

		if (cat_fd(m->fds[i], 1, r->o->timeout_ms, &outerr) == 0)
			continue;
		if (outerr)
			err(1, "write standard output");
		if (errno == ETIMEDOUT && r->o->timeout_arg)
			warnx("fd %d [%zu]: copy: timed out after %s seconds", m->fds[i], i,
			    r->o->timeout_arg);
		else if (errno == EBADF)
			warnx("fd %d [%zu]: copy: not open for reading", m->fds[i], i);
		else
			warn("fd %d [%zu]: copy", m->fds[i], i);
		r->status = 1;
		return -1;
	}
	return 0;
}

static struct report
report_of(const struct run *r, const struct fdp_msg *m, char **names)
{
	return (struct report){ m->data, m->len, m->fds, m->nfds, names,
		r->has_peer, r->pid, r->uid, r->gid, r->comm, &r->id,
		r->src != NULL, r->src ? r->src->from : NULL };
}

static void
deliver(struct run *r, struct fdp_msg *m, char **names)
{
	struct report rep = report_of(r, m, names);

	if (r->o->verbose)
		report_human(stderr, &rep);
	switch (r->o->out) {
	case OUT_COMMAND:
		run_command(r, m->fds, m->nfds, names, m->data, m->len);
		return;
	case OUT_PAYLOAD:
		if (!fdp_payload_empty(m->data, m->len))
			fwrite(m->data, 1, m->len, stdout);
		break;
	case OUT_CAT:
		cat_all(r, m);
		break;
	case OUT_JSON:
		report_json(stdout, &rep);
		break;
	case OUT_HUMAN:
		report_human(stdout, &rep);
		break;
	}
	flush_stdout();
}

/*
 * --notify: report each datagram, keep descriptors sent with FDSTORE=1
 * under their FDNAME, and count READY=1, which runs COMMAND with all that
 * is kept. Returns 1 for READY=1.
 */
static int
notify_datagram(struct run *r, struct fdp_msg *m)
{
	struct notify_fields f;
	char **names = NULL, *name = NULL;
	size_t i;
	int keep;

	notify_parse(m->data, m->len, &f);
	keep = f.fdstore && m->nfds > 0;
	if (keep) {
		/* systemd's name for descriptors stored without one. */
		name = f.fdname ? strndup(f.fdname, f.fdname_len) : strdup("stored");
		if (!name)
			err(1, "out of memory");
		if (!arg_fdname_ok(name, strlen(name))) {
			warnx("%s: FDNAME=%s: not a valid name; %zu descriptor%s closed",
			    r->o->name, arg_show(name), m->nfds, m->nfds == 1 ? "" : "s");
			fdp_close_all(m->fds, m->nfds);
			m->nfds = 0;
			r->status = 1;
			keep = 0;
		} else {
			names = xrealloc(NULL, m->nfds, sizeof(char *));
			for (i = 0; i < m->nfds; i++)
				names[i] = name;
		}
	}
	if (r->o->out != OUT_COMMAND) {
		deliver(r, m, names);
	} else if (r->o->verbose) {
		struct report rep = report_of(r, m, names);

		report_human(stderr, &rep);
	}
	if (keep) {
		if (notify_store_add(&r->store, m->fds, m->nfds, name, strlen(name)) < 0)
			err(1, "out of memory");
		m->nfds = 0; /* the store has them now */
	} else if (m->nfds) {
		/* BARRIER=1 comes with a pipe whose closing is the answer. */
		if (!f.barrier)
			warnx("%s: %zu descriptor%s without FDSTORE=1; closed", r->o->name,
			    m->nfds, m->nfds == 1 ? "" : "s");
		fdp_close_all(m->fds, m->nfds);
		m->nfds = 0;
	}
	free(names);
	free(name);
	/* As systemd does, FDSTOREREMOVE=1 needs the FDNAME it removes. */
	if (f.fdstoreremove && f.fdname)
		notify_store_remove(&r->store, f.fdname, f.fdname_len);
	if (!f.ready)
		return 0;
	if (r->o->out == OUT_COMMAND)
		run_command(r, r->store.fds, r->store.n, r->store.names, m->data, m->len);
	return 1;
}

/*
 * pid:PID[:FD,...]: the process's descriptors, taken at once, make the one
 * message, handled as a received one. The process is named as the peer.
 */
static void
take_from_pid(struct run *r, struct pidsrc *src, struct fdp_msg *m)
{
	const struct opts *o = r->o;

	/* Closed standard descriptors would be taken by the duplicates. */
	if (proc_check_fds(NULL, 0) == -2)
		err(1, "checking descriptors");
	proc_cleanup(&r->l);
	r->conn = -1;
	if (pidsrc_take(src, m, &r->id) < 0) {
		if (src->bad_fd >= 0)
			warnx("%s: fd %d: %s", o->name, src->bad_fd, pidsrc_error(src));
		else
			warnx("%s: %s", o->name, pidsrc_error(src));
		r->status = 1;
		return;
	}
	r->src = src;
	r->has_peer = 1;
	r->pid = src->pid;
	r->uid = src->uid[1];
	r->gid = src->gid[1];
	snprintf(r->comm, sizeof(r->comm), "%s", src->comm);
	if (!allowed(o, 1, r->uid, r->gid)) {
		refuse(r, m->nfds);
		fdp_msg_clear(m);
		r->status = 1;
		return;
	}
	if (check_count(r, m) == 0)
		deliver(r, m, NULL);
	fdp_msg_clear(m);
}

static void
setup(struct run *r)
{
	const struct opts *o = r->o;
	long bad;

	proc_addr(o->socket, &r->a);
	/* Reading /proc/PID/comm costs a file open per peer: only when shown. */
	r->want_comm = o->verbose || o->out == OUT_HUMAN || o->out == OUT_JSON;
	if (r->a.fd >= 0 && o->connect)
		errx(2, "%s: -c cannot be used with an inherited socket", o->name);
	if (r->a.fd >= 0 && o->mode >= 0)
		errx(2, "%s: -m needs a socket path, not an inherited socket", o->name);
	if (r->a.abstract && o->mode >= 0)
		errx(2, "%s: -m needs a socket path; abstract names have no permissions", o->name);

	/* Closed standard descriptors would be taken by received ones. */
	bad = proc_check_fds(NULL, 0);
	if (bad == -2)
		err(1, "checking descriptors");
	proc_cleanup(&r->l);
	r->conn = -1;
	if (o->connect)
		return;
	proc_listen(o->name, &r->a, o->type ? o->type : SOCK_STREAM, o->mode, &r->l);
	r->type = r->l.type;
	if (o->notify && r->type != SOCK_DGRAM)
		errx(2, "%s: --notify needs a dgram socket", o->name);
	if (o->out == OUT_COMMAND && o->count != 1) {
		struct sigaction sa = { .sa_handler = on_sigchld };
		sigset_t chld;

		r->forking = 1;
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_BLOCK, &chld, &r->waitmask);
		sigdelset(&r->waitmask, SIGCHLD);
		sigaction(SIGCHLD, &sa, NULL);
	}
}

int
main(int argc, char **argv)
{
	/* static: the listener must outlive main for the exit-time cleanup. */
	static struct run r;
	struct opts o = { 0 };
	struct fdp_msg m = { 0 };
	unsigned long handled = 0;

	parse_args(argc, argv, &o);
	if (o.verbose)
		proc_stderr();
	r.o = &o;
	if (o.src.pid) {
		/* The one message of pid:, instead of any received. */
		take_from_pid(&r, &o.src, &m);
		handled = o.count;
	} else {
		setup(&r);
	}

	while (o.count == 0 || handled < o.count) {
		int got = next_message(&r, &m);

		if (got == 0) {
			if (o.count && handled < o.count) {
				warnx("%s: the peer closed after %lu message%s", o.name, handled,
				    handled == 1 ? "" : "s");
				r.status = 1;
			}
			break;
		}
		if (got < 0)
			break;
		if (got == 2) {
			handled++;
			continue;
		}
		if (o.notify) {
			handled += (unsigned long)notify_datagram(&r, &m);
			continue;
		}
		handled++;
		if (check_count(&r, &m) == 0)
			deliver(&r, &m, NULL);
		fdp_msg_clear(&m);
	}
	end_conn(&r);
	fdp_msg_free(&m);
	notify_store_free(&r.store);
	if (r.forking)
		reap(&r, 0);
	free(o.uids);
	free(o.gids);
	free(o.at);
	free(o.fdnames);
	free((char *)o.name);
	pidsrc_free(&o.src);
	return r.status;
}
