/*
 * args.h: parsing option values. Each parser returns 0, or -1 for a value
 * the caller reports as a usage error (exit 2).
 */
#ifndef ARGS_H
#define ARGS_H

#include <stddef.h>

/* Decimal, no sign, at most max. */
int arg_uint(const char *s, unsigned long max, unsigned long *out);

/* SECONDS with decimals ("2", "0.25") to milliseconds, rounded up. */
int arg_seconds(const char *s, int *ms);

/* stream, seqpacket or dgram. */
int arg_type(const char *s, int *type);

/* Octal permission bits, at most 0777. */
int arg_mode(const char *s, int *mode);

/* A user or group: a number or a name. */
int arg_id(const char *s, int group, unsigned *id);

/*
 * Descriptor numbers: "N", "N-M", or a comma-separated list of those,
 * followed by "=NAME" when name is not NULL. The numbers are
 * appended to *v (of *n, capacity *cap); *name points into s, or is NULL.
 */
int arg_fds(const char *s, int **v, size_t *n, size_t *cap, const char **name);

/*
 * Interpret \\ \n \t \r \0 \xHH in s, writing at most strlen(s) bytes to
 * out and their number to *len. On an unknown or incomplete escape, *bad
 * points at its backslash.
 */
int arg_unescape(const char *s, char *out, size_t *len, const char **bad);

/* systemd's rules for a descriptor name: 1 to 255 printable ASCII
 * characters, no ':'. */
int arg_fdname_ok(const char *s, size_t len);

/* NAME[:NAME...], each by those rules. */
int arg_fdnames_ok(const char *s);

/*
 * What went wrong, for getopt_long(3) run with a leading ':' in its option
 * string: c is what it returned (':' or '?'), opt its optopt, word the
 * argument it was looking at.
 */
const char *arg_option_error(int c, int opt, const char *word);

/*
 * s as a one-line message may show it: control characters as \xHH (a
 * newline would split the message, an escape would drive the terminal),
 * and cut short with "..." past about 2000 bytes. In a static buffer.
 */
const char *arg_show(const char *s);

#endif
