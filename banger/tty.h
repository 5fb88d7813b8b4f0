/* The local terminal during `vm run` with a tty. */
#ifndef BANGER_TTY_H
#define BANGER_TTY_H

#include <stdint.h>

/* Put fd in raw mode; the old mode comes back at exit or tty_restore(). */
int	tty_raw(int);
void	tty_restore(void);
int	tty_size(int, uint64_t *, uint64_t *);

#endif
