/*
 * sink: the consumer at the end of the pipe in the --cat scenario, the
 * same for `fdrecv -C` and for `cat FILE`, so that only the writer differs.
 * It reads standard input to EOF and fails unless exactly SIZE bytes came:
 * a fast copy that loses data must not look like a win.
 *
 *     sink SIZE
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

/* The size cat(1) reads and writes with; a pipe holds 64 KiB by default. */
static char buf[128 * 1024];

int
main(int argc, char **argv)
{
	unsigned long long want = argc > 1 ? strtoull(argv[1], NULL, 10) : 0, got = 0;

	for (;;) {
		ssize_t r = read(0, buf, sizeof(buf));

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		got += (unsigned long long)r;
	}
	return got == want ? 0 : 1;
}
