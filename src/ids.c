/*
 * ids.c: user and group names to numbers.
 *
 * The ordinary build asks the C library, and through NSS whatever the
 * system is configured with (files, systemd, LDAP, ...). A static binary
 * cannot load NSS modules: glibc would look for its own shared libraries,
 * of its own version, at run time, where a static binary is often copied
 * because there are none. So static builds (IDS_FROM_FILES, set by `make
 * static`) read /etc/passwd and /etc/group themselves, with glibc and
 * musl alike; names known only to another NSS source are not found there.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"

#ifdef IDS_FROM_FILES

/* Both files are lines of NAME:PASSWORD:ID:...; the first NAME wins, as
 * with NSS. */
static int
files_lookup(const char *path, const char *name, unsigned *id)
{
	FILE *f = fopen(path, "re");
	size_t n = strlen(name), cap = 0;
	char *line = NULL;
	int r = -1;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		char *p, *end;
		unsigned long v;

		if (strncmp(line, name, n) != 0 || line[n] != ':')
			continue;
		p = strchr(line + n + 1, ':');
		if (!p || p[1] < '0' || p[1] > '9')
			break;
		errno = 0;
		v = strtoul(p + 1, &end, 10);
		if (errno == 0 && *end == ':' && v < UINT_MAX) {
			*id = (unsigned)v;
			r = 0;
		}
		break;
	}
	free(line);
	fclose(f);
	return r;
}

int
ids_lookup(const char *name, int group, unsigned *id)
{
	/* Such a name could only match a line by accident. */
	if (!*name || strpbrk(name, ":\n"))
		return -1;
	return files_lookup(group ? "/etc/group" : "/etc/passwd", name, id);
}

#else

#include <grp.h>
#include <pwd.h>

int
ids_lookup(const char *name, int group, unsigned *id)
{
	if (group) {
		struct group *g = getgrnam(name);

		if (!g)
			return -1;
		*id = g->gr_gid;
	} else {
		struct passwd *pw = getpwnam(name);

		if (!pw)
			return -1;
		*id = pw->pw_uid;
	}
	return 0;
}

#endif
