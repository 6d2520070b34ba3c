/*
 * fdrecv: receive file descriptors and a message over an AF_UNIX socket,
 * then report what arrived or hand it to a command.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdint.h>
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
#include "out.h"
#include "pidsrc.h"
#include "proc.h"
#include "report.h"
#include "serve.h"

static const char usage_text[] =
    "usage: fdrecv [-CchjpVv] [-m MODE] [-n COUNT] [-T SECONDS] [-t TYPE]\n"
    "              [-w SECONDS] [--allow-gid GID] [--allow-uid UID] [--at N[,N...]]\n"
    "              [--env STYLE] [--expect N] [--fdname NAME[:NAME...]]\n"
    "              [--max-children N] [--max-conns N] [--max-fds N]\n"
    "              [--max-size BYTES] [--notify] [--strict] SOCKET\n"
    "              [-- COMMAND [ARG ...]]\n"
    "       fdrecv [-v] [-m MODE] [--at N[,N...]] [--env STYLE]\n"
    "              [--fdname NAME[:NAME...]] -b ADDR[=NAME] ... -- COMMAND [ARG ...]\n";

static const char help_text[] =
    "Receive file descriptors and a message over an AF_UNIX socket.\n"
    "\n"
    "SOCKET is a path, @NAME (abstract) or fd:N (an inherited socket);\n"
    "pid:PID[:FD,...] takes the descriptors of a running process instead.\n"
    "Without COMMAND, report what arrived; with it, run COMMAND with the\n"
    "descriptors at 3, 4, ... and LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES set.\n"
    "With -b, make the sockets to hand to COMMAND instead of receiving.\n"
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
    "      --expect N         refuse a message without exactly N descriptors\n"
    "      --max-size BYTES   refuse a message longer than BYTES (K, M, G; 16M)\n"
    "      --max-conns N      peers served at once (default 32)\n"
    "      --max-children N   with COMMAND: commands run at once (default 32)\n"
    "      --strict           take a stream message only if ended by shutdown(2)\n"
    "      --at N[,N...]      with COMMAND: put the descriptors at these numbers\n"
    "      --fdname NAME[:NAME...]  with COMMAND: names for LISTEN_FDNAMES\n"
    "      --env STYLE        with COMMAND: systemd, nginx, einhorn or systemfd\n"
    "  -b, --bind ADDR[=NAME]  with COMMAND and no SOCKET: create a socket and\n"
    "                         hand it over (tcp:HOST:PORT, unix:PATH, ...)\n"
    "      --notify           act as a systemd notify socket\n"
    "  -T, --timeout SECONDS  drop a peer whose message takes longer\n"
    "  -v, --verbose          describe what arrived on standard error\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n";

enum {
	OPT_ALLOW_UID = 256, OPT_ALLOW_GID, OPT_MAX_FDS, OPT_EXPECT, OPT_AT, OPT_FDNAME,
	OPT_NOTIFY, OPT_MAX_SIZE, OPT_MAX_CONNS, OPT_MAX_CHILDREN, OPT_STRICT, OPT_ENV,
};

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
	{ "max-size", OPT_MAX_SIZE, 1 },
	{ "max-conns", OPT_MAX_CONNS, 1 },
	{ "max-children", OPT_MAX_CHILDREN, 1 },
	{ "strict", OPT_STRICT, 0 },
	{ "bind", 'b', 1 },
	{ "env", OPT_ENV, 1 },
	{ "timeout", 'T', 1 },
	{ "verbose", 'v', 0 },
	{ "help", 'h', 0 },
	{ "version", 'V', 0 },
	{ NULL, 0, 0 },
};

enum output { OUT_HUMAN, OUT_PAYLOAD, OUT_CAT, OUT_JSON, OUT_COMMAND };

/* The bounds that apply unless an option says otherwise (fdrecv(1)). */
#define DEFAULT_MAX_CONNS 32
#define DEFAULT_MAX_CHILDREN 32
#define DEFAULT_STORE_MAX 1024

