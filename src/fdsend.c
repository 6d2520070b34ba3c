/*
 * fdsend: send open file descriptors and a message over an AF_UNIX socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "describe.h"
#include "fdpass.h"
#include "notify.h"
#include "out.h"
#include "proc.h"
#include "report.h"

static const char usage_text[] =
    "usage: fdsend [-ehlrVv] [-b ADDR[=NAME]] [-f FD[=NAME]] [-i FILE] [-m MODE]\n"
    "              [-n COUNT] [-o PATH] [-T SECONDS] [-t TYPE] [-w SECONDS]\n"
    "              [--allow-gid GID] [--allow-uid UID] [--listen-fds]\n"
    "              [--max-size BYTES] [--no-barrier] [--notify] SOCKET [PART ...]\n";

static const char help_text[] =
    "Send open file descriptors and a message over an AF_UNIX socket.\n"
    "\n"
    "SOCKET is a path, @NAME (abstract) or fd:N (an inherited socket).\n"
    "The PARTs are concatenated into the message.\n"
    "\n"
    "  -f, --fd FD[=NAME]     send descriptor FD (N, N-M or N,M,...)\n"
    "  -o, --open PATH        open PATH read-only and send it\n"
    "  -b, --bind ADDR[=NAME]  create a socket and send it (tcp:HOST:PORT,\n"
    "                         tcp6:[ADDR]:PORT, udp:..., udp6:..., unix:PATH,\n"
    "                         unix-dgram:PATH, unix-seqpacket:PATH)\n"
    "      --listen-fds       send the descriptors of LISTEN_FDS\n"
    "  -e, --escapes          interpret \\\\ \\n \\t \\r \\0 \\xHH in the PARTs\n"
    "  -i, --input FILE       add the contents of FILE (- for standard input)\n"
    "  -t, --type TYPE        stream, seqpacket or dgram (default: try each)\n"
    "  -w, --wait SECONDS     retry while SOCKET is missing or refusing\n"
    "  -T, --timeout SECONDS  fail when any single step takes longer\n"
    "  -l, --listen           bind SOCKET and send to each peer that connects\n"
    "  -n, --count COUNT      with -l: peers to serve (0: until killed)\n"
    "  -m, --mode MODE        with -l or -b unix:PATH: permissions of the socket\n"
    "                         files (octal)\n"
    "  -r, --reply            copy the peer's reply to standard output\n"
    "      --max-size BYTES   with -r: the longest reply taken (K, M, G; 16M)\n"
    "      --allow-uid UID    send only to a receiver with this user (repeatable)\n"
    "      --allow-gid GID    send only to a receiver with this group (repeatable)\n"
    "      --notify           speak systemd's notify protocol\n"
    "      --no-barrier       with --notify: do not wait for the manager\n"
    "  -v, --verbose          describe what was sent on standard error\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n";

enum {
	OPT_LISTEN_FDS = 256, OPT_NOTIFY, OPT_NO_BARRIER, OPT_ALLOW_UID, OPT_ALLOW_GID,
	OPT_MAX_SIZE,
};

static const struct arg_opt options[] = {
	{ "fd", 'f', 1 },
	{ "open", 'o', 1 },
	{ "bind", 'b', 1 },
	{ "listen-fds", OPT_LISTEN_FDS, 0 },
	{ "escapes", 'e', 0 },
	{ "input", 'i', 1 },
	{ "type", 't', 1 },
	{ "wait", 'w', 1 },
	{ "timeout", 'T', 1 },
	{ "listen", 'l', 0 },
	{ "count", 'n', 1 },
	{ "reply", 'r', 0 },
	{ "mode", 'm', 1 },
	{ "max-size", OPT_MAX_SIZE, 1 },
	{ "allow-uid", OPT_ALLOW_UID, 1 },
	{ "allow-gid", OPT_ALLOW_GID, 1 },
	{ "notify", OPT_NOTIFY, 0 },
	{ "no-barrier", OPT_NO_BARRIER, 0 },
	{ "verbose", 'v', 0 },
	{ "help", 'h', 0 },
	{ "version", 'V', 0 },
	{ NULL, 0, 0 },
};

/* Where a list of up to 1024 descriptor numbers stays, costing no malloc:
 * static, so that only the pages a list uses are ever touched. */
static int fdbuf[1024];

/* Placeholders among the descriptor numbers, filled in by gather_fds. */
#define FD_OPEN -1              /* the next -o PATH */
#define FD_LISTEN -2            /* the descriptors of LISTEN_FDS */
#define FD_BIND -3              /* the socket of the next -b ADDR */

/* -f N-M=NAME: a name for the descriptors at fds[from..from+n-1]. */
struct named {
	size_t from, n;
	const char *name;
};

