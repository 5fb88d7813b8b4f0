/* Finding the external programs banger runs (QEMU, Firecracker, ...). */
#ifndef BANGER_FINDEXEC_H
#define BANGER_FINDEXEC_H

#include <stddef.h>

/*
 * The program to use: the absolute path in environment variable env if it
 * is set and non-empty (it must be an executable file, else -1), else
 * name's first executable regular file in $PATH's absolute directories.
 * Returns 0 with the path in out, or -1 with out "".
 */
int	find_exec(const char *, const char *, char *, size_t);

#endif