struct opts {
	enum output out;
	int connect, verbose, notify, strict;
	unsigned long count;
	int type, mode;
	int wait_ms, wait_set, timeout_ms;
	const char *timeout_arg;
	struct allow allow;
	long max_fds, expect;
	size_t max_size, max_conns, max_children;
	const char *max_size_arg;
	int max_children_set;
	int *at;
	size_t nat;
	char **fdnames;
	size_t nfdnames;
	const char *socket;
	const char *name;       /* SOCKET as messages show it */
	struct pidsrc src;      /* SOCKET is pid:PID[:FD,...] when src.pid is set */
	int count_set;
	char **command;
	char **bind_args;       /* -b, as given */
	struct fdp_bind *binds;
	size_t nbinds;
	int env, env_set;       /* --env: enum handoff_env */
};

/* Where messages come from, and what has been kept. */
struct run {
	const struct opts *o;
	struct fdp_addr a;
	struct fdp_listener l;
	struct serve s;
	struct notify_store store;
	int *watch;             /* the store's descriptors the loop watches */
	size_t watchcap;
	char notify[FDP_SUN_PATH_MAX + 4096]; /* NOTIFY_SOCKET for COMMAND, or "" */
};

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static void
add_id(struct allow *a, const char *arg, int group)
{
	if (arg_allow(a, arg, group) < 0)
		errx(2, "--allow-%s %s: no such %s", group ? "gid" : "uid", arg_show(arg),
		    group ? "group" : "user");
}

