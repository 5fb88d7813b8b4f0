/*
 * `banger-agent seed` (seed.c): a warm start's own files, from the seed
 * disk into /root.
 */
#ifndef BANGER_AGENT_SEED_H
#define BANGER_AGENT_SEED_H

#define SEED_DEPTH_MAX	128	/* directories deeper fail the copy */

int	seed_copy(int, int, int);
int	seed_main(int, char *[]);

#endif
