/*
 * Which inodes the layer being applied made or named: an opaque
 * whiteout keeps those and removes what older layers left.  An open
 * addressing table of inode numbers, cleared for every layer.
 */
#include <stdlib.h>
#include <string.h>

#include "layer-int.h"

static size_t
slot(const struct layer_set *s, ext2_ino_t ino)
{
	size_t	 i = ((size_t)ino * 2654435761u) & (s->cap - 1);

	while (s->ino[i] != 0 && s->ino[i] != ino)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int
grow(struct layer_set *s)
{
	struct layer_set	 n;
	size_t			 i, j;

	n.cap = s->cap == 0 ? 1024 : s->cap * 2;
	n.n = 0;
	if ((n.ino = calloc(n.cap, sizeof(*n.ino))) == NULL ||
	    (n.flag = calloc(n.cap, sizeof(*n.flag))) == NULL) {
		free(n.ino);
		return -1;
	}
	for (i = 0; i < s->cap; i++) {
		if (s->ino[i] == 0)
			continue;
		j = slot(&n, s->ino[i]);
		n.ino[j] = s->ino[i];
		n.flag[j] = s->flag[i];
		n.n++;
	}
	free(s->ino);
	free(s->flag);
	*s = n;
	return 0;
}

/* Adds flag to ino's; 0, or -1 without memory. */
int
layer_set_add(struct layer_set *s, ext2_ino_t ino, int flag)
{
	size_t	 i;

	if ((s->n + 1) * 2 > s->cap && grow(s) == -1)
		return -1;
	i = slot(s, ino);
	if (s->ino[i] == 0) {
		s->ino[i] = ino;
		s->flag[i] = 0;
		s->n++;
	}
	s->flag[i] |= flag;
	return 0;
}

int
layer_set_get(const struct layer_set *s, ext2_ino_t ino)
{
	size_t	 i;

	if (s->cap == 0)
		return 0;
	i = slot(s, ino);
	return s->ino[i] == ino ? s->flag[i] : 0;
}

void
layer_set_clear(struct layer_set *s)
{
	if (s->cap == 0)
		return;
	memset(s->ino, 0, s->cap * sizeof(*s->ino));
	s->n = 0;
}

void
layer_set_free(struct layer_set *s)
{
	free(s->ino);
	free(s->flag);
	memset(s, 0, sizeof(*s));
}
