/*
 * What `banger vm pull` accepts from a guest: the header of a git bundle
 * and git's own listing of its heads.  Both come from the guest, so both
 * parsers are strict and bounded; neither allocates.
 */
#ifndef BANGER_BUNDLE_HDR_H
#define BANGER_BUNDLE_HDR_H

#include <stddef.h>

#define BUNDLE_OID_HEX		40		/* SHA-1 object ids only */
#define BUNDLE_HDR_MAX		(1024 * 1024)	/* header bytes looked at */
#define BUNDLE_PREREQ_MAX	4096		/* prerequisite lines */
#define BUNDLE_HEADS_MAX	65536		/* list-heads output */

struct bundle_hdr {
	char	 oid[BUNDLE_OID_HEX + 1];	/* what the one ref names */
	size_t	 nprereq;
	size_t	 pack_off;			/* where "PACK" starts */
};

/*
 * buf holds the start of a bundle (len bytes, the header and at least
 * the pack's first four bytes): "# v2 git bundle", prerequisite lines
 * "-OID[ comment]", exactly one reference line "OID REF" naming ref, an
 * empty line, then "PACK".  Returns 0, or -1 with a message in err.
 */
int	bundle_hdr_parse(const char *, size_t, const char *,
	    struct bundle_hdr *, char *, size_t);

/*
 * `git bundle list-heads` output (len bytes): exactly one line "OID REF"
 * naming ref.  Fills oid; returns 0, or -1 with a message in err.
 */
int	bundle_heads_parse(const char *, size_t, const char *,
	    char [BUNDLE_OID_HEX + 1], char *, size_t);

#endif