static void
parse_at(struct opts *o, const char *arg)
{
	struct arg_fdlist l = { 0 };
	size_t i, j;

	if (arg_fds(arg, &l, NULL) < 0)
		errx(2, "--at %s: not a list of descriptor numbers", arg_show(arg));
	free(o->at);
	o->at = l.v;
	o->nat = l.n;
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

/* A count of at least 1, for the bounds. */
static size_t
positive(const char *opt, const char *arg)
{
	unsigned long v;

	if (arg_uint(arg, INT_MAX, &v) < 0 || v == 0)
		errx(2, "%s %s: not a count of at least 1", opt, arg_show(arg));
	return v;
}

/* pid:PID is one message, taken at once: nothing to listen with or on. */
static void
check_pid_opts(const struct opts *o)
{
	const char *bad = o->connect ? "-c" : o->mode >= 0 ? "-m" : o->count_set ? "-n" :
	    o->notify ? "--notify" : o->type ? "-t" : o->strict ? "--strict" : NULL;

	if (bad)
		errx(2, "%s: %s cannot be used with pid:", o->name, bad);
}

/* --env: what each style can say. */
static void
check_env(const struct opts *o)
{
	size_t i;

	if (o->nfdnames && !HANDOFF_NAMES(o->env))
		errx(2, "--fdname: --env %s has no descriptor names",
		    o->env == HANDOFF_NGINX ? "nginx" : "einhorn");
	/* LISTEN_FDS_FIRST_FD says where the run of descriptors begins. */
	for (i = 1; o->env == HANDOFF_SYSTEMFD && i < o->nat; i++)
		if (o->at[i] != o->at[i - 1] + 1)
			errx(2, "--env systemfd needs consecutive --at numbers, in order");
}

/*
 * fdrecv -b ADDR ... -- COMMAND: no SOCKET, nothing received; the sockets
 * made are handed to COMMAND (systemd-socket-activate's work).
 */
static void
parse_bind_mode(struct opts *o, int argc, char **argv, int dashes, const char *receiving)
{
	size_t i;

	if (argc > 0 && !dashes)
		errx(2, "%s: -b takes no SOCKET (COMMAND follows --)", arg_show(argv[0]));
	if (argc < 1)
		errx(2, "-b needs -- COMMAND");
	if (receiving[0])
		errx(2, "%s cannot be used with -b", arg_show(receiving));
	for (i = 0; i < o->nbinds && o->mode >= 0; i++)
		if (o->binds[i].family == AF_UNIX && !o->binds[i].un.abstract)
			break;
	if (o->mode >= 0 && i == o->nbinds)
		errx(2, "-m needs a -b unix:PATH (abstract names have no permissions)");
	o->name = strdup("-b");
	if (!o->name)
		err(1, "out of memory");
	o->out = OUT_COMMAND;
	o->command = argv;
	check_env(o);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	unsigned long v;
	struct arg_scan scan = { argc, argv, 1, NULL, NULL, NULL, 0, "", 0 };
	char receiving[128] = "";
	int c;

	o->count = 1;
	o->mode = -1;
	o->timeout_ms = -1;
	o->max_fds = -1;
	o->expect = -1;
	o->max_size = FDP_MAX_SIZE;
	o->max_size_arg = FDP_MAX_SIZE_ARG;
	o->max_conns = DEFAULT_MAX_CONNS;
	o->max_children = DEFAULT_MAX_CHILDREN;
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
			add_id(&o->allow, scan.value, 0);
			break;
		case OPT_ALLOW_GID:
			add_id(&o->allow, scan.value, 1);
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
		case OPT_MAX_SIZE:
			o->max_size = proc_max_size(scan.value);
			o->max_size_arg = scan.value;
			break;
		case OPT_MAX_CONNS:
			o->max_conns = positive("--max-conns", scan.value);
			break;
		case OPT_MAX_CHILDREN:
			o->max_children = positive("--max-children", scan.value);
			o->max_children_set = 1;
			break;
		case OPT_STRICT:
			o->strict = 1;
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
		case 'b':
			o->binds = xrealloc(o->binds, o->nbinds + 1, sizeof(*o->binds));
			o->bind_args = xrealloc(o->bind_args, o->nbinds + 1, sizeof(char *));
			proc_bind_parse(scan.value, &o->binds[o->nbinds]);
			o->bind_args[o->nbinds++] = scan.value;
			break;
		case OPT_ENV:
			o->env = handoff_env(scan.value);
			if (o->env < 0)
				errx(2, "--env %s: not systemd, nginx, einhorn or systemfd",
				    arg_show(scan.value));
			o->env_set = 1;
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
			out_exit(0);
		case 'V':
			puts("fdrecv " VERSION);
			out_exit(0);
		default:
			errx(2, "%s (see 'fdrecv -h')", arg_error(&scan, c));
		}
		/* -b makes what it hands over: options about receiving, no. */
		if (c != 'b' && c != 'm' && c != 'v' && c != OPT_AT && c != OPT_FDNAME &&
		    c != OPT_ENV) {
			/* Copied by hand: snprintf would map most of the C
			 * library's code into every run for this one line. */
			size_t n = strnlen(scan.bad, sizeof(receiving) - 1);

			if (n > (size_t)scan.badlen)
				n = (size_t)scan.badlen;
			memcpy(receiving, scan.bad, n);
			receiving[n] = '\0';
		}
	}
	argv += scan.ind;
	argc -= scan.ind;
	if (o->nbinds) {
		parse_bind_mode(o, argc, argv, scan.ended, receiving);
		return;
	}
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
	if ((o->nat || o->nfdnames || o->env_set) && o->out != OUT_COMMAND)
		errx(2, "%s needs a COMMAND", o->nat ? "--at" : o->nfdnames ? "--fdname" : "--env");
	check_env(o);
	if (o->max_children_set && (o->out != OUT_COMMAND || o->count == 1))
		errx(2, "--max-children needs a COMMAND and a count other than 1");
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
		if (o->expect >= 0)
			errx(2, "--expect cannot be used with --notify");
		if (o->type && o->type != SOCK_DGRAM)
			errx(2, "--notify needs a dgram socket, not -t %s", fdp_type_name(o->type));
		o->type = SOCK_DGRAM;
	}
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
	struct handoff h = { fds, nfds, o->at, NULL, msg, len, o->env,
		o->notify && r->s.forking ? r->notify : NULL };
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

	if (r->s.forking) {
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			warn("fork");
			goto fail;
		}
		if (pid > 0) {
			serve_child(&r->s, pid);
			if (nm != names && nm != o->fdnames)
				free(nm);
			return;
		}
	} else {
		/* In place: fdrecv's socket file goes first; its sockets are
		 * close-on-exec. */
		fdp_unbind(&r->l);
		out_flush();
	}
	proc_signals_restore();
	if (handoff_prepare(&h) < 0) {
		warn("%s: cannot hand over the descriptors", o->command[0]);
		_exit(1);
	}
	proc_nofile_restore();
	execvp(o->command[0], o->command);
	warn("%s", o->command[0]);
	/* The sockets of -b go with the run that did not happen. */
	proc_binds_drop();
	_exit(errno == ENOENT ? 127 : 126);
fail:
	r->s.status = 1;
	if (!r->s.forking)
		exit(1);
}

