/*
 * fdpass.h: the shared core of fdsend and fdrecv.
 *
 * Addresses, connecting and listening, and moving one whole message with
 * its descriptors over an AF_UNIX socket. Nothing here prints or exits:
 * every function returns -1 with errno set, and the programs decide what
 * to say and which status to return.
 *
 * Timeouts are in milliseconds; a negative timeout means "wait forever".
 */
#ifndef FDPASS_H
#define FDPASS_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* SCM_MAX_FD: the kernel refuses more descriptors than this in one sendmsg. */
#define FDP_MAX_FDS 253

/* The longest message taken unless the user says otherwise (--max-size). */
#define FDP_MAX_SIZE ((size_t)16 << 20)
#define FDP_MAX_SIZE_ARG "16M"

#define FDP_SUN_PATH_MAX ((int)sizeof(((struct sockaddr_un *)0)->sun_path))

struct fdp_addr {
	struct sockaddr_un sun;
	socklen_t len;   /* for PATH and @NAME */
	int fd;          /* N for fd:N, else -1 */
	int abstract;    /* @NAME */
};

/*
 * PATH, @NAME or fd:N. Fails with EINVAL for an empty address or a bad
 * fd:N, and ENAMETOOLONG for a name that does not fit in sun_path.
 */
int fdp_addr_parse(const char *text, struct fdp_addr *a);

/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long fdp_now_ms(void);

/* Bound each blocking call of opt's kind on sock (SO_SNDTIMEO or
 * SO_RCVTIMEO) to ms milliseconds; 0 or less is as short as the kernel
 * allows, not forever as a zero timeval would be. */
int fdp_set_timeout(int sock, int opt, long long ms);

/* Wait until fd is ready for events (POLLIN, POLLOUT); ETIMEDOUT. */
int fdp_wait(int fd, short events, int timeout_ms);

/*
 * Connect to a. *type is SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM, or 0 to
 * try them in that order; it is set to the type that connected. While the
 * socket is missing or refusing, retry for up to wait_ms (0: try once).
 * A path that is there but is not a socket fails at once with ENOTSOCK.
 * For fd:N, N itself is returned after checking it is a socket of *type.
 */
int fdp_connect(const struct fdp_addr *a, int *type, int wait_ms, int timeout_ms);

struct fdp_listener {
	int fd;
	int type;
	int listening;          /* accept() on fd; otherwise receive on it directly */
	int bound;              /* we created the socket file at path */
	dev_t dev;
	ino_t ino;
	char path[FDP_SUN_PATH_MAX + 1];
};

/*
 * Bind a and listen (dgram: just bind, with SO_PASSCRED). mode is the exact
 * permission of the socket file, or -1 for 0777 & ~umask. An existing socket
 * file is replaced only when nothing is bound to it; errors: ELOOP for a
 * symbolic link, EEXIST for a file that is not a socket, EADDRINUSE for a
 * live socket, EACCES for a socket file we may not connect to (live or not).
 * For fd:N, describes N (listening or not) and binds nothing.
 */
int fdp_listen(const struct fdp_addr *a, int type, int mode, struct fdp_listener *l);

/* Which user has a socket bound to a: the owner of the socket file, or
 * for an abstract name, who bound it (sock_diag, Linux 5.3). ENOENT when
 * there is no such socket. */
int fdp_owner(const struct fdp_addr *a, uid_t *uid);

/* Remove the socket file, if it is still the one fdp_listen created.
 * Async-signal-safe, so a signal handler may call it. */
void fdp_unbind(struct fdp_listener *l);

int fdp_accept(int lfd, int timeout_ms);

