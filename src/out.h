/*
 * out.h: standard output and error, every write checked.
 *
 * err(3) and warn(3) as the programs call them, but each line is formatted
 * whole and written with one write(2): those of glibc and musl write the
 * program's name, the text and the newline separately, so the lines of
 * processes that share a standard error could interleave. Every err, errx,
 * warn and warnx in a file that includes this header is one of these.
 */
#ifndef OUT_H
#define OUT_H

#include <err.h>
#include <errno.h>
#include <stddef.h>

void out_warn(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void out_die(int status, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define err(status, ...) out_die((status), errno, __VA_ARGS__)
#define errx(status, ...) out_die((status), -1, __VA_ARGS__)
#define warn(...) out_warn(errno, __VA_ARGS__)
#define warnx(...) out_warn(-1, __VA_ARGS__)

/*
 * Refuse to start when descriptor fd (1 or 2) is closed and the run would
 * write there (exit 1): what it wrote would be lost, or land in a file
 * that a received descriptor takes its place.
 */
void out_need(int fd);

/*
 * A write to standard output failed with errnum. A reader that has gone
 * (EPIPE) ends the program quietly, as it ends cat(1): killed by SIGPIPE,
 * after removing fdrecv's socket file. Anything else is an error (exit 1).
 */
_Noreturn void out_failed(int errnum);

/*
 * Standard error line-buffered, for -v, whose report goes there through
 * stdio: it then costs one write(2) a line, not one a character (a warning
 * is written whole either way), and out_end checks it. Only then: stdio's
 * code is for runs that print something.
 */
void out_verbose(void);

/* Write buf to standard output with write(2), not stdio (-p: what comes
 * is written as it is, and stdio's code and buffer stay out of the run);
 * out_failed when that fails. */
void out_write(const void *buf, size_t len);

/* Flush standard output; out_failed when that fails. */
void out_flush(void);

/*
 * At the end of a run: flush and close standard output, and give the
 * status to exit with: 1 instead of 0 when that failed or when a line
 * could not be written to standard error. A run that wrote nothing
 * through stdio (out_flush, out_verbose) makes no call for it.
 */
int out_end(int status);

/* exit(out_end(status)), for -h and -V. */
_Noreturn void out_exit(int status);

#endif