struct opts {
	struct arg_fdlist fds;  /* -f numbers and placeholders, in order */
	const char **opens;     /* -o paths, in order */
	size_t nopens;
	char **bind_args;       /* -b, as given, in order */
	struct fdp_bind *binds;
	size_t nbinds;
	struct fdp_listener *bound;     /* what they made */
	int named_binds;        /* some -b ADDR=NAME */
	struct named *named;
	size_t nnamed;
	const char **inputs;
	size_t ninputs;
	int escapes, listen, reply, notify, no_barrier, verbose;
	int type, mode;
	int wait_ms, timeout_ms;
	const char *timeout_arg;
	unsigned long count;
	int count_set;
	size_t max_size;
	const char *max_size_arg;
	struct allow allow;
	const char *socket;
	const char *name;       /* SOCKET as messages show it */
	char **parts;
	size_t nparts;
};

/* The message and its descriptors, as they will be sent. */
struct out {
	char *data;
	size_t len, dcap;
	int *fds;
	char **names;           /* with --notify: a name or NULL for each */
	size_t nfds, cap;
	int fds_own;            /* fds was allocated here */
	int named;
	char *namebuf;          /* LISTEN_FDNAMES, which names point into */
};

/* With names to send: the receiver took them (1), or is not fdrecv (0). */
enum { NAMES_NONE = -1, NAMES_LOST, NAMES_SENT };

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static void
parse_fd_option(struct opts *o, const char *arg)
{
	size_t from = o->fds.n;
	const char *name;

	if (arg_fds(arg, &o->fds, &name) < 0)
		errx(2, "-f %s: not a descriptor number, range or list", arg_show(arg));
	if (!name)
		return;
	if (!arg_fdname_ok(name, strlen(name)))
		errx(2, "-f %s: a name is 1 to 255 printable characters without ':'", arg_show(arg));
	o->named = xrealloc(o->named, o->nnamed + 1, sizeof(*o->named));
	o->named[o->nnamed++] = (struct named){ from, o->fds.n - from, name };
}

static void
add_placeholder(struct opts *o, int which)
{
	if (arg_fdlist_push(&o->fds, which) < 0)
		err(1, "out of memory");
}