static int
cat_all(struct run *r, const struct fdp_msg *m)
{
	size_t i;

	out_flush();
	for (i = 0; i < m->nfds; i++) {
		int outerr;

		if (cat_fd(m->fds[i], 1, r->o->timeout_ms, &outerr) == 0)
			continue;
		if (outerr)
			out_failed(errno);
		if (errno == ETIMEDOUT && r->o->timeout_arg)
			warnx("fd %d [%zu]: copy: timed out after %s", m->fds[i], i,
			    proc_seconds(r->o->timeout_arg));
		else if (errno == EBADF)
			warnx("fd %d [%zu]: copy: not open for reading", m->fds[i], i);
		else
			warn("fd %d [%zu]: copy", m->fds[i], i);
		r->s.status = 1;
		return -1;
	}
	return 0;
}

static struct report
report_of(const struct run *r, const struct serve_peer *p, const struct fdp_msg *m,
    char **names)
{
	const struct pidsrc *src = &r->o->src;

	return (struct report){ m->data, m->len, m->fds, m->nfds, names,
		p->known, p->pid, p->uid, p->gid, p->comm, p->id,
		src->pid != 0, src->pid ? src->from : NULL, m->ended };
}

static void
deliver(struct run *r, struct fdp_msg *m, const struct serve_peer *p, char **names)
{
	struct report rep = report_of(r, p, m, names);

	if (r->o->verbose)
		report_human(stderr, &rep);
	switch (r->o->out) {
	case OUT_COMMAND:
		run_command(r, m->fds, m->nfds, names, m->data, m->len);
		return;
	case OUT_PAYLOAD:
		out_write(m->data, m->len);
		return;
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
	out_flush();
}

/*
 * --notify: report each datagram, keep descriptors sent with FDSTORE=1
 * under their FDNAME, and count READY=1, which runs COMMAND with all that
 * is kept. A datagram refused (an invalid FDNAME, a full store) changes
 * nothing, its READY=1 included. Returns 1 for READY=1.
 */
static int
notify_datagram(struct run *r, struct fdp_msg *m, const struct serve_peer *p)
{
	const struct opts *o = r->o;
	size_t max = o->max_fds >= 0 ? (size_t)o->max_fds : DEFAULT_STORE_MAX;
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
			warnx("%s: refused a datagram from %s: FDNAME=%s is not a valid name; "
			    "closed its %zu descriptor%s", o->name, serve_peer_name(p),
			    arg_show(name), m->nfds, m->nfds == 1 ? "" : "s");
			free(name);
			return 0;
		}
		if (m->nfds > max || r->store.n > max - m->nfds) {
			warnx("%s: refused a datagram from %s: the store would hold more than "
			    "%zu descriptors; closed its %zu", o->name, serve_peer_name(p), max,
			    m->nfds);
			free(name);
			return 0;
		}
		names = xrealloc(NULL, m->nfds, sizeof(char *));
		for (i = 0; i < m->nfds; i++)
			names[i] = name;
	}
	if (o->out != OUT_COMMAND) {
		deliver(r, m, p, names);
	} else if (o->verbose) {
		struct report rep = report_of(r, p, m, names);

		report_human(stderr, &rep);
	}
	if (keep) {
		if (notify_store_add(&r->store, m->fds, m->nfds, name, strlen(name), f.fdpoll) < 0)
			err(1, "out of memory");
		m->nfds = 0; /* the store has them now */
	} else if (m->nfds) {
		/* BARRIER=1 comes with a pipe whose closing is the answer. */
		if (!f.barrier)
			warnx("%s: %zu descriptor%s without FDSTORE=1 from %s; closed", o->name,
			    m->nfds, m->nfds == 1 ? "" : "s", serve_peer_name(p));
		fdp_msg_clear(m);
	}
	free(names);
	free(name);
	/* As systemd does, FDSTOREREMOVE=1 needs the FDNAME it removes. */
	if (f.fdstoreremove && f.fdname)
		notify_store_remove(&r->store, f.fdname, f.fdname_len);
	if (!f.ready)
		return 0;
	/* What systemd would have dropped by now is not handed over. */
	if (notify_store_drop_hungup(&r->store) < 0)
		err(1, "poll");
	if (o->out == OUT_COMMAND)
		run_command(r, r->store.fds, r->store.n, r->store.names, m->data, m->len);
	return 1;
}

/* The store's descriptors, for the loop to see them hang up: as systemd
 * does, those stored without FDPOLL=0 are dropped when they do. */
