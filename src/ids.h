/*
 * ids.h: user and group names to numbers.
 */
#ifndef IDS_H
#define IDS_H

/* The uid of user name, or with group the gid of group name; -1 if there
 * is none. */
int ids_lookup(const char *name, int group, unsigned *id);

#endif
