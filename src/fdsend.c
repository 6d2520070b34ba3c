/*
 * fdsend: send open file descriptors and a message over an AF_UNIX socket.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "describe.h"
#include "fdpass.h"
#include "notify.h"
#include "proc.h"
#include "report.h"

static const char usage_text[] =
    "usage: fdsend [-ehlrVv] [-f FD[=NAME]] [-i FILE] [-n COUNT] [-o PATH]\n"
    "              [-T SECONDS] [-t TYPE] [-w SECONDS] [--listen-fds] [--notify]\n"
    "              SOCKET [PART ...]\n";

static const char help_text[] =
    "Send open file descriptors and a message over an AF_UNIX socket.\n"
    "\n"
    "SOCKET is a path, @NAME (abstract) or fd:N (an inherited socket).\n"
    "The PARTs are concatenated into the message.\n"
    "\n"
    "  -f, --fd FD[=NAME]     send descriptor FD (N, N-M or N,M,...)\n"
    "  -o, --open PATH        open PATH read-only and send it\n"
    "      --listen-fds       send the descriptors of LISTEN_FDS\n"
    "  -e, --escapes          interpret \\\\ \\n \\t \\r \\0 \\xHH in the PARTs\n"
    "  -i, --input FILE       add the contents of FILE (- for standard input)\n"
    "  -t, --type TYPE        stream, seqpacket or dgram (default: try each)\n"
    "  -w, --wait SECONDS     retry while SOCKET is missing or refusing\n"
    "  -T, --timeout SECONDS  fail when any single step takes longer\n"
    "  -l, --listen           bind SOCKET and send to each peer that connects\n"
    "  -n, --count COUNT      with -l: peers to serve (0: until killed)\n"
    "  -r, --reply            copy the peer's reply to standard output\n"
    "      --notify           speak systemd's notify protocol\n"
    "  -v, --verbose          describe what was sent on standard error\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n";

enum { OPT_LISTEN_FDS = 256, OPT_NOTIFY };

static const struct option longopts[] = {
	{ "fd", required_argument, NULL, 'f' },
	{ "open", required_argument, NULL, 'o' },
	{ "listen-fds", no_argument, NULL, OPT_LISTEN_FDS },
	{ "escapes", no_argument, NULL, 'e' },
	{ "input", required_argument, NULL, 'i' },
	{ "type", required_argument, NULL, 't' },
	{ "wait", required_argument, NULL, 'w' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "listen", no_argument, NULL, 'l' },
	{ "count", required_argument, NULL, 'n' },
	{ "reply", no_argument, NULL, 'r' },
	{ "notify", no_argument, NULL, OPT_NOTIFY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Where a descriptor comes from, in the order the options gave them. */
struct src {
	enum { SRC_FD, SRC_OPEN, SRC_LISTEN_FDS } kind;
	int fd;
	const char *path;
	const char *name;
};

struct opts {
	struct src *src;
	size_t nsrc;
	const char **inputs;
	size_t ninputs;
	int escapes, listen, reply, notify, verbose;
	int type;
	int wait_ms, timeout_ms;
	const char *timeout_arg;
	unsigned long count;
	int count_set;
	const char *socket;
	const char *name;       /* SOCKET as messages show it */
	char **parts;
	size_t nparts;
};

/* The message and its descriptors, as they will be sent. */
struct out {
	char *data;
	size_t len;
	int *fds;
	char **names;
	size_t nfds;
	int named;
	char *namebuf;          /* LISTEN_FDNAMES, which names point into */
};

static void
usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static void
add_src(struct opts *o, struct src s)
{
	o->src = xrealloc(o->src, o->nsrc + 1, sizeof(*o->src));
	o->src[o->nsrc++] = s;
}

