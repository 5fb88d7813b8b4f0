/*
 * What image bundles (bundle-unpack.c, bundle-make.c) and kernel
 * bundles (kernel-bundle.c, kernel-bundle-make.c) share: tar + zstd of
 * manifest.json and a fixed set of regular files, read strictly by
 * bundle-read.c and written by bundle-write.c.
 */
#ifndef BANGER_FETCH_BUNDLE_H
#define BANGER_FETCH_BUNDLE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct archive;
struct archive_entry;
struct json_t;

/* bundle-read.c */
struct bundle_member {
	const char	*name;		/* in the tar, and the output file */
	int64_t		 max;		/* bytes, at least 1 */
	int		 required;
	int		 progress;	/* tell each tenth unpacked */
};
struct bundle_spec {
	/* Exactly these besides manifest.json, each once at most. */
	const struct bundle_member *members;
	size_t		 n;
	const char	*holds;		/* "a bundle holds only ..." */
	size_t		 manifest_max;
	/* manifest.json's bytes, parsed into the caller's storage. */
	int		(*manifest)(void *, const char *, size_t, char *,
			    size_t);
	/*
	 * Called with sizes (tar's; 0 for a member not seen yet) once the
	 * manifest is parsed and on each member's header after it: may
	 * refuse a size the manifest does not allow.  NULL: none.
	 */
	int		(*sizes)(void *, const uint64_t *, char *, size_t);
	void		*arg;
	/* The manifest's name (the caller's storage), which must be want. */
	const char	*got;
	const char	*want;
};
/*
 * The bundle read from fd (at its current offset) into dfd's new files
 * named for its members (holes kept), or only checked when dfd is -1.
 * 0, or -1 with why in err (files made may remain).
 */
int	bundle_read_fd(int, int, const struct bundle_spec *, char *, size_t);
/* "1 byte to N MiB" (or GiB) for max, into buf. */
void	bundle_range(int64_t, char *, size_t);
/*
 * A manifest's JSON object of at most max bytes, its keys exactly among
 * keys (NULL-ended), its "name" valid_vm_name()'s (into name, 64 bytes)
 * and its "created" unix seconds.  NULL with why in err.
 */
struct json_t *bundle_manifest_load(const char *, size_t, size_t,
	    const char *const *, char *, int64_t *, char *, size_t);

/* bundle-write.c: a new bundle, linked to its name only when whole. */
struct bundle_out {
	const char	*path;
	int		 fd;
	int		 linked;
	struct archive	*a;
	struct archive_entry *e;
	char		*buf;		/* BUNDLE_CHUNK bytes */
};
#define BUNDLE_CHUNK	(1 << 20)
/* path must not exist; its directory gets an unnamed file. 0 or -1. */
int	bundle_out_open(struct bundle_out *, const char *);
/* The member manifest.json holding len bytes of buf. */
int	bundle_out_bytes(struct bundle_out *, const char *, const char *,
	    size_t);
/*
 * The member name: fd's size bytes (label names fd in messages), which
 * must still be there; its holes a sparse member with BUNDLE_SPARSE
 * (else zeros), each tenth written told with BUNDLE_PROGRESS.
 */
#define BUNDLE_SPARSE	1
#define BUNDLE_PROGRESS	2
int	bundle_out_file(struct bundle_out *, const char *, const char *, int,
	    off_t, time_t, int);
/* Closed, linked, its size and sha256 told.  0 or -1. */
int	bundle_out_close(struct bundle_out *);
/* Freed (rc the job's); a bundle linked but failed is removed. */
void	bundle_out_free(struct bundle_out *, int);
/*
 * banger-fetch JOB NAME DIR OUT: the arguments checked, the sandbox
 * entered, then make(NAME, DIR, OUT).  The job's exit status.
 */
int	bundle_job_main(int, char **, const char *, const char *,
	    int (*)(const char *, const char *, const char *));

#endif