/* Whether -b makes a socket file, which -m is for. */
static int
unix_path_bind(const struct opts *o)
{
	size_t i;

	for (i = 0; i < o->nbinds; i++)
		if (o->binds[i].family == AF_UNIX && !o->binds[i].un.abstract)
			return 1;
	return 0;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	struct arg_scan scan = { argc, argv, 1, NULL, NULL, NULL, 0, "", 0 };
	int c;

	o->wait_ms = 0;
	o->timeout_ms = -1;
	o->count = 1;
	o->mode = -1;
	o->max_size = FDP_MAX_SIZE;
	o->fds = (struct arg_fdlist){ fdbuf, 0, sizeof(fdbuf) / sizeof(fdbuf[0]), 0 };
	while ((c = arg_next(&scan, options)) != ARG_END) {
		switch (c) {
		case 'f':
			parse_fd_option(o, scan.value);
			break;
		case 'o':
			add_placeholder(o, FD_OPEN);
			o->opens = xrealloc(o->opens, o->nopens + 1, sizeof(char *));
			o->opens[o->nopens++] = scan.value;
			break;
		case OPT_LISTEN_FDS:
			add_placeholder(o, FD_LISTEN);
			break;
		case 'b':
			add_placeholder(o, FD_BIND);
			o->binds = xrealloc(o->binds, o->nbinds + 1, sizeof(*o->binds));
			o->bind_args = xrealloc(o->bind_args, o->nbinds + 1, sizeof(char *));
			proc_bind_parse(scan.value, &o->binds[o->nbinds]);
			o->named_binds |= o->binds[o->nbinds].name != NULL;
			o->bind_args[o->nbinds++] = scan.value;
			break;
		case 'e':
			o->escapes = 1;
			break;
		case 'i':
			o->inputs = xrealloc(o->inputs, o->ninputs + 1, sizeof(char *));
			o->inputs[o->ninputs++] = scan.value;
			break;
		case 't':
			if (arg_type(scan.value, &o->type) < 0)
				errx(2, "-t %s: not stream, seqpacket or dgram", arg_show(scan.value));
			break;
		case 'w':
			if (arg_seconds(scan.value, &o->wait_ms) < 0)
				errx(2, "-w %s: not a number of seconds", arg_show(scan.value));
			break;
		case 'T':
			if (arg_seconds(scan.value, &o->timeout_ms) < 0)
				errx(2, "-T %s: not a number of seconds", arg_show(scan.value));
			o->timeout_arg = scan.value;
			break;
		case 'l':
			o->listen = 1;
			break;
		case 'n':
			if (arg_uint(scan.value, INT_MAX, &o->count) < 0)
				errx(2, "-n %s: not a count", arg_show(scan.value));
			o->count_set = 1;
			break;
		case 'r':
			o->reply = 1;
			break;
		case 'm':
			if (arg_mode(scan.value, &o->mode) < 0)
				errx(2, "-m %s: not an octal mode of at most 0777", arg_show(scan.value));
			break;
		case OPT_MAX_SIZE:
			o->max_size = proc_max_size(scan.value);
			o->max_size_arg = scan.value;
			break;
		case OPT_ALLOW_UID:
		case OPT_ALLOW_GID:
			if (arg_allow(&o->allow, scan.value, c == OPT_ALLOW_GID) < 0)
				errx(2, "--allow-%s %s: no such %s", c == OPT_ALLOW_GID ? "gid" : "uid",
				    arg_show(scan.value), c == OPT_ALLOW_GID ? "group" : "user");
			break;
		case OPT_NOTIFY:
			o->notify = 1;
			break;
		case OPT_NO_BARRIER:
			o->no_barrier = 1;
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
			puts("fdsend " VERSION);
			out_exit(0);
		default:
			errx(2, "%s (see 'fdsend -h')", arg_error(&scan, c));
		}
	}
	argv += scan.ind;
	argc -= scan.ind;

	/* "fdsend SOCKET -o FILE" would send the text "-oFILE" and no file. */
	for (c = 0; c < argc && !scan.ended; c++)
		if (arg_is_option(argv[c], options))
			errx(2, "%s is an option; put it before SOCKET (or -- before SOCKET "
			    "to send it as a PART)", arg_show(argv[c]));
	if (o->notify) {
		/* The socket is the first operand without '=', else $NOTIFY_SOCKET. */
		if (argc > 0 && !strchr(argv[0], '=')) {
			o->socket = argv[0];
			argv++;
			argc--;
		} else {
			o->socket = getenv("NOTIFY_SOCKET");
			if (!o->socket || !*o->socket)
				errx(2, "--notify: no SOCKET given and NOTIFY_SOCKET is not set");
		}
		for (c = 0; c < argc; c++)
			if (!strchr(argv[c], '='))
				errx(2, "--notify: %s: not a KEY=VALUE assignment", arg_show(argv[c]));
		if (o->listen || o->reply)
			errx(2, "--notify cannot be used with -%c", o->listen ? 'l' : 'r');
		if (o->type && o->type != SOCK_DGRAM)
			errx(2, "--notify needs a dgram socket, not -t %s", fdp_type_name(o->type));
		o->type = SOCK_DGRAM;
	} else {
		if (argc < 1)
			usage();
		o->socket = argv[0];
		argv++;
		argc--;
	}
	o->parts = argv;
	o->nparts = (size_t)argc;
	/* Most names need no escaping to be shown: no copy then. */
	o->name = o->socket;
	if (!arg_shows_as_is(o->socket) && !(o->name = strdup(arg_show(o->socket))))
		err(1, "out of memory");

	if (o->count_set && !o->listen)
		errx(2, "-n needs -l");
	if (o->mode >= 0 && !o->listen && !unix_path_bind(o))
		errx(2, "-m needs -l or a -b unix:PATH");
	if (o->max_size_arg && !o->reply)
		errx(2, "--max-size needs -r");
	/* A datagram's receiver is anyone who can read the socket: the
	 * kernel names no one. */
	if ((o->allow.n[0] || o->allow.n[1]) && o->type == SOCK_DGRAM)
		errx(2, "--allow-%s needs a stream or seqpacket socket: a dgram receiver has "
		    "no credentials to check", o->allow.n[0] ? "uid" : "gid");
	if (o->no_barrier && !o->notify)
		errx(2, "--no-barrier needs --notify");
	if (o->type == SOCK_DGRAM && (o->listen || o->reply))
		errx(2, "-%c needs a stream or seqpacket socket, not dgram", o->listen ? 'l' : 'r');
}

/* Append a descriptor to the message, with its name. */
static void
add_fd(struct out *m, int fd, const char *name)
{
	m->fds = xgrow(m->fds, &m->cap, m->nfds + 1, sizeof(int));
	m->fds_own = 1;
	m->names = xrealloc(m->names, m->cap, sizeof(char *));
	m->names[m->nfds] = (char *)name;
	m->named |= name != NULL;
	m->fds[m->nfds++] = fd;
}

