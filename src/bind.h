/*
 * bind.h: the sockets of -b ADDR[=NAME], made to be handed over: parsed,
 * bound and (for streams) listening, as a service manager's socket units
 * make them. Nothing here prints or exits.
 */
#ifndef BIND_H
#define BIND_H

#include <netinet/in.h>

#include "fdpass.h"

/* listen(2)'s backlog: Linux's SOMAXCONN since 5.4, which the kernel caps
 * at net.core.somaxconn; musl's SOMAXCONN is still 128. */
#define FDP_BACKLOG 4096

struct fdp_bind {
	int family;             /* AF_INET, AF_INET6 or AF_UNIX */
	int type;               /* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} inet;
	socklen_t inet_len;
	struct fdp_addr un;     /* for AF_UNIX: a path or an abstract name */
	const char *name;       /* what follows the first '=', or NULL */
};

/*
 * ADDR[=NAME]: tcp:HOST:PORT, udp:HOST:PORT (HOST a numeric IPv4 address,
 * or empty for all), tcp6:[ADDR]:PORT, udp6:[ADDR]:PORT (or an empty
 * ADDR, without brackets, for all), unix:PATH, unix-dgram:PATH or
 * unix-seqpacket:PATH (PATH may be @NAME). Fails with EINVAL, or
 * ENAMETOOLONG for a PATH that does not fit in a socket address; name
 * points into text and is not checked here.
 */
int fdp_bind_parse(const char *text, struct fdp_bind *b);

/*
 * Make b's socket, close-on-exec: bound, and listening with FDP_BACKLOG
 * unless it is a datagram socket. Listening inet sockets get
 * SO_REUSEADDR; inet6 ones IPV6_V6ONLY, so that tcp: and tcp6: can share a
 * port. A unix PATH follows fdp_listen's rules (mode, and which existing
 * file it replaces: none but a stale socket), and its errors. l says
 * which file was made, for fdp_unbind.
 */
int fdp_bind_open(const struct fdp_bind *b, int mode, struct fdp_listener *l);

#endif
