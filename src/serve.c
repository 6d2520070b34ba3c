/*
 * serve.c: fdrecv's serving loop.
 *
 * A table of connections, each with its buffer, the descriptors that came
 * so far and its deadline; one ppoll(2) whose timeout is the nearest
 * deadline, with SIGCHLD let through only there; no threads. A peer is
 * read as its bytes come, so nothing a peer does (send nothing, trickle,
 * keep its connection) makes the loop wait on that peer alone.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "describe.h"
#include "fdpass.h"
#include "out.h"
#include "proc.h"
#include "serve.h"

struct conn {
	int fd;
	int owned;              /* ours to close: accepted or connected */
	int waiting;            /* a whole message waits for a child slot */
	unsigned long order;    /* when it began to wait */
	long long deadline;     /* -T on fdp_now_ms(); 0: none */
	unsigned long msgs;     /* messages taken on this connection */
	struct fdp_msg m;
	struct serve_peer peer;
	int asked;              /* peer holds what the kernel said of it */
};

struct serve_state {
	struct conn *c;
	size_t n, cap;
	struct pollfd *pfd;
	size_t pcap;
	int lfd;                /* the listener to accept on, or -1 */
	int type;
	int fixed;              /* c[0] is the one source: dgram, fd:N or -c;
	                         * -1 once it has ended */
	int again;              /* -c: connect again for the next message */
	int eof;                /* the one source ended at EOF */
	long long idle_since;   /* since when no peer was there (-T) */
	long long accept_at;    /* after running out of descriptors: retry then */
	unsigned long handled, order;
	size_t children;
	int stop;               /* no more messages can come */
	struct fdp_msg spare;   /* the buffers of an ended connection, for the
	                         * next: an allocator may map and unmap them */
	sigset_t waitmask;      /* SIGCHLD let through, for ppoll */
};

static void
on_sigchld(int sig)
{
	(void)sig; /* only here to wake ppoll */
}

const char *
serve_peer_name(const struct serve_peer *p)
{
	static char buf[64];

	if (!p->known)
		return "a peer with unknown credentials";
	snprintf(buf, sizeof(buf), "peer pid %d uid %u", (int)p->pid, (unsigned)p->uid);
	return buf;
}

/* "; closed its 3 descriptors", for a line about a message given up. */
static const char *
closed_note(size_t n)
{
	static char buf[64];

	if (n == 0)
		return "";
	if (n == 1)
		return "; closed its descriptor";
	snprintf(buf, sizeof(buf), "; closed its %zu descriptors", n);
	return buf;
}

static int
allowed(const struct serve *s, const struct serve_peer *p)
{
	return allow_match(s->allow, p->known, p->uid, p->gid);
}

/* Say why a peer is not allowed; n descriptors of it were closed. Its
 * connection (fd, or -1 for a datagram) is told too. */
static void
say_not_allowed(const struct serve *s, const struct serve_peer *p, size_t n, int fd)
{
	if (fd >= 0)
		fdp_refuse(fd, "not allowed by --allow-uid or --allow-gid");
	if (p->known)
		warnx("%s: refused peer pid %d uid %u gid %u: not allowed by --allow-uid or "
		    "--allow-gid%s", s->name, (int)p->pid, (unsigned)p->uid, (unsigned)p->gid,
		    closed_note(n));
	else
		warnx("%s: refused a peer with unknown credentials (--allow-uid or --allow-gid)%s",
		    s->name, closed_note(n));
}

/* The credentials of a connected peer (SO_PEERCRED, as of connect()). A
 * pid of 0 is a peer the kernel could not name to us. */
static void
peer_of(const struct serve *s, int fd, struct serve_peer *p)
{
	memset(p, 0, sizeof(*p));
	if (fdp_peercred(fd, &p->pid, &p->uid, &p->gid) == 0 && p->pid > 0)
		p->known = 1;
	/* Now, while the connection holds the peer: it may exit at any
	 * time, and its pid be taken by another process. */
	if (p->known && s->want_comm) {
		describe_comm(p->pid, p->comm, sizeof(p->comm));
		/* Two paths of up to PATH_MAX: only for a report to show. */
		if ((p->id = malloc(sizeof(*p->id))))
			describe_peer(fd, p->pid, p->id);
	}
}