/* The descriptors a service manager handed over, per sd_listen_fds(3). */
static void
listen_fds(struct out *m)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	const char *names = getenv("LISTEN_FDNAMES");
	unsigned long nfds, lpid;
	char *name = NULL, *save = NULL;
	size_t i;

	if (!fds)
		errx(1, "--listen-fds: LISTEN_FDS is not set");
	if (arg_uint(fds, INT_MAX - 3, &nfds) < 0)
		errx(1, "--listen-fds: LISTEN_FDS=%s: not a count", arg_show(fds));
	if (!pid || arg_uint(pid, INT_MAX, &lpid) < 0)
		errx(1, "--listen-fds: LISTEN_PID=%s: not a process id", arg_show(pid ? pid : ""));
	/* The descriptors were meant for that process, not for us. */
	if ((pid_t)lpid != getpid())
		errx(1, "--listen-fds: LISTEN_PID=%lu is not this process (%d)", lpid, (int)getpid());
	if (names) {
		size_t k = 1;
		const char *p;

		for (p = names; *p; p++)
			k += *p == ':';
		if (k != nfds)
			errx(1, "--listen-fds: LISTEN_FDNAMES has %zu names for %lu descriptors", k, nfds);
		if (!arg_fdnames_ok(names))
			errx(1, "--listen-fds: LISTEN_FDNAMES=%s: not valid descriptor names",
			    arg_show(names));
		free(m->namebuf);
		m->namebuf = strdup(names);
		if (!m->namebuf)
			err(1, "out of memory");
		name = strtok_r(m->namebuf, ":", &save);
	}
	for (i = 0; i < nfds; i++) {
		add_fd(m, 3 + (int)i, name);
		if (name)
			name = strtok_r(NULL, ":", &save);
	}
}

/* Room for n more bytes of message. */
static char *
room(struct out *m, size_t n)
{
	/* One byte more: never NULL, even for an empty first PART, which
	 * memcpy(3) would be given. */
	m->data = xgrow(m->data, &m->dcap, m->len + n + 1, 1);
	return m->data + m->len;
}

/* Under --notify, the parts are lines. */
static void
next_line(const struct opts *o, struct out *m)
{
	if (o->notify && m->len) {
		*room(m, 1) = '\n';
		m->len++;
	}
}

static void
read_input(const char *file, struct out *m)
{
	int in = strcmp(file, "-") == 0;
	int fd = in ? 0 : open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		err(1, "-i %s", arg_show(file));
	for (;;) {
		ssize_t r = read(fd, room(m, 65536), 65536);

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err(1, "-i %s: read", arg_show(file));
		}
		m->len += (size_t)r;
	}
	/* With 0 closed at start, the file may be at 0: close by origin. */
	if (!in)
		close(fd);
}

/* -e: say what is wrong with the escape at bad, in part p. */
static void
bad_escape(const char *p, const char *bad)
{
	char esc[40];
	size_t n = 2, i, k = 0;

	if (bad[1] == '\0')
		errx(2, "-e: %s: a backslash at the end escapes nothing", arg_show(p));
	if (bad[1] == 'x')
		n += bad[2] != '\0' ? 1 + (bad[3] != '\0') : 0;
	else
		/* A character of several bytes is shown whole. */
		while (n < 6 && ((unsigned char)bad[n] & 0xc0) == 0x80)
			n++;
	/* The escape as typed, on one line (arg_show's buffer holds p). */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)bad[i];

		if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(esc + k, sizeof(esc) - k, "\\x%02x", c);
		else
			esc[k++] = (char)c;
	}
	esc[k] = '\0';
	if (bad[1] == 'x')
		errx(2, "-e: %s: malformed escape '%s' (\\xHH takes two hex digits)",
		    arg_show(p), esc);
	errx(2, "-e: %s: unknown escape '%s' (known: \\\\ \\n \\t \\r \\0 \\xHH)",
	    arg_show(p), esc);
}

/* The message: the PARTs in order (KEY=VALUE lines under --notify), then
 * each -i FILE. */
static void
build_message(struct opts *o, struct out *m)
{
	size_t i;

	/* One PART as it is: nothing to copy. */
	if (o->nparts == 1 && !o->escapes && !o->ninputs && !o->notify) {
		m->data = o->parts[0];
		m->len = strlen(m->data);
		return;
	}
	for (i = 0; i < o->nparts; i++) {
		const char *p = o->parts[i], *bad;
		size_t n = strlen(p);

		next_line(o, m);
		/* Unescaping never lengthens a part. */
		if (!o->escapes) {
			memcpy(room(m, n), p, n);
		} else if (arg_unescape(p, room(m, n), &n, &bad) < 0) {
			bad_escape(p, bad);
		}
		m->len += n;
	}
	for (i = 0; i < o->ninputs; i++) {
		next_line(o, m);
		read_input(o->inputs[i], m);
	}
}

/* The name -f gave the descriptor at fds[i], if any. */
static const char *
name_of(const struct opts *o, size_t i)
{
	size_t k;

	for (k = 0; k < o->nnamed; k++)
		if (i >= o->named[k].from && i < o->named[k].from + o->named[k].n)
			return o->named[k].name;
	return NULL;
}

