/*
 * cat.h: copying a received descriptor's contents, as fdrecv -C does.
 */
#ifndef CAT_H
#define CAT_H

/*
 * Copy fd from its current offset to end of file into out, with splice(2)
 * or sendfile(2) where they apply and read/write otherwise. timeout_ms
 * bounds the whole copy (-1: none). Fails with EISDIR for a directory,
 * EBADF for a descriptor not open for reading, ETIMEDOUT; *outerr is set
 * when the failure was writing to out.
 */
int cat_fd(int fd, int out, int timeout_ms, int *outerr);

#endif