/* A datagram's SCM_CREDENTIALS. A datagram queued before SO_PASSCRED was
 * set comes with pid 0 and the overflow uid: unknown, not nobody. */
static void
peer_of_datagram(const struct serve *s, const struct fdp_msg *m, struct serve_peer *p)
{
	memset(p, 0, sizeof(*p));
	if (m->has_cred && m->pid > 0) {
		p->known = 1;
		p->pid = m->pid;
		p->uid = m->uid;
		p->gid = m->gid;
		if (s->want_comm)
			describe_comm(p->pid, p->comm, sizeof(p->comm));
	}
}

/* Whether a connected peer's credentials are needed as it comes: to
 * check them, or for every report to name it. Else they are asked for
 * only if there is something to say of the peer (peer()): SO_PEERCRED
 * answers as of connect(), whenever it is asked, so nothing is lost but a
 * system call per connection. */
static int
peer_at_once(const struct serve *s)
{
	return s->want_comm || s->allow->n[0] || s->allow->n[1];
}

/* Connection c's peer, asked of the kernel the first time. */
static const struct serve_peer *
peer(const struct serve *s, struct conn *c)
{
	if (!c->asked)
		peer_of(s, c->fd, &c->peer);
	c->asked = 1;
	return &c->peer;
}

/* A stream peer is greeted before anything is read from it: a sender
 * with descriptor names then knows it speaks to fdrecv. */
static void
greet(const struct serve *s, int fd)
{
	if (s->nonce && s->st->type == SOCK_STREAM)
		fdp_greet(fd, s->nonce);
}

static void
arm(const struct serve *s, struct conn *c)
{
	c->deadline = s->timeout_ms >= 0 ? fdp_now_ms() + s->timeout_ms : 0;
}

static struct conn *
add_conn(struct serve *s, int fd, int owned)
{
	struct serve_state *st = s->st;
	struct conn *c;

	st->c = xgrow(st->c, &st->cap, st->n + 1, sizeof(*st->c));
	c = &st->c[st->n++];
	memset(c, 0, sizeof(*c));
	c->m = st->spare;
	memset(&st->spare, 0, sizeof(st->spare));
	c->fd = fd;
	c->owned = owned;
	/* A datagram's credentials come with it (peer_of_datagram). */
	c->asked = st->type == SOCK_DGRAM;
	c->m.nonce = s->nonce;
	arm(s, c);
	return c;
}

/* The connection is done: close it and what it brought, and forget it. */
static void
end_conn(struct serve *s, size_t i)
{
	struct serve_state *st = s->st;
	struct conn *c = &st->c[i];

	if (c->owned)
		close(c->fd);
	/* Its buffers serve the next connection, unless they are long. */
	fdp_msg_clear(&c->m);
	fdp_msg_shrink(&c->m);
	fdp_msg_free(&st->spare);
	st->spare = c->m;
	free(c->peer.id);
	if (st->fixed)
		st->fixed = -1;         /* the one source is gone */
	st->c[i] = st->c[--st->n];
	if (st->n == 0)
		st->idle_since = fdp_now_ms();
}

/* -c: connect (again) to the server, for the next message. */
static int
connect_server(struct serve *s)
{
	struct serve_state *st = s->st;
	struct conn *c;
	int type = s->type, fd;

	fd = fdp_connect(s->a, &type, s->wait_ms, s->timeout_ms);
	if (fd < 0) {
		if (errno == ETIMEDOUT && s->timeout_arg)
			warnx("%s: connect: timed out after %s", s->name, proc_seconds(s->timeout_arg));
		else if (errno == ENOTSOCK)
			warnx("%s: not a socket", s->name);
		else if (s->wait_ms > 0 && (errno == ENOENT || errno == ECONNREFUSED))
			warnx("%s: connect: %s (after waiting %s)", s->name, strerror(errno),
			    arg_ms_show(s->wait_ms));
		else
			warnx("%s: connect: %s", s->name, strerror(errno));
		return -1;
	}
	if (type == SOCK_DGRAM) {
		close(fd);
		warnx("%s: -c needs a stream or seqpacket socket, not dgram", s->name);
		return -1;
	}
	st->type = type;
	c = add_conn(s, fd, 1);
	st->fixed = 1;
	st->again = 0;
	if (!allowed(s, peer(s, c))) {
		say_not_allowed(s, &c->peer, 0, c->fd);
		end_conn(s, 0);
		return -1;
	}
	greet(s, fd);
	return 0;
}