/*
 * The descriptors to send, in the order the options gave them. Every -f
 * number is checked before anything is created or sent, so that a closed
 * one fails the run before a socket or an -o file can take its number;
 * then -o opens its files into their places.
 */
static void
gather_fds(struct opts *o, struct out *m)
{
	size_t i, opened = 0, nb = 0;
	long bad;

	/* Without --listen-fds or names to carry, the numbers are the list. */
	for (i = 0; i < o->fds.n && o->fds.v[i] != FD_LISTEN; i++)
		;
	if (!o->notify && !o->nnamed && !o->named_binds && i == o->fds.n) {
		m->fds = o->fds.v;
		m->nfds = o->fds.n;
		m->cap = o->fds.cap;
		m->fds_own = o->fds.own;
		o->fds.own = 0;
	} else {
		for (i = 0; i < o->fds.n; i++) {
			if (o->fds.v[i] == FD_LISTEN)
				listen_fds(m);
			else
				add_fd(m, o->fds.v[i], o->fds.v[i] == FD_BIND ?
				    o->binds[nb++].name : name_of(o, i));
		}
	}
	/* poll(2) skips the negative placeholders of -o. */
	bad = proc_check_fds(m->fds, m->nfds);
	if (bad == -2)
		err(1, "checking descriptors");
	if (bad >= 0)
		errx(1, "descriptor %d is not open", m->fds[bad]);
	for (i = 0; i < m->nfds; i++) {
		const char *path;

		if (m->fds[i] != FD_OPEN)
			continue;
		path = o->opens[opened++];
		/* O_NONBLOCK so that a FIFO without a writer (or a tty waiting
		 * for carrier) does not hold up the open; the receiver gets the
		 * descriptor blocking, as it would expect. */
		m->fds[i] = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (m->fds[i] < 0)
			err(1, "-o %s", arg_show(path));
		if (fcntl(m->fds[i], F_SETFL, 0) < 0)
			err(1, "-o %s", arg_show(path));
	}
	/* Every socket is bound before anything is sent; one that cannot be
	 * fails the run, and those made before it are removed. */
	if (o->nbinds == 0)
		return;
	o->bound = xrealloc(NULL, o->nbinds, sizeof(*o->bound));
	proc_bind_all(o->bind_args, o->binds, o->nbinds, o->mode, o->bound);
	for (i = 0, nb = 0; i < m->nfds; i++)
		if (m->fds[i] == FD_BIND)
			m->fds[i] = o->bound[nb++].fd;
}

/*
 * How long fdsend waits, once the receiver has read the whole message, for
 * it to close its end: a receiver that keeps it open (to answer, or to
 * serve more) has the message all the same.
 */
#define LINGER_MS 1000

/* Say what failed, naming the socket (or the peer) and the step; -1. */
static int
complain(const struct opts *o, const char *who, const char *what)
{
	int e = errno;

	if (e == ETIMEDOUT && o->timeout_arg)
		warnx("%s: %s: timed out after %s", who, what, proc_seconds(o->timeout_arg));
	else if (e == EPERM)
		warnx("%s: %s: %s (the receiver refuses descriptors)", who, what, strerror(e));
	else if (e == ETOOMANYREFS)
		warnx("%s: %s: %s (more descriptors in flight than the open files limit)",
		    who, what, strerror(e));
	else
		warnx("%s: %s: %s", who, what, strerror(e));
	return -1;
}

/*
 * --allow-uid, --allow-gid: whom the descriptors go to, as the kernel
 * names it (SO_PEERCRED), before a byte is sent. 0 when it may have them.
 */
static int
check_receiver(const struct opts *o, const char *who, const char *noun, int sock, int type)
{
	pid_t pid = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	int known;

	if (!o->allow.n[0] && !o->allow.n[1])
		return 0;
	if (type == SOCK_DGRAM)
		errx(2, "%s: --allow-%s needs a stream or seqpacket socket: a dgram receiver has "
		    "no credentials to check", o->name, o->allow.n[0] ? "uid" : "gid");
	known = fdp_peercred(sock, &pid, &uid, &gid) == 0 && pid > 0;
	if (allow_match(&o->allow, known, uid, gid))
		return 0;
	if (known)
		warnx("%s: refused %s pid %d uid %u gid %u: not allowed by --allow-uid or "
		    "--allow-gid; nothing sent", who, noun, (int)pid, (unsigned)uid, (unsigned)gid);
	else
		warnx("%s: refused a %s with unknown credentials (--allow-uid or --allow-gid); "
		    "nothing sent", who, noun);
	return -1;
}

