/* Validation of names and paths that cross a trust boundary. */
#ifndef BANGER_VALID_H
#define BANGER_VALID_H

#include <stddef.h>
#include <stdint.h>

#define VM_NAME_MAX	63

/* VM names are DNS labels: 1-63 of [a-z0-9-], no leading/trailing '-'. */
int	valid_vm_name(const char *);
/* One path component: non-empty, <= 255, no '/', not "." or "..". */
int	valid_path_component(const char *);
/*
 * A path inside a workspace: relative, normalised (no empty, "." or ".."
 * component), not inside .git/, < PATH_MAX.
 */
int	valid_ws_path(const char *);
/* Absolute, normalised path: no "//", no "." or ".." components. */
int	valid_abs_path(const char *, size_t);
/* A statfs f_type of a known local file system (an allowlist). */
int	valid_local_fs(uint64_t);

#endif
