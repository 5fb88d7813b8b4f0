/*
 * The lease table in memory.  The three kinds differ only in their
 * numbers, so one description of each (word, ranges, which numbers are
 * unique) drives one parser, one serialiser and one set of lookups.
 */
#include <stdio.h>
#include <string.h>

#include "lease.h"
#include "proto_priv.h"

#define OWN	1	/* unique among the owner's records */
#define HOST	2	/* unique host-wide */

static const struct kind {
	const char	*word;
	size_t		 nf;		/* numbers after the word */
	uint32_t	 min[LEASE_NF];
	uint32_t	 max[LEASE_NF];
	int		 uniq[LEASE_NF];
} kinds[LEASE_KINDS] = {
	/* bridge UID SLOT: one per uid, one per slot. */
	{ "bridge", 2, { 0, 0 },
	    { LEASE_UID_MAX, LEASE_SLOT_MAX }, { HOST, HOST } },
	/* tap UID VMID TAPNO HOST */
	{ "tap", 4, { 0, 1, 0, LEASE_HOST_MIN },
	    { LEASE_UID_MAX, PRIV_VMID_MAX, LEASE_TAPNO_MAX, LEASE_HOST_MAX },
	    { 0, OWN, HOST, OWN } },
	/* disk UID VMID */
	{ "disk", 2, { 0, 1 },
	    { LEASE_UID_MAX, PRIV_VMID_MAX }, { 0, OWN } },
	/* egress UID VMID: that tap's VM is allowlisted. */
	{ "egress", 2, { 0, 1 },
	    { LEASE_UID_MAX, PRIV_VMID_MAX }, { 0, OWN } },
};

/* Records of kind K whose number F is V (owned by UID unless LEASE_ANY). */
static size_t
count(const struct lease_table *t, int k, int f, uint32_t v, int64_t uid,
    size_t *last)
{
	size_t	 i, n = 0;

	for (i = t->n[k]; i-- > 0;) {
		if (t->rec[k][i].f[f] != v || (uid != LEASE_ANY &&
		    t->rec[k][i].f[0] != uid))
			continue;
		if (last != NULL)
			*last = i;
		n++;
	}
	return n;
}

const void *
lease_find(const struct lease_table *t, int k, int f, uint32_t v,
    int64_t uid)
{
	size_t	 i;

	return count(t, k, f, v, uid, &i) > 0 ? &t->rec[k][i] : NULL;
}

/* UID's records of kind K. */
size_t
lease_count(const struct lease_table *t, int k, uint32_t uid)
{
	return count(t, k, LF_UID, uid, LEASE_ANY, NULL);
}

/*
 * The lowest number F in [from, end), and in F's range, that no record of
 * kind K has (none of UID's, if F is unique per owner).
 */
int
lease_free(const struct lease_table *t, int k, int f, uint32_t uid,
    uint64_t from, uint64_t end, uint32_t *out)
{
	const struct kind	*kd = &kinds[k];

	if (t->n[k] >= LEASE_MAX)
		return -1;
	from = from > kd->min[f] ? from : kd->min[f];
	end = end <= kd->max[f] ? end : (uint64_t)kd->max[f] + 1;
	for (; from < end; from++)
		if (count(t, k, f, (uint32_t)from, kd->uniq[f] == OWN ?
		    (int64_t)uid : LEASE_ANY, NULL) == 0) {
			*out = (uint32_t)from;
			return 0;
		}
	return -1;
}

/* V holds LEASE_NF numbers, unused ones zero. */
int
lease_add(struct lease_table *t, int k, const uint32_t *v)
{
	const struct kind	*kd = &kinds[k];
	size_t			 j;

	if (t->n[k] >= LEASE_MAX)
		return -1;
	for (j = 0; j < kd->nf; j++)
		if (v[j] < kd->min[j] || v[j] > kd->max[j] ||
		    (kd->uniq[j] != 0 && count(t, k, (int)j, v[j],
		    kd->uniq[j] == OWN ? (int64_t)v[0] : LEASE_ANY, NULL) > 0))
			return -1;
	memcpy(t->rec[k][t->n[k]++].f, v, sizeof(t->rec[k][0].f));
	return 0;
}

int
lease_del(struct lease_table *t, int k, uint32_t uid, uint32_t vm_id)
{
	size_t	 i;

	if (count(t, k, LF_VMID, vm_id, uid, &i) == 0)
		return -1;
	t->rec[k][i] = t->rec[k][--t->n[k]];
	if (k == LEASE_TAP)
		(void)lease_del(t, LEASE_EGRESS, uid, vm_id);
	return 0;
}

/* One record's line; its length. */
static int
format(int k, const uint32_t *v, char *out, size_t size)
{
	size_t	 j;
	int	 n;

	n = snprintf(out, size, "%s", kinds[k].word);
	for (j = 0; j < kinds[k].nf && n > 0 && (size_t)n < size; j++)
		n += snprintf(out + n, size - n, " %u", v[j]);
	if (n > 0 && (size_t)n < size)
		n += snprintf(out + n, size - n, "\n");
	return n;
}

/* A line read with sscanf must be exactly what format() makes of it. */
int
lease_parse(struct lease_table *t, const char *text, size_t len, char *err,
    size_t errlen)
{
	uint32_t	 v[LEASE_NF];
	char		 line[LEASE_LINE_MAX + 1], word[8], back[80];
	const char	*nl, *why = NULL;
	size_t		 off, lineno = 1, l = strlen(LEASE_MAGIC);
	int		 k, n;

	t->nbr = t->ntap = t->ndisk = t->negress = 0;
	if (len == 0)
		return 0;	/* freshly created */
	if (len > LEASE_FILE_MAX || memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "lease file too large or holds a NUL");
		return -1;
	}
	if (len <= l || memcmp(text, LEASE_MAGIC "\n", l + 1) != 0)
		why = "bad header";
	for (off = l + 1; why == NULL && off < len; off += l + 1) {
		lineno++;
		nl = memchr(text + off, '\n', len - off);
		l = nl == NULL ? len - off : (size_t)(nl - (text + off));
		if (nl == NULL || l > LEASE_LINE_MAX) {
			why = nl == NULL ? "no newline" : "too long";
			continue;
		}
		memset(v, 0, sizeof(v));
		memcpy(line, text + off, l);
		line[l] = '\0';
		n = sscanf(line, "%7s %u %u %u %u", word, &v[0], &v[1], &v[2],
		    &v[3]);
		for (k = 0; k < LEASE_KINDS && (n < 1 ||
		    strcmp(word, kinds[k].word)); k++)
			;
		if (k == LEASE_KINDS)
			why = "unknown record";
		else if ((size_t)n != kinds[k].nf + 1 || format(k, v, back,
		    sizeof(back)) != (int)l + 1 || memcmp(back, text + off,
		    l + 1) != 0)
			why = "malformed record";
		else if (lease_add(t, k, v) == -1)
			why = "record out of range, duplicate or in excess";
	}
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "leases line %zu: %s", lineno, why);
	return -1;
}

int
lease_serialize(const struct lease_table *t, char *out, size_t size)
{
	size_t	 off, i;
	int	 k;

	off = (size_t)snprintf(out, size, "%s\n", LEASE_MAGIC);
	for (k = 0; k < LEASE_KINDS; k++)
		for (i = 0; i < t->n[k] && off < size; i++)
			off += (size_t)format(k, t->rec[k][i].f, out + off,
			    size - off);
	return off < size ? (int)off : -1;
}