/* -r: what the peer sends back, until it closes. */
static int
copy_reply(const struct opts *o, const char *who, int sock, int type)
{
	struct fdp_msg r = { 0 };
	int got, first = 1;

	if (shutdown(sock, SHUT_WR) < 0)
		return complain(o, who, "shutdown");
	while ((got = fdp_recv(sock, type, &r, o->max_size, o->timeout_ms)) > 0) {
		char why[256];
		/* fdrecv's greeting is not part of any reply. */
		size_t skip = first && type == SOCK_STREAM ? fdp_greeting(r.data, r.len) : 0;

		if (first && fdp_refusal(r.data + skip, r.len - skip, why, sizeof(why))) {
			warnx("%s: the receiver refused the message: %s", who, arg_show(why));
			fdp_msg_free(&r);
			return -1;
		}
		first = 0;
		if (r.nfds)
			warnx("%s: the reply carried %zu descriptor%s; closed",
			    who, r.nfds, r.nfds == 1 ? "" : "s");
		if (fwrite(r.data + skip, 1, r.len - skip, stdout) != r.len - skip)
			out_failed(errno);
		out_flush();
		fdp_msg_clear(&r);
		if (type == SOCK_STREAM)
			break;
	}
	if (got < 0 && errno == EMSGSIZE)
		warnx("%s: the reply is longer than --max-size %s; dropped", who,
		    o->max_size_arg ? o->max_size_arg : FDP_MAX_SIZE_ARG);
	else if (got < 0)
		complain(o, who, "receive reply");
	fdp_msg_free(&r);
	return got < 0 ? -1 : 0;
}

static void
verbose(const struct out *m, int sock, int type)
{
	/* On a stream, fdsend ends its message with shutdown(2). */
	struct report r = { m->data, m->len, m->fds, m->nfds, m->named ? m->names : NULL,
		0, 0, 0, 0, "", NULL, 0, NULL,
		type == SOCK_STREAM ? FDP_ENDED_SHUTDOWN : FDP_ENDED_UNKNOWN };
	char comm[64];

	if (type != SOCK_DGRAM && fdp_peercred(sock, &r.pid, &r.uid, &r.gid) == 0 && r.pid > 0) {
		r.has_peer = 1;
		describe_comm(r.pid, comm, sizeof(comm));
		r.comm = comm;
	}
	report_human(stderr, &r);
}

/* --notify -v: each datagram as it went. A datagram socket has no peer to
 * name; the descriptors' names are in the text. */
static void
verbose_datagram(void *arg, const char *text, size_t len, const int *fds, size_t nfds)
{
	struct report r = { .data = text, .len = len, .fds = fds, .nfds = nfds, .comm = "" };

	(void)arg;
	report_human(stderr, &r);
}

/*
 * Names travel after a stream's message (fdp_send_names), or with --notify:
 * those given on the command line cannot go on another socket (a usage
 * error, before anything is made); those of LISTEN_FDNAMES are not sent,
 * and it says so.
 */
static void
no_names(const struct opts *o, int type, int listen_fdnames)
{
	static int said;
	size_t i;

	for (i = 0; i < o->nnamed; i++)
		errx(2, "%s: -f %d=%s: descriptor names need a stream socket (or --notify), "
		    "not %s", o->name, o->fds.v[o->named[i].from], arg_show(o->named[i].name),
		    fdp_type_name(type));
	for (i = 0; i < o->nbinds; i++)
		if (o->binds[i].name)
			errx(2, "%s: -b %s: descriptor names need a stream socket (or --notify), "
			    "not %s", o->name, arg_show(o->bind_args[i]), fdp_type_name(type));
	if (listen_fdnames && !said++)
		warnx("%s: the names of LISTEN_FDNAMES are not sent: a %s socket carries "
		    "none (a stream socket, or --notify, does)", o->name, fdp_type_name(type));
}

/* What no socket of this type can carry is a usage error: nothing is sent. */
static void
check_type(const struct opts *o, const struct out *m, int type)
{
	if (type != SOCK_STREAM && m->nfds > FDP_MAX_FDS)
		errx(2, "%s: %zu descriptors: a %s socket takes at most %d in one message",
		    o->name, m->nfds, fdp_type_name(type), FDP_MAX_FDS);
	if (o->reply && type == SOCK_DGRAM)
		errx(2, "%s: -r needs a stream or seqpacket socket, not dgram", o->name);
	if (m->named && !o->notify && type != SOCK_STREAM)
		no_names(o, type, 1);
}

/*
 * Exit 0 means delivered: on a connection, wait until the receiver has
 * taken the message (fdp_delivered), and say what it did instead.
 */
static int
wait_delivered(const struct opts *o, const char *who, int sock, int own)
{
	char why[256];

	if (fdp_delivered(sock, own, o->timeout_ms, LINGER_MS, why, sizeof(why)) == 0)
		return 0;
	if (errno == EBADMSG)
		warnx("%s: the receiver refused the message: %s", who, arg_show(why));
	else if (errno == ECONNRESET)
		warnx("%s: the receiver closed the connection without reading the message: not "
		    "delivered", who);
	else if (errno == ETIMEDOUT && o->timeout_arg)
		warnx("%s: the receiver had not read the message after %s: not delivered", who,
		    proc_seconds(o->timeout_arg));
	else
		complain(o, who, "wait for the receiver");
	return -1;
}