/* Accept a peer; the index of its connection, or -1. */
static long
accept_peer(struct serve *s)
{
	struct serve_state *st = s->st;
	struct serve_peer p = { 0 };
	struct conn *c;
	int fd, asked = peer_at_once(s);

	fd = accept4(st->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		switch (errno) {
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
			return -1;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* The listener stays readable: rather than spin, let
			 * the peers in the queue wait a little. */
			warn("%s: accept", s->name);
			st->accept_at = fdp_now_ms() + 100;
			return -1;
		}
		warn("%s: accept", s->name);
		s->status = 1;
		st->stop = 1;
		return -1;
	}
	if (asked)
		peer_of(s, fd, &p);
	/* A refused peer is never read: closing the connection closes
	 * whatever it has sent. It does not count. */
	if (!allowed(s, &p)) {
		say_not_allowed(s, &p, 0, fd);
		close(fd);
		free(p.id);
		return -1;
	}
	greet(s, fd);
	c = add_conn(s, fd, 1);
	c->peer = p;
	c->asked = asked;
	return (long)st->n - 1;
}

/*
 * Refuse connection i's message: say why on standard error, tell its
 * sender (who reads it once it has ended its message, as fdsend does),
 * close the descriptors that came (closed: those already closed), and on
 * a stream, drop the peer: what is still unread goes with it.
 */
static void __attribute__((format(printf, 4, 5)))
refuse(struct serve *s, size_t i, size_t closed, const char *fmt, ...)
{
	struct serve_state *st = s->st;
	struct conn *c = &st->c[i];
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	warnx("%s: refused a message from %s: %s%s", s->name, serve_peer_name(peer(s, c)), why,
	    closed_note(closed + c->m.nfds));
	if (st->type != SOCK_DGRAM)
		fdp_refuse(c->fd, why);
	fdp_msg_clear(&c->m);
	if (st->type == SOCK_STREAM)
		end_conn(s, i);
}

/* Refuse c's message as soon as its descriptors show it must be. */
static int
too_many_fds(struct serve *s, size_t i, int whole)
{
	size_t n = s->st->c[i].m.nfds;

	if (s->max_fds >= 0 && n > (size_t)s->max_fds)
		refuse(s, i, 0, "more than --max-fds %ld descriptors", s->max_fds);
	else if (s->expect >= 0 && n > (size_t)s->expect)
		refuse(s, i, 0, "more than --expect %ld descriptors", s->expect);
	else if (s->expect >= 0 && whole && n != (size_t)s->expect)
		refuse(s, i, 0, "%zu descriptor%s, not --expect %ld", n, n == 1 ? "" : "s",
		    s->expect);
	else
		return 0;
	return 1;
}

/* On a stream, whether the peer ended its message with shutdown(2): it is
 * still there, so the connection has not hung up. */
static int
ended_by_shutdown(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && !(p.revents & POLLHUP);
}

/* Hand c's whole message on, now or (fork mode, with every child slot
 * taken) once a child ends. */
