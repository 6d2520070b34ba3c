/*
 * compat.h: what one C library or set of kernel headers lacks and another
 * has, in one place. The sources build against glibc and against musl
 * (Debian's musl-gcc, which sees no kernel headers); a file that needs
 * something from here includes this header and nothing else for it.
 *
 * The constants are the kernel's ABI, which never changes, defined only
 * where the libc and headers did not. A function the libc does not wrap
 * is called through syscall(2) under a name of our own, which a macro maps
 * the usual name to: should a later libc declare the function too, nothing
 * clashes. To add one, follow close_range().
 */
#ifndef COMPAT_H
#define COMPAT_H

#include <errno.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#define COMPAT_GLIBC(maj, min) __GLIBC_PREREQ(maj, min)
#else
#define COMPAT_GLIBC(maj, min) 0
#endif

/* close_range(2), Linux 5.9; CLOSE_RANGE_CLOEXEC, Linux 5.11. glibc
 * wraps it from 2.34, musl (1.2.3) not at all. */
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#if !COMPAT_GLIBC(2, 34)
static inline int
compat_close_range(unsigned first, unsigned last, int flags)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, first, last, flags);
#else
	(void)first, (void)last, (void)flags;
	errno = ENOSYS; /* as from a kernel without it */
	return -1;
#endif
}
#define close_range compat_close_range
#endif

/* pidfd_open(2), Linux 5.3, and pidfd_getfd(2), Linux 5.6: glibc wraps
 * them from 2.36 in <sys/pidfd.h>, musl not at all. */
#if COMPAT_GLIBC(2, 36)
#include <sys/pidfd.h>
#else
static inline int
compat_pidfd_open(pid_t pid, unsigned flags)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, flags);
#else
	(void)pid, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}
#define pidfd_open compat_pidfd_open

static inline int
compat_pidfd_getfd(int pidfd, int fd, unsigned flags)
{
#ifdef SYS_pidfd_getfd
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags);
#else
	(void)pidfd, (void)fd, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}
#define pidfd_getfd compat_pidfd_getfd
#endif

/*
 * sendmsg(2) with a control buffer for SCM_MAX_FD (253) descriptors. On
 * 64-bit, musl before 1.2.4 copies the buffer into 1024 bytes of its own
 * (to clear the padding its struct cmsghdr has and the kernel's has not)
 * and fails with ENOMEM beyond: 252 descriptors. There the system call is
 * made directly, so the caller must have zeroed every byte of the msghdr
 * and of each cmsghdr it did not set. Other C libraries' structures are
 * the kernel's, with nothing to clear.
 */
#if !defined(__GLIBC__) && LONG_MAX > INT_MAX && defined(SYS_sendmsg)
static inline ssize_t
compat_sendmsg(int fd, const struct msghdr *mh, int flags)
{
	return syscall(SYS_sendmsg, fd, mh, flags);
}
#else
#define compat_sendmsg sendmsg
#endif

/*
 * musl before 1.2.4 compares a size_t with a pointer difference in
 * CMSG_NXTHDR, which clang reports (-Wsign-compare) wherever the macro is
 * used. The same test with the difference cast (the header lies inside
 * the buffer: it is never negative), on musl's own helper macros.
 */
#if defined(__MHDR_END) && defined(__CMSG_LEN) && defined(__CMSG_NEXT)
#undef CMSG_NXTHDR
#define CMSG_NXTHDR(mh, c) ((c)->cmsg_len < sizeof(struct cmsghdr) || \
	(size_t)(__MHDR_END(mh) - (unsigned char *)(c)) <= \
	__CMSG_LEN(c) + sizeof(struct cmsghdr) ? (struct cmsghdr *)0 : \
	(struct cmsghdr *)__CMSG_NEXT(c))
#endif

/* The control message of a pidfd (Linux 6.5): a cmsg type, the same on
 * every architecture. */
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

/* The socket's network namespace (Linux 4.9), from <linux/sockios.h>. */
#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif

/* memfd seals of Linux 5.1 and 6.3, which older headers lack. */
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* Socket options from <asm-generic/socket.h>: SO_PASSPIDFD and
 * SO_PEERPIDFD (Linux 6.5), SO_PASSRIGHTS (Linux 6.16). Alpha, MIPS,
 * PA-RISC and SPARC number some socket options their own way: there
 * the libc or the kernel headers must supply them. */
#if !defined(__alpha__) && !defined(__mips__) && !defined(__hppa__) && !defined(__sparc__)
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif
#endif

/* The size of a block device in bytes (<linux/fs.h>, which musl-gcc
 * does not see): _IOR(0x12, 114, size_t), on every architecture. */
#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif

#endif