/* The receiver went away while we sent: it may have said why. */
static int
gone(const char *who, int sock)
{
	char why[256];

	if (fdp_refused(sock, why, sizeof(why)))
		warnx("%s: the receiver refused the message: %s", who, arg_show(why));
	else
		warnx("%s: the receiver closed the connection without reading the message: not "
		    "delivered", who);
	return -1;
}

/*
 * After the message on a stream: its descriptors' names, to fdrecv (which
 * greets first); a receiver that read it without a greeting takes none.
 */
static int
send_names(const struct opts *o, const struct out *m, int sock, const char *who)
{
	int r = fdp_send_names(sock, m->names, m->nfds, o->timeout_ms);

	if (r >= 0)
		return r ? NAMES_SENT : NAMES_LOST;
	if (errno == EPIPE || errno == ECONNRESET)
		return gone(who, sock);
	if (errno == ETIMEDOUT && o->timeout_arg)
		warnx("%s: the receiver had not read the message after %s: not delivered", who,
		    proc_seconds(o->timeout_arg));
	else
		complain(o, who, "send the names");
	return -1;
}

/* The message itself, on a connected socket; --notify tells sent of each
 * datagram. */
static int
send_message(const struct opts *o, const struct out *m, int sock, int type,
    notify_sent_fn *sent)
{
	return o->notify ?
	    notify_send(sock, m->fds, m->names, m->nfds, m->data, m->len, o->timeout_ms,
	    sent, NULL) :
	    fdp_send(sock, type, m->data, m->len, m->fds, m->nfds, o->timeout_ms);
}

/*
 * Send on a connected socket (own: not an inherited one), then -v, and -r
 * or the wait for delivery.
 */
static int
deliver(const struct opts *o, const struct out *m, int sock, int own, int type, const char *who)
{
	notify_sent_fn *sent = o->verbose ? verbose_datagram : NULL;
	int r = send_message(o, m, sock, type, sent);
	int names = NAMES_NONE;

	/* One batch of descriptors goes whole or not at all (see main):
	 * refused for the descriptors in flight, it may go under a higher
	 * limit on open files. */
	if (r < 0 && errno == ETOOMANYREFS && m->nfds <= FDP_MAX_FDS && proc_nofile_raise() > 0)
		r = send_message(o, m, sock, type, sent);
	if (r < 0) {
		int e = errno;

		/* A receiver that refused the message may have said why. */
		if (e == EPIPE || e == ECONNRESET)
			return gone(who, sock);
		errno = e;
		return complain(o, who, "send");
	}
	if (m->named && !o->notify && type == SOCK_STREAM &&
	    (names = send_names(o, m, sock, who)) < 0)
		return -1;
	/* systemd finds a sender's unit by its pid: exiting before it has
	 * read the datagrams would lose them. */
	if (o->notify && !o->no_barrier &&
	    notify_barrier(sock, o->timeout_ms >= 0 ? o->timeout_ms : NOTIFY_BARRIER_MS,
	    sent, NULL) < 0) {
		if (errno != ETIMEDOUT)
			return complain(o, who, "barrier");
		warnx("%s: the manager did not answer BARRIER=1 within %s (--no-barrier does "
		    "not wait)", who, o->timeout_arg ? proc_seconds(o->timeout_arg) :
		    arg_ms_show(NOTIFY_BARRIER_MS));
		return -1;
	}
	if (o->verbose && !o->notify)
		verbose(m, sock, type);
	/* A datagram is delivered once queued: there is no one to ask. */
	if (type != SOCK_DGRAM &&
	    (o->reply ? copy_reply(o, who, sock, type) : wait_delivered(o, who, sock, own)) < 0)
		return -1;
	/* Its sockets are the receiver's now: their files stay. */
	proc_binds_keep();
	if (names == NAMES_LOST)
		warnx("%s: the receiver is not fdrecv: it took the descriptors without their "
		    "names", who);
	return 0;
}

/* -l: bind SOCKET and serve each peer that connects. A peer that fails is
 * reported and the next one served; a peer refused by --allow-uid or
 * --allow-gid gets nothing and is not counted. The status says whether
 * any failed. */