static size_t
watch_store(struct serve *s, const int **fds)
{
	struct run *r = s->arg;
	size_t i;

	r->watch = xgrow(r->watch, &r->watchcap, r->store.n, sizeof(int));
	for (i = 0; i < r->store.n; i++)
		r->watch[i] = r->store.poll[i] ? r->store.fds[i] : -1;
	*fds = r->watch;
	return r->store.n;
}

static void
store_hung_up(struct serve *s)
{
	struct run *r = s->arg;
	long n = notify_store_drop_hungup(&r->store);

	if (n < 0)
		err(1, "poll");
	if (n > 0)
		warnx("%s: closed %ld stored descriptor%s that hung up", r->o->name, n,
		    n == 1 ? "" : "s");
}

/* A whole message that passed the loop's checks. */
static int
on_message(struct serve *s, struct fdp_msg *m, const struct serve_peer *p)
{
	struct run *r = s->arg;
	char **names;

	if (r->o->notify)
		return notify_datagram(r, m, p);
	/* The names a sender gave with the descriptors (FDP_GREETING). */
	if (fdp_msg_names(m, &names) < 0)
		err(1, "out of memory");
	deliver(r, m, p, names);
	free(names);
	return 1;
}

/*
 * pid:PID[:FD,...]: the process's descriptors, taken at once, are the one
 * message, handled as a received one, with the process as its peer.
 */
static int
take_from_pid(struct run *r)
{
	const struct opts *o = r->o;
	struct pidsrc *src = (struct pidsrc *)&o->src;
	struct fdp_msg m = { 0 };
	static struct serve_peer p;
	static struct proc_id id;
	char why[128];
	size_t n;

	/* Closed standard descriptors would be taken by the duplicates. */
	if (proc_check_fds(NULL, 0) == -2)
		err(1, "checking descriptors");
	proc_nofile_raise();
	p.id = &id;
	if (pidsrc_take(src, &m, p.id) < 0) {
		if (src->bad_fd >= 0)
			warnx("%s: fd %d: %s", o->name, src->bad_fd, pidsrc_error(src));
		else
			warnx("%s: %s", o->name, pidsrc_error(src));
		fdp_msg_free(&m);
		return 1;
	}
	p.known = 1;
	p.pid = src->pid;
	p.uid = src->uid[1];
	p.gid = src->gid[1];
	snprintf(p.comm, sizeof(p.comm), "%.*s", (int)sizeof(p.comm) - 1, src->comm);
	n = m.nfds;
	if (!allow_match(&o->allow, 1, p.uid, p.gid))
		snprintf(why, sizeof(why), "uid %u gid %u, not allowed by --allow-uid or "
		    "--allow-gid", (unsigned)p.uid, (unsigned)p.gid);
	else if (o->max_fds >= 0 && n > (size_t)o->max_fds)
		snprintf(why, sizeof(why), "more than --max-fds %ld", o->max_fds);
	else if (o->expect >= 0 && n != (size_t)o->expect)
		snprintf(why, sizeof(why), "not --expect %ld", o->expect);
	else
		why[0] = '\0';
	if (why[0]) {
		warnx("%s: refused the %zu descriptor%s of process pid %d: %s; closed them",
		    o->name, n, n == 1 ? "" : "s", (int)p.pid, why);
		fdp_msg_free(&m);
		return 1;
	}
	deliver(r, &m, &p, NULL);
	fdp_msg_free(&m);
	return r->s.status;
}

