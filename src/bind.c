/*
 * bind.c: the sockets of -b, made to be handed over.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bind.h"

static const struct {
	const char *prefix;
	int family, type;
} kinds[] = {
	{ "tcp:", AF_INET, SOCK_STREAM },
	{ "tcp6:", AF_INET6, SOCK_STREAM },
	{ "udp:", AF_INET, SOCK_DGRAM },
	{ "udp6:", AF_INET6, SOCK_DGRAM },
	{ "unix:", AF_UNIX, SOCK_STREAM },
	{ "unix-dgram:", AF_UNIX, SOCK_DGRAM },
	{ "unix-seqpacket:", AF_UNIX, SOCK_SEQPACKET },
};

/* A port: 0 to 65535, in decimal, nothing else. */
static int
port_of(const char *s, unsigned short *port)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (i == 0 || s[i] != '\0' || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

/* HOST:PORT, or [ADDR]:PORT for inet6. Numeric only, as systemd's
 * ListenStream= takes them: binding never waits for a name service. */
static int
inet(char *s, struct fdp_bind *b)
{
	char *colon, *host = s;
	unsigned short port;

	if (b->family == AF_INET6 && s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -1;
		*colon++ = '\0';
		host = s + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		*colon = '\0';
		/* An IPv6 address needs its brackets; only "all" goes without. */
		if (b->family == AF_INET6 && colon != s)
			return -1;
	}
	if (port_of(colon + 1, &port) < 0)
		return -1;
	if (b->family == AF_INET) {
		b->inet.in.sin_family = AF_INET;
		b->inet.in.sin_port = htons(port);
		b->inet.in.sin_addr.s_addr = htonl(INADDR_ANY);
		b->inet_len = sizeof(b->inet.in);
		return *host && inet_pton(AF_INET, host, &b->inet.in.sin_addr) != 1 ? -1 : 0;
	}
	b->inet.in6.sin6_family = AF_INET6;
	b->inet.in6.sin6_port = htons(port);
	b->inet.in6.sin6_addr = in6addr_any;
	b->inet_len = sizeof(b->inet.in6);
	return host != s && inet_pton(AF_INET6, host, &b->inet.in6.sin6_addr) != 1 ? -1 : 0;
}

int
fdp_bind_parse(const char *text, struct fdp_bind *b)
{
	char addr[FDP_SUN_PATH_MAX + 1];
	const char *p, *eq;
	size_t i, n;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(text, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		goto invalid;
	b->family = kinds[i].family;
	b->type = kinds[i].type;
	p = text + strlen(kinds[i].prefix);
	/* The name follows the first '=': an ADDR never holds one. */
	eq = strchr(p, '=');
	n = eq ? (size_t)(eq - p) : strlen(p);
	if (eq)
		b->name = eq + 1;
	if (n >= sizeof(addr)) {
		errno = b->family == AF_UNIX ? ENAMETOOLONG : EINVAL;
		return -1;
	}
	memcpy(addr, p, n);
	addr[n] = '\0';
	if (b->family != AF_UNIX)
		return inet(addr, b) < 0 ? (errno = EINVAL, -1) : 0;
	/* A path or @NAME; fd:N is no address to bind. */
	if (fdp_addr_parse(addr, &b->un) < 0)
		return -1;
	if (b->un.fd >= 0)
		goto invalid;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

int
fdp_bind_open(const struct fdp_bind *b, int mode, struct fdp_listener *l)
{
	int s, e, on = 1;

	if (b->family == AF_UNIX) {
		if (fdp_listen(&b->un, b->type, mode, l) < 0)
			return -1;
		/* fdp_listen has credentials come with each datagram, for
		 * fdrecv's own checks; the server that gets this socket did
		 * not ask for them. */
		if (b->type == SOCK_DGRAM)
			setsockopt(l->fd, SOL_SOCKET, SO_PASSCRED, &(int){ 0 }, sizeof(int));
		/* listen(2) again sets the backlog of a listening socket. */
		else if (listen(l->fd, FDP_BACKLOG) < 0)
			goto fail_unix;
		return 0;
	}
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	s = socket(b->family, b->type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (b->family == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
		goto fail;
	/* A restarted server binds again at once, past the connections of
	 * the last one still in TIME_WAIT. */
	if (b->type == SOCK_STREAM &&
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
		goto fail;
	if (bind(s, &b->inet.sa, b->inet_len) < 0)
		goto fail;
	if (b->type == SOCK_STREAM) {
		if (listen(s, FDP_BACKLOG) < 0)
			goto fail;
		l->listening = 1;
	}
	l->fd = s;
	l->type = b->type;
	return 0;
fail:
	e = errno;
	close(s);
	errno = e;
	return -1;
fail_unix:
	e = errno;
	close(l->fd);
	fdp_unbind(l);
	l->fd = -1;
	errno = e;
	return -1;
}