/* SO_PEERCRED: the peer as of connect(). */
int fdp_peercred(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/*
 * Send one message: buf and every descriptor as SCM_RIGHTS. On a stream
 * socket more than FDP_MAX_FDS go in several sendmsg calls, each with at
 * least one byte; other types refuse more than FDP_MAX_FDS with E2BIG,
 * before sending anything. The bytes are framed so that fdp_recv gives
 * back exactly buf (see fdp_unframe).
 */
int fdp_send(int sock, int type, const void *buf, size_t len,
    const int *fds, size_t nfds, int timeout_ms);

struct fdp_msg {
	char *data;             /* the payload, not NUL-terminated */
	size_t len, cap;
	int *fds;               /* in arrival order, all close-on-exec */
	size_t nfds, fdcap;
	int has_cred;           /* SCM_CREDENTIALS came with it (dgram) */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	size_t closed;          /* after a failure: descriptors that did arrive, and were closed */
	int ended;              /* how a stream message ended, when its receiver looked */
	const char *nonce;      /* set by the receiver: take off a names trailer
	                         * carrying this nonce (see FDP_GREETING) */
	char *names;            /* then: its names, NUL-terminated in data, or NULL */
};

/* How a stream message ended: with shutdown(2), the sender still there,
 * or with the connection closed (or the sender gone). */
enum { FDP_ENDED_UNKNOWN, FDP_ENDED_SHUTDOWN, FDP_ENDED_CLOSE };

/*
 * One step of receiving a message into m: one recvmsg(2) that never waits
 * (the caller polls). A stream message is everything up to EOF; any other
 * is one record. A message is at most max bytes. Returns:
 */
enum {
	FDP_AGAIN,      /* nothing more for now: wait for POLLIN */
	FDP_MSG,        /* m holds a whole message, unframed */
	FDP_EOF,        /* the peer closed without (another) message; m is empty */
};
/*
 * or -1 with errno: EBADMSG when the kernel dropped descriptors
 * (MSG_CTRUNC), EMSGSIZE for a message longer than max, EPROTO for a names
 * trailer with m->nonce that does not name every descriptor, or the error
 * of recvmsg. A stream whose sender closed with something of ours unread
 * (ECONNRESET) ends there, as if it had closed cleanly. On failure every descriptor that arrived is closed (m->closed
 * says how many) and none is left in m. Start a message with m cleared
 * (fdp_msg_clear).
 */
int fdp_recv_step(int sock, int type, struct fdp_msg *m, size_t max);

/*
 * Receive one whole message, waiting at most timeout_ms for each part of
 * it: 1 for a message, 0 when the peer closed without sending anything,
 * -1 as fdp_recv_step (and ETIMEDOUT).
 */
int fdp_recv(int sock, int type, struct fdp_msg *m, size_t max, int timeout_ms);

/*
 * A receiver that refuses a message it has read can say why before it
 * closes the connection: a NUL byte, "refused: ", the reason, a newline.
 * fdp_refuse sends that without waiting, and ignores a peer that is gone.
 */
#define FDP_REFUSED "\0refused: "
#define FDP_REFUSED_LEN 10
void fdp_refuse(int sock, const char *why);

/* Whether data (of len bytes) is such a refusal; its reason into why. */
int fdp_refusal(const char *data, size_t len, char *why, size_t size);

/* After a send failed because the receiver went away: whether it left a
 * refusal to read, and its reason. Does not wait. */
int fdp_refused(int sock, char *why, size_t size);

/* Bytes the peer has not read yet of what we sent (SIOCOUTQ, which is
 * TIOCOUTQ), or -1 when the kernel will not say. */
long fdp_unread(int sock);

/*
 * After a message on a stream or seqpacket connection: end it with
 * shutdown(SHUT_WR) and wait until the receiver closes its end, so that
 * the sender knows it was taken. Returns 0 when the receiver closed, or
 * when it has read everything and still keeps its end open linger_ms
 * later. Fails with ECONNRESET when it closed with the message unread,
 * EBADMSG when it refused the message (why: the reason it gave, cut to
 * size), ETIMEDOUT when it had not read it all within timeout_ms (-1:
 * no limit). Anything else the receiver sends is read and dropped. A
 * socket of its own (own) is left with SO_RCVTIMEO set; a shared one (an
 * inherited descriptor, maybe non-blocking) is left as it was.
 */
int fdp_delivered(int sock, int own, int timeout_ms, int linger_ms, char *why, size_t size);

/*
 * Descriptor names on a stream connection, from fdsend to fdrecv, without
 * changing what any other peer receives.
 *
 * fdrecv writes a greeting on every stream connection before it reads
 * anything: a NUL, "fdrecv names ", its nonce (16 lowercase hex digits,
 * random, one per process) and a newline. A sender with names to give
 * sends its message, then waits for one of two things: the greeting, or
 * its whole message read without one, which means the receiver is not
 * fdrecv (the greeting is queued before fdrecv's first read). After the
 * greeting it ends the message with a names trailer: a NUL, "fdnames ",
 * the nonce, a space, the names of the descriptors in order separated by
 * ':' (empty for one without a name), and a newline. fdrecv takes off a
 * trailer only at the end of the stream and only with its own nonce, so
 * that no other sender's message is ever taken for one.
 */
#define FDP_NONCE_LEN 16
#define FDP_GREETING "\0fdrecv names "
#define FDP_GREETING_LEN 14     /* before the nonce */
#define FDP_GREETING_SIZE (FDP_GREETING_LEN + FDP_NONCE_LEN + 1)
#define FDP_NAMES "\0fdnames "
#define FDP_NAMES_LEN 9

/* A new nonce, from getrandom(2), as a string. */
int fdp_nonce(char nonce[FDP_NONCE_LEN + 1]);

/* Write the greeting without waiting; a peer that is gone is ignored. */
void fdp_greet(int sock, const char *nonce);

/* FDP_GREETING_SIZE when data (of len bytes) begins with a greeting, else 0. */
size_t fdp_greeting(const char *data, size_t len);

/*
 * After a whole message on a stream connection: wait (at most timeout_ms;
 * -1: no limit) for the greeting, then send the names trailer (names[i]
 * NULL for a descriptor without one). Returns 1 when the names were sent,
 * 0 when the receiver read the message without a greeting, or spoke first
 * of something else: nothing sent. Fails with ETIMEDOUT, or ECONNRESET
 * when the receiver closed with the message unread.
 */
int fdp_send_names(int sock, char *const *names, size_t nfds, int timeout_ms);

/* At the end of a stream message: take off a names trailer with m's
 * nonce, if there is one (m->names then points at its names). */
int fdp_names_take(struct fdp_msg *m);

/*
 * m's names, one per descriptor (NULL for one without a name), in *out,
 * pointing into m's buffer; *out is NULL when none came. -1: no memory.
 */
int fdp_msg_names(struct fdp_msg *m, char ***out);

/* Close m's descriptors and empty it, keeping its buffers for the next one. */
void fdp_msg_clear(struct fdp_msg *m);
void fdp_msg_free(struct fdp_msg *m);

/* Give back the buffers of a long message, so that one long message does
 * not keep its memory for good. */
void fdp_msg_shrink(struct fdp_msg *m);

/* Close every descriptor of a list. */
void fdp_close_all(const int *fds, size_t n);

/* Write the low 4 * ndigits bits of v as that many lowercase hex digits,
 * with no NUL: the framing's numbers, without snprintf(3), whose code is
 * most of the C library a plain run would otherwise map. */
void fdp_hex(char *dst, unsigned long long v, int ndigits);

/*
 * The framing of fdp_send, undone: the length of the message that data
 * (of len bytes, as received) carries. A payload of exactly one NUL byte
 * is the empty message; a payload that ends with a padding trailer (a NUL,
 * "fdpad=", 8 hex digits and a newline, after that many NUL bytes) is the
 * message before the padding. Anything else is the message as it is.
 */
size_t fdp_unframe(const char *data, size_t len);

const char *fdp_type_name(int type);

#endif