static void
dispatch(struct serve *s, size_t i)
{
	struct serve_state *st = s->st;
	struct conn *c = &st->c[i];

	if (s->forking && st->children >= s->max_children) {
		c->waiting = 1;
		c->order = ++st->order;
		return;
	}
	c->waiting = 0;
	/* A handler that shows the peer has want_comm, and its credentials
	 * were asked for at accept (peer_at_once). */
	st->handled += (unsigned long)(s->handle(s, &c->m, &c->peer) > 0);
	c->msgs++;
	fdp_msg_clear(&c->m);
	fdp_msg_shrink(&c->m);
	/* A stream carries one message: closing is the sender's sign that
	 * it was taken (fdsend waits for it). */
	if (st->type == SOCK_STREAM) {
		/* -c asks again for the next; an inherited connection is done. */
		st->again = s->connect;
		st->eof = st->fixed && !s->connect;
		end_conn(s, i);
		return;
	}
	if (st->type != SOCK_DGRAM)
		arm(s, c);
}

/* What came in on connection i: read it, and act on a whole message. */
static void
read_conn(struct serve *s, size_t i)
{
	struct serve_state *st = s->st;
	struct conn *c = &st->c[i];
	int r, records = 0;

	for (;;) {
		r = fdp_recv_step(c->fd, st->type, &c->m, s->max_size);
		/* A stream is refused as soon as it is past the count. */
		if (r == FDP_AGAIN) {
			too_many_fds(s, i, 0);
			return;
		}
		if (r == FDP_EOF) {
			/* A probe, or a peer done sending records. From the
			 * one inherited connection nothing more will come; -c
			 * connects again after a connection that gave some. */
			if (st->fixed) {
				st->again = s->connect && c->msgs > 0;
				st->eof = !st->again;
			}
			end_conn(s, i);
			return;
		}
		if (r < 0) {
			int e = errno;

			/* A datagram's credentials came with what was cut. */
			if (st->type == SOCK_DGRAM)
				peer_of_datagram(s, &c->m, &c->peer);
			/* A stream message cut short has no end to find; a
			 * record's failure was that record's alone. */
			if (e == EMSGSIZE) {
				refuse(s, i, c->m.closed, "longer than --max-size %s", s->max_size_arg);
			} else if (e == EBADMSG) {
				refuse(s, i, c->m.closed, "the kernel dropped descriptors (is the "
				    "open files limit too low?)");
			} else if (e == EPROTO) {
				refuse(s, i, c->m.closed, "its descriptor names are not one valid "
				    "name (or none) per descriptor");
			} else {
				warnx("%s: dropped %s: receive: %s%s", s->name,
				    serve_peer_name(peer(s, c)), strerror(e),
				    closed_note(c->m.closed));
				end_conn(s, i);
			}
			return;
		}
		/* FDP_MSG */
		if (st->type == SOCK_DGRAM) {
			peer_of_datagram(s, &c->m, &c->peer);
			st->idle_since = fdp_now_ms();
			if (!allowed(s, &c->peer)) {
				say_not_allowed(s, &c->peer, c->m.nfds, -1);
				fdp_msg_clear(&c->m);
				goto next;
			}
		}
		if (too_many_fds(s, i, 1)) {
			if (st->type == SOCK_STREAM)
				return;
			goto next;
		}
		if (st->type == SOCK_STREAM && (s->strict || s->want_comm))
			c->m.ended = ended_by_shutdown(c->fd) ? FDP_ENDED_SHUTDOWN : FDP_ENDED_CLOSE;
		if (s->strict && c->m.ended == FDP_ENDED_CLOSE) {
			refuse(s, i, 0, "the sender closed without shutdown(2) (--strict)");
			return;
		}
		dispatch(s, i);
		if (st->type == SOCK_STREAM || c->waiting || st->stop ||
		    (s->count && st->handled >= s->count))
			return;
next:
		/* Records: a few at a time, then the others get their turn. */
		if (++records == 16)
			return;
	}
}

