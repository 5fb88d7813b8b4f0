#ifndef BANGER_FDUTIL_H
#define BANGER_FDUTIL_H

#include <sys/types.h>

int	fd_cloexec(int, int);
int	fd_nonblock(int, int);
/* Close every descriptor >= lowfd. */
void	fd_closefrom(int);
/* Move fd to exactly target (dup2 then close), clearing close-on-exec. */
int	fd_move(int, int);
/* A regular file opened to read (no link, no FIFO wait), or -1. */
int	open_regular(const char *);
/* path beneath dirfd, no symlink followed (openat2); "" is dirfd. */
int	open_beneath(int, const char *, int);
/* fsync a directory, so that a rename or create in it is durable. */
int	fsync_dir(const char *);
/* rwall.c */
ssize_t	read_all(int, void *, size_t);
ssize_t	write_all(int, const void *, size_t);

#endif