static void
parse_fd_option(struct opts *o, const char *arg)
{
	int *v = NULL;
	size_t n = 0, cap = 0, i;
	const char *name;

	if (arg_fds(arg, &v, &n, &cap, &name) < 0)
		errx(2, "-f %s: not a descriptor number, range or list", arg_show(arg));
	if (name && !arg_fdname_ok(name, strlen(name)))
		errx(2, "-f %s: a name is 1 to 255 printable characters without ':'", arg_show(arg));
	for (i = 0; i < n; i++)
		add_src(o, (struct src){ SRC_FD, v[i], NULL, name });
	free(v);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	opterr = 0;
	o->wait_ms = 0;
	o->timeout_ms = -1;
	o->count = 1;
	while ((c = getopt_long(argc, argv, "+:ef:hi:ln:o:rT:t:Vvw:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			parse_fd_option(o, optarg);
			break;
		case 'o':
			add_src(o, (struct src){ SRC_OPEN, -1, optarg, NULL });
			break;
		case OPT_LISTEN_FDS:
			add_src(o, (struct src){ SRC_LISTEN_FDS, -1, NULL, NULL });
			break;
		case 'e':
			o->escapes = 1;
			break;
		case 'i':
			o->inputs = xrealloc(o->inputs, o->ninputs + 1, sizeof(char *));
			o->inputs[o->ninputs++] = optarg;
			break;
		case 't':
			if (arg_type(optarg, &o->type) < 0)
				errx(2, "-t %s: not stream, seqpacket or dgram", arg_show(optarg));
			break;
		case 'w':
			if (arg_seconds(optarg, &o->wait_ms) < 0)
				errx(2, "-w %s: not a number of seconds", arg_show(optarg));
			break;
		case 'T':
			if (arg_seconds(optarg, &o->timeout_ms) < 0)
				errx(2, "-T %s: not a number of seconds", arg_show(optarg));
			o->timeout_arg = optarg;
			break;
		case 'l':
			o->listen = 1;
			break;
		case 'n':
			if (arg_uint(optarg, INT_MAX, &o->count) < 0)
				errx(2, "-n %s: not a count", arg_show(optarg));
			o->count_set = 1;
			break;
		case 'r':
			o->reply = 1;
			break;
		case OPT_NOTIFY:
			o->notify = 1;
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
			puts("fdsend " VERSION);
			exit(0);
		default:
			errx(2, "%s (see 'fdsend -h')", arg_option_error(c, optopt, argv[optind - 1]));
		}
	}
	argv += optind;
	argc -= optind;

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
	o->name = strdup(arg_show(o->socket));
	if (!o->name)
		err(1, "out of memory");

	if (o->count_set && !o->listen)
		errx(2, "-n needs -l");
	if (o->type == SOCK_DGRAM && (o->listen || o->reply))
		errx(2, "-%c needs a stream or seqpacket socket, not dgram", o->listen ? 'l' : 'r');
	if (!o->notify) {
		size_t i;

		for (i = 0; i < o->nsrc; i++)
			if (o->src[i].name)
				errx(2, "-f %d=%s: descriptor names travel only with --notify",
				    o->src[i].fd, arg_show(o->src[i].name));
	}
}

/* The descriptors a service manager handed over, per sd_listen_fds(3). */
static void
listen_fds(struct opts *o, struct out *m, struct src **list, size_t *n)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	const char *names = getenv("LISTEN_FDNAMES");
	unsigned long nfds, lpid;
	char *copy = NULL, *name, *save = NULL;
	size_t i;

	if (!fds)
		errx(1, "--listen-fds: LISTEN_FDS is not set");
	if (arg_uint(fds, INT_MAX - 3, &nfds) < 0)
		errx(1, "--listen-fds: LISTEN_FDS=%s: not a count", fds);
	if (!pid || arg_uint(pid, INT_MAX, &lpid) < 0)
		errx(1, "--listen-fds: LISTEN_PID=%s: not a process id", pid ? pid : "");
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
			errx(1, "--listen-fds: LISTEN_FDNAMES=%s: not valid descriptor names", names);
		copy = strdup(names);
		if (!copy)
			err(1, "out of memory");
	}
	*list = xrealloc(*list, *n + nfds, sizeof(**list));
	for (i = 0, name = copy ? strtok_r(copy, ":", &save) : NULL; i < nfds; i++) {
		(*list)[(*n)++] = (struct src){ SRC_FD, 3 + (int)i, NULL, o->notify ? name : NULL };
		if (name)
			name = strtok_r(NULL, ":", &save);
	}
	m->namebuf = copy;
}

static void
read_input(const char *file, struct out *m)
{
	int fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY | O_CLOEXEC);
	size_t cap = m->len + 4096;

	if (fd < 0)
		err(1, "-i %s", file);
	for (;;) {
		ssize_t r;

		if (cap - m->len < 4096)
			cap *= 2;
		m->data = xrealloc(m->data, cap, 1);
		r = read(fd, m->data + m->len, cap - m->len);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err(1, "-i %s: read", file);
		}
		m->len += (size_t)r;
	}
	if (fd != 0)
		close(fd);
}

