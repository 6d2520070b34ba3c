/*
 * proc.h: process set-up shared by both programs.
 */
#ifndef PROC_H
#define PROC_H

#include <stddef.h>

#include "bind.h"
#include "fdpass.h"

/*
 * Check that every descriptor in fds is open, and fill any of 0, 1 and 2
 * that is closed with /dev/null, so that nothing opened later lands there
 * by accident. Returns the index in fds of the first that is not open,
 * -1 when all are, -2 when they cannot be checked or /dev/null opened.
 */
long proc_check_fds(const int *fds, size_t n);


/*
 * Ignore SIGPIPE (a vanished reader is an error to report); on SIGINT,
 * SIGTERM and SIGHUP, and at exit, remove l's socket file if it is still
 * ours, then die of the signal as usual.
 */
void proc_cleanup(struct fdp_listener *l);

/* End as if killed by sig, which nothing may catch or ignore: having
 * removed the socket file, as the handlers of proc_cleanup do. */
_Noreturn void proc_die(int sig);

/* After proc_cleanup: on SIGINT, SIGTERM and SIGHUP, exit with status
 * (having removed the socket file) instead of dying of the signal: the
 * way a service that runs until told to stop ends well. */
void proc_signal_exit(int status);

/* The signal dispositions and mask the process started with, for a
 * command to run; the socket file is no longer removed at exit. */
void proc_signals_restore(void);

/*
 * Raise the soft limit on open files to the hard one, so that any number
 * of descriptors below it can arrive and be handed on; restore the limit
 * the process started with for a command to run (programs that use
 * select(2) rely on it). proc_nofile_raise returns 1 when it raised it.
 */
int proc_nofile_raise(void);
void proc_nofile_restore(void);

/* Whether n descriptors could be in flight at once from this process:
 * 0 when they can, else the limit they are past (sendmsg would fail with
 * ETOOMANYREFS). Root, or rather CAP_SYS_RESOURCE or CAP_SYS_ADMIN, has
 * no such limit. */
unsigned long proc_inflight_limit(size_t n);

/* "2 seconds", "1 second": a number of seconds as given, for messages. */
const char *proc_seconds(const char *arg);

/*
 * What both programs do the same way, and end the run on failure: exit 2
 * for a malformed SOCKET, 1 for one that cannot be bound.
 */
void proc_addr(const char *text, struct fdp_addr *a);
void proc_listen(const char *text, const struct fdp_addr *a, int type, int mode,
    struct fdp_listener *l);

/* --max-size BYTES, or exit 2 naming the value. */
size_t proc_max_size(const char *arg);

/*
 * -b ADDR[=NAME]: parse it, or exit 2 saying what is wrong with it; then
 * bind every one, in order, into l, or exit 1 naming the first that
 * fails. Until proc_binds_keep is called, the socket files made are
 * removed at exit and on SIGINT, SIGTERM and SIGHUP (nothing is left
 * behind by a run that did not hand them over); proc_binds_drop removes
 * them at once, for a process about to _exit.
 */
void proc_bind_parse(const char *text, struct fdp_bind *b);
void proc_bind_all(char *const *texts, const struct fdp_bind *b, size_t n, int mode,
    struct fdp_listener *l);
void proc_binds_keep(void);
void proc_binds_drop(void);

/* realloc(p, n * size), or exit. */
void *xrealloc(void *p, size_t n, size_t size);

/* p with room for need elements, its capacity *cap doubled as needed. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);

#endif