static int
serve(const struct opts *o, const struct fdp_addr *a, const struct out *m)
{
	static struct fdp_listener l;
	unsigned long served = 0;
	int status = 0;

	/* Before the bind: a signal right after it must find the file. */
	proc_cleanup(&l);
	proc_listen(o->name, a, o->type ? o->type : SOCK_STREAM, o->mode, &l);
	if (!l.listening)
		errx(1, "%s: -l needs a listening socket", o->name);
	check_type(o, m, l.type);
	while (o->count == 0 || served < o->count) {
		int c = fdp_accept(l.fd, o->timeout_ms);
		char who[FDP_SUN_PATH_MAX + 64];
		pid_t pid;
		uid_t uid;
		gid_t gid;

		if (c < 0) {
			complain(o, o->name, "accept");
			return 1;
		}
		if (check_receiver(o, o->name, "peer", c, l.type) < 0) {
			close(c);
			continue;
		}
		if (fdp_peercred(c, &pid, &uid, &gid) == 0 && pid > 0)
			snprintf(who, sizeof(who), "%s: peer pid %d uid %u", o->name, (int)pid,
			    (unsigned)uid);
		else
			snprintf(who, sizeof(who), "%s: a peer", o->name);
		if (deliver(o, m, c, 1, l.type, who) < 0)
			status = 1;
		close(c);
		served++;
	}
	return status;
}

/* Connect to SOCKET and send: the usual case. */
static int
send_once(const struct opts *o, const struct fdp_addr *a, const struct out *m)
{
	int sock, type = o->type, on = 0;
	socklen_t len = sizeof(on);

	sock = fdp_connect(a, &type, o->wait_ms, o->timeout_ms);
	if (sock < 0) {
		if (errno == ENOTSOCK)
			errx(1, "%s: not a socket", o->name);
		if (errno == EBADF && a->fd >= 0)
			errx(1, "%s: not an open descriptor", o->name);
		if (errno == EPROTOTYPE && o->type)
			errx(1, "%s: not a %s socket", o->name, fdp_type_name(o->type));
		if (o->wait_ms > 0 && (errno == ENOENT || errno == ECONNREFUSED))
			errx(1, "%s: connect: %s (after waiting %s)", o->name, strerror(errno),
			    arg_ms_show(o->wait_ms));
		return complain(o, o->name, "connect");
	}
	if (a->fd >= 0 && getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on)
		errx(1, "%s: is a listening socket; use -l to serve its peers", o->name);
	if (!o->notify)
		check_type(o, m, type);
	if (check_receiver(o, o->name, "receiver", sock, type) < 0)
		return -1;
	return deliver(o, m, sock, a->fd < 0, type, o->name);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct out m = { 0 };
	struct fdp_addr a;
	unsigned long inflight;
	int status;

	parse_args(argc, argv, &o);
	if (o.reply)
		out_need(STDOUT_FILENO);
	if (o.verbose) {
		out_need(STDERR_FILENO);
		out_verbose();
	}
	proc_addr(o.socket, &a);
	/* The message first: a bad escape is a usage error, whatever else
	 * is wrong; what -i opens is closed again before the check. */
	build_message(&o, &m);
	if (o.type && o.type != SOCK_STREAM && !o.notify)
		no_names(&o, o.type, 0);
	gather_fds(&o, &m);
	if (o.type && !o.notify)
		check_type(&o, &m, o.type);
	if (o.listen && o.mode >= 0 && (a.fd >= 0 || a.abstract))
		errx(2, "%s: -m needs a socket path%s", o.name,
		    a.abstract ? "; abstract names have no permissions" : ", not an inherited socket");
	/* MSG_NOSIGNAL covers the socket; this covers standard output (-r)
	 * and error. Nothing else to set up: fdsend -l does its own. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Descriptors in flight count against the limit on open files: past
	 * it the kernel refuses a batch (ETOOMANYREFS), checking before it
	 * takes any. A message of more than one batch could stop part way,
	 * the receiver left with half of it: raise the limit first, and
	 * refuse beforehand what cannot fit under it. So too for -r, whose
	 * reply may bring descriptors. One batch goes whole or not at all: the
	 * limit is raised only if the kernel refuses it (deliver).
	 */
	if (m.nfds > FDP_MAX_FDS || o.reply) {
		proc_nofile_raise();
		inflight = proc_inflight_limit(m.nfds);
		if (inflight)
			errx(1, "%s: %zu descriptors cannot all be in flight under the limit of "
			    "%lu open files; nothing sent", o.name, m.nfds, inflight);
	}

	status = o.listen ? serve(&o, &a, &m) : send_once(&o, &a, &m) < 0;
	if (o.fds.own)
		free(o.fds.v);
	free(o.opens);
	free(o.named);
	free(o.binds);
	free(o.bind_args);
	/* The files of -b go now, unless delivered: the list goes next. */
	proc_binds_drop();
	free(o.bound);
	free(o.inputs);
	if (m.dcap)
		free(m.data);
	if (m.fds_own)
		free(m.fds);
	free(m.names);
	free(m.namebuf);
	allow_free(&o.allow);
	if (o.name != o.socket)
		free((char *)o.name);
	return out_end(status);
}