static void
add_bytes(struct out *m, const char *s, size_t n)
{
	m->data = xrealloc(m->data, m->len + n + 1, 1);
	memcpy(m->data + m->len, s, n);
	m->len += n;
}

/* The message: the PARTs in order (KEY=VALUE lines under --notify), then
 * each -i FILE. */
static void
build_message(struct opts *o, struct out *m)
{
	size_t i;

	for (i = 0; i < o->nparts; i++) {
		const char *p = o->parts[i];
		size_t n = strlen(p);

		if (o->notify && m->len)
			add_bytes(m, "\n", 1);
		if (o->escapes) {
			char *buf = xrealloc(NULL, n + 1, 1);
			const char *bad;

			if (arg_unescape(p, buf, &n, &bad) < 0) {
				char esc[5];
				size_t k;

				/* Show the escape as typed, up to four bytes. */
				snprintf(esc, sizeof(esc), "%.4s", bad);
				for (k = 0; esc[k]; k++)
					if ((unsigned char)esc[k] < 0x20 || esc[k] == 0x7f)
						esc[k] = '?';
				errx(2, "-e: %s: unknown escape '%s'", arg_show(p), esc);
			}
			add_bytes(m, buf, n);
			free(buf);
		} else {
			add_bytes(m, p, n);
		}
	}
	for (i = 0; i < o->ninputs; i++) {
		if (o->notify && m->len)
			add_bytes(m, "\n", 1);
		read_input(o->inputs[i], m);
	}
}

/* Check every descriptor before anything is created or sent, so a closed
 * one fails the run before a socket can take its number; then open -o. The
 * -f numbers are checked in place, so fds[k] is the k-th -f descriptor. */
static void
gather_fds(struct opts *o, struct out *m)
{
	struct src *list = NULL;
	size_t n = 0, i, k;
	int *fds;
	long bad;

	for (i = 0; i < o->nsrc; i++) {
		if (o->src[i].kind == SRC_LISTEN_FDS) {
			listen_fds(o, m, &list, &n);
			continue;
		}
		list = xrealloc(list, n + 1, sizeof(*list));
		list[n++] = o->src[i];
	}
	fds = xrealloc(NULL, n, sizeof(int));
	m->names = xrealloc(NULL, n, sizeof(char *));
	for (i = k = 0; i < n; i++) {
		if (list[i].kind == SRC_FD)
			fds[k++] = list[i].fd;
		m->names[i] = (char *)list[i].name;
		m->named |= list[i].name != NULL;
	}
	bad = proc_check_fds(fds, k);
	if (bad == -2)
		err(1, "/dev/null");
	if (bad >= 0)
		errx(1, "descriptor %d is not open", fds[bad]);
	for (i = k = 0; i < n; i++)
		if (list[i].kind == SRC_FD)
			fds[i] = list[i].fd;
	for (i = 0; i < n; i++) {
		if (list[i].kind != SRC_OPEN)
			continue;
		/* O_NONBLOCK so that a FIFO without a writer (or a tty waiting
		 * for carrier) does not hold up the open; the receiver gets the
		 * descriptor blocking, as it would expect. */
		fds[i] = open(list[i].path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fds[i] < 0)
			err(1, "-o %s", list[i].path);
		if (fcntl(fds[i], F_SETFL, 0) < 0)
			err(1, "-o %s", list[i].path);
	}
	m->fds = fds;
	m->nfds = n;
	free(list);
}

/* Say what failed, naming the socket and the step; -1 for the caller. */
static int
complain(const struct opts *o, const char *what)
{
	int e = errno;

	if (e == ETIMEDOUT && o->timeout_arg)
		warnx("%s: %s: timed out after %s seconds", o->name, what, o->timeout_arg);
	else if (e == EPERM)
		warnx("%s: %s: %s (the receiver refuses descriptors)", o->name, what, strerror(e));
	else if (e == ETOOMANYREFS)
		warnx("%s: %s: %s (more descriptors in flight than the open files limit)",
		    o->name, what, strerror(e));
	else
		warnx("%s: %s: %s", o->name, what, strerror(e));
	return -1;
}

