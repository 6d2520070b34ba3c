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

/* ms as a message says it: "1 second", "0.25 seconds". In a static buffer. */
const char *arg_ms_show(int ms);

/* BYTES: decimal, with an optional K, M or G suffix (powers of 1024),
 * from 1 to max. */
int arg_size(const char *s, size_t max, size_t *out);

/* stream, seqpacket or dgram. */
int arg_type(const char *s, int *type);

/* Octal permission bits, at most 0777. */
int arg_mode(const char *s, int *mode);

/* A user or group: a number or a name. */
int arg_id(const char *s, int group, unsigned *id);

/* --allow-uid and --allow-gid: the users and groups a peer may have. */
struct allow {
	unsigned *ids[2];       /* [0] users, [1] groups */
	size_t n[2];
};

/* Add a user (group 0) or group (1), a number or a name; -1 for a name
 * that does not exist, or no memory. */
int arg_allow(struct allow *a, const char *s, int group);

/* Whether a peer passes: no list at all, or known credentials whose uid
 * or gid is on it. */
int allow_match(const struct allow *a, int known, unsigned uid, unsigned gid);

void allow_free(struct allow *a);

/*
 * A growing list of descriptor numbers. It may start in storage of the
 * caller's (v, of cap ints, own 0), and moves to allocated memory (own 1)
 * only once it outgrows that: a short list costs no malloc.
 */
struct arg_fdlist {
	int *v;
	size_t n, cap;
	int own;
};

/* Append one number; -1 when there is no memory. */
int arg_fdlist_push(struct arg_fdlist *l, int fd);

/*
 * Descriptor numbers: "N", "N-M", or a comma-separated list of those,
 * followed by "=NAME" when name is not NULL. The numbers are appended to
 * l; *name points into s, or is NULL. On failure l is as it was.
 */
int arg_fds(const char *s, struct arg_fdlist *l, const char **name);

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
 * The options of a program: a short letter (val < 256) and/or a long name,
 * and whether a value follows. A table ends with a zeroed entry.
 */
struct arg_opt {
	const char *name;       /* without "--"; NULL for a short option only */
	int val;                /* the letter, or a code above 255 */
	int has_value;
};

struct arg_scan {
	int argc;
	char **argv;
	int ind;                /* after the options: the first operand */
	char *value;            /* the value of the option just returned */
	char *rest;             /* what is left of a cluster such as -lv */
	const char *bad;        /* after an error: the option as given */
	int badlen;
	char letter[3];         /* "-x", for a short option in a cluster */
	int ended;              /* the options ended with "--" */
};

enum {
	ARG_END = -1,           /* an operand, "--", or no more arguments */
	ARG_UNKNOWN = -2,
	ARG_AMBIGUOUS = -3,     /* a long prefix that fits several options */
	ARG_MISSING = -4,       /* no value for an option that needs one */
	ARG_EXTRA = -5,         /* "--name=VALUE" for an option without one */
};

/*
 * The next option of s->argv, as getopt_long(3) finds them in POSIX order:
 * options end at the first operand or "--"; short options cluster, with a
 * value attached or in the next argument; a long option takes "=VALUE" or
 * the next argument, and may be shortened to any unique prefix. Returns its
 * val, or one of the ARG_ codes.
 */
int arg_next(struct arg_scan *s, const struct arg_opt *opts);

/*
 * Whether w is written as one of opts: "-x", "--name" or "--name=VALUE",
 * with the name in full. An operand that is one was most likely meant as
 * an option.
 */
int arg_is_option(const char *w, const struct arg_opt *opts);

/* What went wrong, after arg_next returned an error code. */
const char *arg_error(const struct arg_scan *s, int code);

/*
 * s as a one-line message may show it: control characters as \xHH (a
 * newline would split the message, an escape would drive the terminal),
 * and cut short with "..." past about 2000 bytes. In a static buffer.
 */
const char *arg_show(const char *s);

/*
 * The numbers of a line of /proc that starts with key ("Uid:",
 * "it_value:"): up to n of them, in base (0: as C writes them), separated
 * by blanks, commas or parentheses; a negative one as its two's
 * complement. Returns how many were read: 0 for a line with another key.
 * Not sscanf(3), which brings floating-point scanning into a static build.
 */
int arg_line_numbers(const char *line, const char *key, int base, unsigned long long *v, int n);

/* Whether arg_show(s) would be s as it is (nothing to escape or cut). */
int arg_shows_as_is(const char *s);

#endif