/* Reap children as they end (flags WNOHANG), or wait for them all (0). */
static void
reap(struct serve *s, int flags)
{
	struct serve_state *st = s->st;
	pid_t pid;
	int status;

	while (st->children > 0 && (pid = waitpid(-1, &status, flags)) > 0) {
		st->children--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if (WIFEXITED(status))
			warnx("%s (pid %d) exited with status %d", s->command, (int)pid,
			    WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			warnx("%s (pid %d) was killed by signal %d", s->command, (int)pid,
			    WTERMSIG(status));
		s->status = 1;
	}
}

void
serve_child(struct serve *s, pid_t pid)
{
	(void)pid;
	s->st->children++;
}

/* Messages held for a child slot, oldest first, while slots are free. */
static void
dispatch_waiting(struct serve *s)
{
	struct serve_state *st = s->st;

	while (st->children < s->max_children && !(s->count && st->handled >= s->count)) {
		size_t i, best = st->n;

		for (i = 0; i < st->n; i++)
			if (st->c[i].waiting && (best == st->n || st->c[i].order < st->c[best].order))
				best = i;
		if (best == st->n)
			return;
		dispatch(s, best);
	}
}

/* The nearest deadline's distance in milliseconds, for ppoll; -1: none. */
static long long
nearest(const struct serve *s, long long now)
{
	const struct serve_state *st = s->st;
	long long at = 0;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->c[i].deadline && !st->c[i].waiting && (!at || st->c[i].deadline < at))
			at = st->c[i].deadline;
	/* With a count, -T also bounds the wait for the next peer. */
	if (s->count && s->timeout_ms >= 0 && st->lfd >= 0 && st->n == 0) {
		long long idle = st->idle_since + s->timeout_ms;

		if (!at || idle < at)
			at = idle;
	}
	if (s->count && s->timeout_ms >= 0 && st->fixed > 0 && st->type == SOCK_DGRAM) {
		long long idle = st->idle_since + s->timeout_ms;

		if (!at || idle < at)
			at = idle;
	}
	if (st->accept_at && (!at || st->accept_at < at))
		at = st->accept_at;
	if (!at)
		return -1;
	return at > now ? at - now : 0;
}

static void
expire(struct serve *s, long long now)
{
	struct serve_state *st = s->st;
	size_t i = 0;

	while (i < st->n) {
		struct conn *c = &st->c[i];

		if (!c->deadline || c->waiting || c->deadline > now) {
			i++;
			continue;
		}
		if (st->type == SOCK_DGRAM) {
			c->deadline = 0;
			i++;
			continue;
		}
		warnx("%s: dropped %s: no whole message within %s%s", s->name,
		    serve_peer_name(peer(s, c)), proc_seconds(s->timeout_arg),
		    closed_note(c->m.nfds));
		fdp_msg_clear(&c->m);
		/* The one source timing out means the run cannot go on. */
		if (st->fixed)
			s->status = 1;
		end_conn(s, i);
	}
	if (s->count && s->timeout_ms >= 0 && !st->stop &&
	    ((st->lfd >= 0 && st->n == 0) || (st->fixed > 0 && st->type == SOCK_DGRAM)) &&
	    now >= st->idle_since + s->timeout_ms) {
		warnx("%s: no %s within %s", s->name, st->lfd >= 0 ? "peer" : "message",
		    proc_seconds(s->timeout_arg));
		s->status = 1;
		st->stop = 1;
	}
	if (st->accept_at && now >= st->accept_at)
		st->accept_at = 0;
}

/* The sources at the start: a listener, or the one connection. */
static int
start(struct serve *s)
{
	struct serve_state *st = s->st;
	struct conn *c;

	st->lfd = -1;
	st->idle_since = fdp_now_ms();
	if (s->connect)
		return connect_server(s);
	st->type = s->l->type;
	if (s->l->listening) {
		st->lfd = s->l->fd;
		return 0;
	}
	/* A dgram socket, or a connection inherited as fd:N. */
	c = add_conn(s, s->l->fd, 0);
	st->fixed = 1;
	if (st->type == SOCK_DGRAM) {
		c->deadline = 0;
		return 0;
	}
	if (!allowed(s, peer(s, c))) {
		say_not_allowed(s, &c->peer, 0, c->fd);
		end_conn(s, 0);
		return -1;
	}
	greet(s, c->fd);
	return 0;
}