/* -r: what the peer sends back, until it closes. */
static int
copy_reply(const struct opts *o, int sock, int type)
{
	struct fdp_msg r = { 0 };
	int got;

	if (shutdown(sock, SHUT_WR) < 0)
		return complain(o, "shutdown");
	while ((got = fdp_recv(sock, type, &r, o->timeout_ms)) > 0) {
		if (r.nfds)
			warnx("%s: the reply carried %zu descriptor%s; closed",
			    o->name, r.nfds, r.nfds == 1 ? "" : "s");
		if (fwrite(r.data, 1, r.len, stdout) != r.len || fflush(stdout) == EOF)
			err(1, "write standard output");
		fdp_msg_clear(&r);
		if (type == SOCK_STREAM)
			break;
	}
	if (got < 0)
		complain(o, "receive reply");
	fdp_msg_free(&r);
	return got < 0 ? -1 : 0;
}

static void
verbose(const struct out *m, int sock, int type)
{
	struct report r = { m->data, m->len, m->fds, m->nfds, m->named ? m->names : NULL,
		0, 0, 0, 0, "" };
	char comm[64];

	if (type != SOCK_DGRAM && fdp_peercred(sock, &r.pid, &r.uid, &r.gid) == 0 && r.pid > 0) {
		r.has_peer = 1;
		describe_comm(r.pid, comm, sizeof(comm));
		r.comm = comm;
	}
	report_human(stderr, &r);
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
}

/* Send on a connected socket, then -v and -r. */
static int
deliver(const struct opts *o, const struct out *m, int sock, int type)
{
	int r = o->notify ?
	    notify_send(sock, m->fds, m->names, m->nfds, m->data, m->len, o->timeout_ms) :
	    fdp_send(sock, type, m->data, m->len, m->fds, m->nfds, o->timeout_ms);

	if (r < 0)
		return complain(o, "send");
	if (o->verbose)
		verbose(m, sock, type);
	return o->reply ? copy_reply(o, sock, type) : 0;
}

/* -l: bind SOCKET and serve each peer that connects. A peer that fails is
 * reported and the next one served; the status says whether any failed. */
static int
serve(const struct opts *o, const struct fdp_addr *a, const struct out *m)
{
	static struct fdp_listener l;
	unsigned long served = 0;
	int status = 0;

	/* Before the bind: a signal right after it must find the file. */
	proc_cleanup(&l);
	proc_listen(o->name, a, o->type ? o->type : SOCK_STREAM, -1, &l);
	if (!l.listening)
		errx(1, "%s: -l needs a listening socket", o->name);
	check_type(o, m, l.type);
	while (o->count == 0 || served < o->count) {
		int c = fdp_accept(l.fd, o->timeout_ms);

		if (c < 0) {
			complain(o, "accept");
			return 1;
		}
		if (deliver(o, m, c, l.type) < 0)
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
	int sock, type = o->type, on = 0, r;
	socklen_t len = sizeof(on);

	sock = fdp_connect(a, &type, o->wait_ms, o->timeout_ms);
	if (sock < 0) {
		if (errno == ENOTSOCK)
			errx(1, "%s: not a socket", o->name);
		if (errno == EPROTOTYPE && o->type)
			errx(1, "%s: not a %s socket", o->name, fdp_type_name(o->type));
		return complain(o, "connect");
	}
	if (a->fd >= 0 && getsockopt(sock, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on)
		errx(1, "%s: is a listening socket; use -l to serve its peers", o->name);
	if (!o->notify)
		check_type(o, m, type);
	r = deliver(o, m, sock, type);
	if (a->fd < 0)
		close(sock);
	return r;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct out m = { 0 };
	struct fdp_addr a;
	int status;

	parse_args(argc, argv, &o);
	proc_addr(o.socket, &a);
	gather_fds(&o, &m);
	if (o.type && !o.notify)
		check_type(&o, &m, o.type);
	build_message(&o, &m);
	proc_cleanup(NULL);

	status = o.listen ? serve(&o, &a, &m) : send_once(&o, &a, &m) < 0;
	free(o.src);
	free(o.inputs);
	free(m.data);
	free(m.fds);
	free(m.names);
	free(m.namebuf);
	free((char *)o.name);
	return status;
}