static void
setup(struct run *r)
{
	const struct opts *o = r->o;
	struct serve *s = &r->s;
	static char nonce[FDP_NONCE_LEN + 1];
	long bad;

	proc_addr(o->socket, &r->a);
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
	proc_nofile_raise();
	proc_cleanup(&r->l);
	/* A service ended by a signal has done what it was for. */
	if (o->count == 0)
		proc_signal_exit(0);
	fdp_nonce(nonce);

	*s = (struct serve){
		.name = o->name, .l = &r->l, .a = &r->a, .connect = o->connect,
		.type = o->type, .wait_ms = o->wait_ms, .count = o->count,
		.timeout_ms = o->timeout_ms, .timeout_arg = o->timeout_arg,
		.max_conns = o->max_conns, .max_size = o->max_size,
		.max_size_arg = o->max_size_arg, .max_children = o->max_children,
		.max_fds = o->notify ? -1 : o->max_fds, .expect = o->expect,
		.allow = &o->allow,
		.strict = o->strict,
		/* Reading /proc/PID/comm costs a file open per peer: only when shown. */
		.want_comm = o->verbose || o->out == OUT_HUMAN || o->out == OUT_JSON,
		.forking = o->out == OUT_COMMAND && o->count != 1,
		.command = o->command ? o->command[0] : NULL,
		.handle = on_message, .arg = r, .nonce = o->notify ? NULL : nonce,
		.watch = o->notify ? watch_store : NULL, .hung_up = store_hung_up,
	};
	if (o->connect)
		return;
	/* An inherited socket is taken as it is; a new one is a stream unless
	 * -t says otherwise. */
	proc_listen(o->name, &r->a, o->type ? o->type : r->a.fd >= 0 ? 0 : SOCK_STREAM,
	    o->mode, &r->l);
	if (o->notify && r->l.type != SOCK_DGRAM)
		errx(2, "%s: --notify needs a dgram socket", o->name);
	/* A COMMAND run while fdrecv goes on serving can notify it back; one
	 * run in its place keeps the NOTIFY_SOCKET fdrecv was given, since
	 * this socket goes away. */
	if (o->notify && o->out == OUT_COMMAND && o->count != 1 &&
	    handoff_notify_socket(r->l.fd, r->notify, sizeof(r->notify)) < 0) {
		/* An unnamed socket (fd:N of a socketpair) cannot be given:
		 * COMMAND then gets none, rather than the one fdrecv got. */
		if (errno != EDESTADDRREQ && errno != ENAMETOOLONG)
			err(1, "%s: the socket's address", o->name);
		warn("%s: COMMAND gets no NOTIFY_SOCKET", o->name);
		r->notify[0] = '\0';
	}
}

/*
 * -b: make the sockets, and run COMMAND with them in fdrecv's place. A
 * failure before COMMAND runs removes the socket files made.
 */
static int
bind_and_run(struct run *r)
{
	const struct opts *o = r->o;
	struct fdp_listener *l = xrealloc(NULL, o->nbinds, sizeof(*l));
	int *fds = xrealloc(NULL, o->nbinds, sizeof(int));
	char **names = NULL;
	size_t i;

	/* A closed standard descriptor would be taken by a socket. */
	if (proc_check_fds(NULL, 0) == -2)
		err(1, "checking descriptors");
	proc_bind_all(o->bind_args, o->binds, o->nbinds, o->mode, l);
	for (i = 0; i < o->nbinds; i++) {
		fds[i] = l[i].fd;
		if (o->binds[i].name && !names)
			names = xrealloc(NULL, o->nbinds, sizeof(char *));
	}
	for (i = 0; names && i < o->nbinds; i++)
		names[i] = (char *)o->binds[i].name;
	if (o->verbose) {
		/* They come from this process: say which, and what they are. */
		char comm[64];
		struct report rep = { "", 0, fds, o->nbinds, names, 1, getpid(), getuid(),
			getgid(), comm, NULL, 1, NULL, FDP_ENDED_UNKNOWN };

		describe_comm(getpid(), comm, sizeof(comm));
		report_human(stderr, &rep);
	}
	run_command(r, fds, o->nbinds, names, "", 0);
	return 1;
}

int
main(int argc, char **argv)
{
	/* static: the listener must outlive main for the exit-time cleanup. */
	static struct run r;
	struct opts o = { 0 };
	int status;

#ifdef M_MMAP_THRESHOLD
	/* A long message's buffer comes from mmap and goes back to the system
	 * when it is freed; glibc would otherwise raise the threshold after
	 * the first one and keep the next in its heap for good. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
	parse_args(argc, argv, &o);
	if (o.out != OUT_COMMAND)
		out_need(STDOUT_FILENO);
	if (o.verbose) {
		out_need(STDERR_FILENO);
		out_verbose();
	}
	r.o = &o;
	if (o.src.pid) {
		status = take_from_pid(&r);
	} else if (o.nbinds) {
		status = bind_and_run(&r);
	} else {
		setup(&r);
		status = serve_run(&r.s);
	}
	notify_store_free(&r.store);
	free(r.watch);
	allow_free(&o.allow);
	free(o.at);
	free(o.fdnames);
	free(o.binds);
	free(o.bind_args);
	free((char *)o.name);
	pidsrc_free(&o.src);
	return out_end(status);
}
