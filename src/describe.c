/*
 * describe.c: what a descriptor is. Shared by fdrecv's reports and
 * fdsend -v, so both say the same things in the same words.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "compat.h"
#include "describe.h"

static const char *
family_name(int af)
{
	switch (af) {
	case AF_UNIX: return "unix";
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_NETLINK: return "netlink";
	case AF_PACKET: return "packet";
	case AF_VSOCK: return "vsock";
	case AF_BLUETOOTH: return "bluetooth";
	case AF_ALG: return "alg";
	case AF_TIPC: return "tipc";
	case AF_CAN: return "can";
	case AF_XDP: return "xdp";
	}
	return "other";
}

static const char *
socktype_name(int t)
{
	switch (t) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW: return "raw";
	case SOCK_RDM: return "rdm";
	case SOCK_PACKET: return "packet";
	}
	return NULL;
}

/* An address as the contract writes it: a path, @name, A.B.C.D:PORT or
 * [ADDR]:PORT; "" for an unnamed socket or a family without a notation. */
static void
format_addr(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	out[0] = '\0';
	switch (ss->ss_family) {
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
		size_t n = len - offsetof(struct sockaddr_un, sun_path), i, o = 0;

		if (len <= offsetof(struct sockaddr_un, sun_path) || n > sizeof(sun->sun_path))
			return;
		if (sun->sun_path[0] != '\0') {
			snprintf(out, size, "%.*s", (int)strnlen(sun->sun_path, n), sun->sun_path);
			return;
		}
		/* Abstract: any byte may be in the name; keep the report one line. */
		out[o++] = '@';
		for (i = 1; i < n && o + 5 < size; i++) {
			unsigned char c = (unsigned char)sun->sun_path[i];

			if (c >= 0x20 && c < 0x7f && c != '\\')
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		}
		out[o] = '\0';
		return;
	}
	case AF_INET: {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, ntohs(in->sin_port));
		return;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(out, size, "[%s]:%u", ip, ntohs(in6->sin6_port));
		return;
	}
	}
}

static void
describe_socket(int fd, struct fd_desc *d)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int v;

	/* An O_PATH descriptor of a socket file is no socket: nothing to ask. */
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) < 0)
		return;
	d->family = family_name(v);
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0)
		d->socktype = socktype_name(v);
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0)
		d->listening = v != 0;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, len, d->local, sizeof(d->local));
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, len, d->peer, sizeof(d->peer));
}

int
describe_fd(int fd, struct fd_desc *d)
{
	char link[32];
	struct stat st;
	ssize_t n;
	int fl;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->listening = -1;
	if (fstat(fd, &st) < 0)
		return -1;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, d->path, sizeof(d->path) - 1);
	d->path[n > 0 ? n : 0] = '\0';

	fl = fcntl(fd, F_GETFL);
	if (fl >= 0) {
		d->flags = fl;
		if (fl & O_PATH)
			d->access = "path";
		else if ((fl & O_ACCMODE) == O_RDONLY)
			d->access = "r";
		else if ((fl & O_ACCMODE) == O_WRONLY)
			d->access = "w";
		else
			d->access = "rw";
	}

	/* Anonymous inodes have no file type of their own; the kernel names
	 * them in the link: "anon_inode:[eventfd]", "anon_inode:inotify". */
	if (strncmp(d->path, "anon_inode:", 11) == 0) {
		const char *name = d->path + 11;
		size_t len = strlen(name);

		if (name[0] == '[' && len > 1 && name[len - 1] == ']') {
			name++;
			len -= 2;
		}
		if (len == 9 && strncmp(name, "eventpoll", 9) == 0)
			name = "epoll", len = 5;
		snprintf(d->anon, sizeof(d->anon), "%.*s", (int)len, name);
		d->type = "anon";
		return 0;
	}

	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		d->type = "file";
		d->has_size = 1;
		d->size = st.st_size;
		break;
	case S_IFDIR:
		d->type = "directory";
		return 0;
	case S_IFIFO:
		d->type = strncmp(d->path, "pipe:", 5) == 0 ? "pipe" : "fifo";
		return 0;
	case S_IFSOCK:
		d->type = "socket";
		describe_socket(fd, d);
		return 0;
	case S_IFCHR:
		d->type = "char";
		return 0;
	case S_IFBLK: {
		unsigned long long sz;

		d->type = "block";
		if (ioctl(fd, BLKGETSIZE64, &sz) == 0) {
			d->has_size = 1;
			d->size = (long long)sz;
		}
		break;
	}
	default:
		d->type = "anon";
		return 0;
	}
	/* SEEK_CUR by 0 reads the offset without moving it (it is shared with
	 * the sender). An O_PATH descriptor has none. */
	if (!(fl >= 0 && (fl & O_PATH))) {
		off_t off = lseek(fd, 0, SEEK_CUR);

		if (off >= 0) {
			d->has_offset = 1;
			d->offset = off;
		}
	}
	return 0;
}

void
describe_flags(int flags, void (*f)(const char *name, void *arg), void *arg)
{
	if (flags & O_APPEND)
		f("append", arg);
	if (flags & O_ASYNC)
		f("async", arg);
	if (flags & O_DIRECT)
		f("direct", arg);
	/* O_SYNC includes the O_DSYNC bit. */
	if ((flags & O_SYNC) == O_SYNC)
		f("sync", arg);
	else if (flags & O_DSYNC)
		f("dsync", arg);
	if (flags & O_NOATIME)
		f("noatime", arg);
	if (flags & O_NONBLOCK)
		f("nonblock", arg);
}

void
describe_comm(pid_t pid, char *buf, size_t size)
{
	char path[32];
	ssize_t n = -1;
	int fd;

	buf[0] = '\0';
	if (pid <= 0 || size == 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
}