int
serve_run(struct serve *s)
{
	struct serve_state st = { 0 };

	s->st = &st;
	if (s->forking) {
		struct sigaction sa = { .sa_handler = on_sigchld };
		sigset_t chld;

		/* SIGCHLD only inside ppoll: a child's end wakes the loop and
		 * is never lost between a check and the wait. */
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_BLOCK, &chld, &st.waitmask);
		sigdelset(&st.waitmask, SIGCHLD);
		sigaction(SIGCHLD, &sa, NULL);
	}
	if (start(s) < 0)
		st.stop = 1;

	while (!st.stop) {
		struct timespec ts;
		long long wait;
		const int *watched = NULL;
		size_t i, np = 0, nc, nw, first_watched;
		long fresh;
		int listen_slot = -1, r;

		if (s->forking)
			reap(s, WNOHANG);
		dispatch_waiting(s);
		if (s->count && st.handled >= s->count)
			break;
		/* The one connection ended: -c connects again for the next
		 * message, when the last one was taken. */
		if (st.fixed < 0 && (!st.again || connect_server(s) < 0))
			break;

		nw = s->watch ? s->watch(s, &watched) : 0;
		st.pfd = xgrow(st.pfd, &st.pcap, st.n + 1 + nw, sizeof(*st.pfd));
		for (i = 0; i < st.n; i++)
			st.pfd[np++] = (struct pollfd){ .fd = st.c[i].waiting ? -1 : st.c[i].fd,
				.events = POLLIN };
		nc = np;
		if (st.lfd >= 0 && st.n < s->max_conns && !st.accept_at) {
			listen_slot = (int)np;
			st.pfd[np++] = (struct pollfd){ .fd = st.lfd, .events = POLLIN };
		}
		/* No events asked: only a hang-up or an error wakes the loop. */
		first_watched = np;
		for (i = 0; i < nw; i++)
			st.pfd[np++] = (struct pollfd){ .fd = watched[i] };
		wait = nearest(s, fdp_now_ms());
		if (wait >= 0) {
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)(wait % 1000) * 1000000;
		}
		r = ppoll(st.pfd, np, wait >= 0 ? &ts : NULL, s->forking ? &st.waitmask : NULL);
		if (r < 0 && errno != EINTR) {
			warn("%s: poll", s->name);
			s->status = 1;
			break;
		}
		if (r > 0) {
			for (i = first_watched; i < np; i++)
				if (st.pfd[i].revents) {
					s->hung_up(s);
					break;
				}
			/* From the last: ending a connection moves the last
			 * one into its place, which was already seen. */
			for (i = nc; i-- > 0 && !st.stop;) {
				if (st.pfd[i].revents && i < st.n && st.c[i].fd == st.pfd[i].fd)
					read_conn(s, (size_t)i);
				if (s->count && st.handled >= s->count)
					break;
			}
			if (listen_slot >= 0 && st.pfd[listen_slot].revents && !st.stop &&
			    !(s->count && st.handled >= s->count) &&
			    (fresh = accept_peer(s)) >= 0)
				/* Its message is usually there already. */
				read_conn(s, (size_t)fresh);
		}
		expire(s, fdp_now_ms());
	}
	if (s->count && st.handled < s->count) {
		if (st.eof)
			warnx("%s: the peer closed after %lu message%s", s->name, st.handled,
			    st.handled == 1 ? "" : "s");
		s->status = 1;
	} else if (!s->count && s->connect) {
		/* -c -n 0 ends only when it cannot go on. */
		s->status = 1;
	}
	/* Peers still in the middle of a message are dropped: their senders
	 * see the connection end before their message was taken. */
	while (st.n > 0)
		end_conn(s, st.n - 1);
	/* Every child's status counts: wait for the last, with the socket
	 * closed first, so that a child that notifies back (NOTIFY_SOCKET)
	 * learns at once that no one reads it any more. */
	if (s->forking) {
		if (!s->connect && s->l->fd >= 0) {
			close(s->l->fd);
			s->l->fd = -1;
		}
		reap(s, 0);
	}
	fdp_msg_free(&st.spare);
	free(st.c);
	free(st.pfd);
	s->st = NULL;
	return s->status;
}
