/*
 * The guest's bundle, checked before git on the host reads its pack:
 * one format (v2, SHA-1), one reference, bounded lines and counts.  Git
 * checks the bundle again (`git bundle verify`, `list-heads`); these
 * checks are ours, so that what git is asked to import is what we
 * asked the guest for, whatever the guest's git says.
 */
#include <stdio.h>
#include <string.h>

#include "bundle-hdr.h"

static const char bundle_sig[] = "# v2 git bundle\n";

static int
oid_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len < BUNDLE_OID_HEX)
		return 0;
	for (i = 0; i < BUNDLE_OID_HEX; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* A guest's ref name, fit to print: printable ASCII, cut short. */
static void
name_show(const char *p, size_t len, char *out, size_t outlen)
{
	size_t	 i, o = 0;

	for (i = 0; i < len && o + 4 < outlen && i < 100; i++)
		out[o++] = p[i] >= 0x21 && p[i] <= 0x7e ? p[i] : '?';
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/*
 * One reference line, without its newline: "OID REF" where REF is
 * exactly ref.  Copies the OID into oid.
 */
static int
ref_line(const char *p, size_t len, const char *ref, char *oid, char *err,
    size_t errlen)
{
	char	 shown[128];
	size_t	 rlen = strlen(ref);

	if (!oid_ok(p, len) || len < BUNDLE_OID_HEX + 2 ||
	    p[BUNDLE_OID_HEX] != ' ') {
		snprintf(err, errlen, "a reference line is malformed");
		return -1;
	}
	p += BUNDLE_OID_HEX + 1;
	len -= BUNDLE_OID_HEX + 1;
	if (len != rlen || memcmp(p, ref, rlen) != 0) {
		name_show(p, len, shown, sizeof(shown));
		snprintf(err, errlen, "it names %s, not %s", shown, ref);
		return -1;
	}
	memcpy(oid, p - BUNDLE_OID_HEX - 1, BUNDLE_OID_HEX);
	oid[BUNDLE_OID_HEX] = '\0';
	return 0;
}

int
bundle_hdr_parse(const char *buf, size_t len, const char *ref,
    struct bundle_hdr *h, char *err, size_t errlen)
{
	const char	*p, *end, *nl;
	size_t		 siglen = sizeof(bundle_sig) - 1, nref = 0;

	memset(h, 0, sizeof(*h));
	if (len > BUNDLE_HDR_MAX)
		len = BUNDLE_HDR_MAX;
	if (len < siglen || memcmp(buf, bundle_sig, siglen) != 0) {
		snprintf(err, errlen, "not a version 2 git bundle");
		return -1;
	}
	end = buf + len;
	for (p = buf + siglen;; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "the bundle's header is cut "
			    "short or longer than %d bytes", BUNDLE_HDR_MAX);
			return -1;
		}
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			snprintf(err, errlen, "a NUL in the bundle's header");
			return -1;
		}
		if (nl == p)
			break;
		if (*p == '-') {
			/* A prerequisite: "-OID", or "-OID comment". */
			if (nref > 0 || !oid_ok(p + 1, (size_t)(nl - p - 1)) ||
			    (nl - p - 1 > BUNDLE_OID_HEX &&
			    p[1 + BUNDLE_OID_HEX] != ' ')) {
				snprintf(err, errlen, "a prerequisite line is "
				    "malformed");
				return -1;
			}
			if (++h->nprereq > BUNDLE_PREREQ_MAX) {
				snprintf(err, errlen, "more than %d "
				    "prerequisites", BUNDLE_PREREQ_MAX);
				return -1;
			}
			continue;
		}
		if (++nref > 1) {
			snprintf(err, errlen, "the bundle names more than one "
			    "ref");
			return -1;
		}
		if (ref_line(p, (size_t)(nl - p), ref, h->oid, err, errlen) ==
		    -1)
			return -1;
	}
	if (nref == 0) {
		snprintf(err, errlen, "the bundle names no ref");
		return -1;
	}
	p = nl + 1;
	if ((size_t)(end - p) < 4 || memcmp(p, "PACK", 4) != 0) {
		snprintf(err, errlen, "no pack after the bundle's header");
		return -1;
	}
	h->pack_off = (size_t)(p - buf);
	return 0;
}

int
bundle_heads_parse(const char *buf, size_t len, const char *ref,
    char oid[BUNDLE_OID_HEX + 1], char *err, size_t errlen)
{
	const char	*nl;

	oid[0] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "git lists no ref in the bundle");
		return -1;
	}
	if (len > BUNDLE_HEADS_MAX ||
	    (nl = memchr(buf, '\n', len)) == NULL) {
		snprintf(err, errlen, "git's list of the bundle's refs is "
		    "malformed");
		return -1;
	}
	if ((size_t)(nl - buf) + 1 != len) {
		snprintf(err, errlen, "git lists more than one ref in the "
		    "bundle");
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "git's list of the bundle's refs has a "
		    "NUL");
		return -1;
	}
	return ref_line(buf, (size_t)(nl - buf), ref, oid, err, errlen);
}
