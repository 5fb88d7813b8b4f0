/*
 * A warm start's own files (seed.c), from the seed disk into /root, and
 * the rest of its identity (own.c): `banger-agent own NAME`.
 */
#ifndef BANGER_AGENT_SEED_H
#define BANGER_AGENT_SEED_H

#include <sys/stat.h>

#define SEED_DEPTH_MAX	128	/* directories deeper fail the copy */

void	seed_err(const char *, ...) __attribute__((format(printf, 1, 2)));
int	seed_copy(int, int, int);
int	seed_file(int, int, const char *, const struct stat *);
int	seed_take(int (*)(int, void *), void *);

int	own_name(int, const char *);
int	own_machine_id(int);
int	own_hostkey(int, int);
int	own_sshd_norexec(const char *, size_t);
int	own_main(int, char *[]);
int	seed_main(int, char *[]);

#endif
