/* The lease table in memory: strict parser, serialiser, allocation. */
#include <stdio.h>
#include <string.h>

#include "lease.h"
#include "proto_priv.h"

/* Decimal 0..max, no sign, no leading zero. */
static int
parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Split line into at most max space-separated words; -1 on empty words. */
static int
split(const char *line, size_t len, const char **w, size_t *wl, size_t max)
{
	size_t	 n = 0, i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || n == max)
			return -1;
		w[n] = line + start;
		wl[n] = i - start;
		n++;
		start = i + 1;
	}
	return (int)n;
}

static int
word_is(const char *w, size_t wl, const char *s)
{
	return wl == strlen(s) && memcmp(w, s, wl) == 0;
}

static int
parse_line(struct lease_table *t, const char *line, size_t len, char *err,
    size_t errlen)
{
	const char	*w[5];
	size_t		 wl[5];
	int		 n;

	if ((n = split(line, len, w, wl, 5)) == -1) {
		snprintf(err, errlen, "bad spacing");
		return -1;
	}
	if (n == 3 && word_is(w[0], wl[0], "bridge")) {
		uint32_t	 uid, slot;

		if (parse_u32(w[1], wl[1], LEASE_UID_MAX, &uid) == -1 ||
		    parse_u32(w[2], wl[2], LEASE_SLOT_MAX, &slot) == -1) {
			snprintf(err, errlen, "bad bridge record");
			return -1;
		}
		if (lease_add_bridge(t, uid, slot) == -1) {
			snprintf(err, errlen, "duplicate or excess bridge");
			return -1;
		}
		return 0;
	}
	if (n == 5 && word_is(w[0], wl[0], "tap")) {
		struct lease_tap	 lt;

		if (parse_u32(w[1], wl[1], LEASE_UID_MAX, &lt.uid) == -1 ||
		    parse_u32(w[2], wl[2], PRIV_VMID_MAX, &lt.vm_id) == -1 ||
		    lt.vm_id == 0 ||
		    parse_u32(w[3], wl[3], LEASE_TAPNO_MAX, &lt.tapno) == -1 ||
		    parse_u32(w[4], wl[4], LEASE_HOST_MAX, &lt.host) == -1 ||
		    lt.host < LEASE_HOST_MIN) {
			snprintf(err, errlen, "bad tap record");
			return -1;
		}
		if (lease_add_tap(t, &lt) == -1) {
			snprintf(err, errlen, "duplicate or excess tap");
			return -1;
		}
		return 0;
	}
	if (n == 3 && word_is(w[0], wl[0], "disk")) {
		uint32_t	 uid, vm_id;

		if (parse_u32(w[1], wl[1], LEASE_UID_MAX, &uid) == -1 ||
		    parse_u32(w[2], wl[2], PRIV_VMID_MAX, &vm_id) == -1) {
			snprintf(err, errlen, "bad disk record");
			return -1;
		}
		if (lease_add_disk(t, uid, vm_id) == -1) {
			snprintf(err, errlen, "duplicate or excess disk");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown record");
	return -1;
}

int
lease_parse(struct lease_table *t, const char *text, size_t len, char *err,
    size_t errlen)
{
	size_t		 off = 0, lineno = 0, l;
	const char	*nl;
	char		 why[64];

	t->nbr = t->ntap = t->ndisk = 0;
	if (len == 0)
		return 0;	/* freshly created */
	if (len > LEASE_FILE_MAX) {
		snprintf(err, errlen, "lease file too large");
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "lease file contains NUL");
		return -1;
	}
	while (off < len) {
		lineno++;
		if ((nl = memchr(text + off, '\n', len - off)) == NULL) {
			snprintf(err, errlen, "leases line %zu: no newline",
			    lineno);
			return -1;
		}
		l = nl - (text + off);
		if (l > LEASE_LINE_MAX) {
			snprintf(err, errlen, "leases line %zu: too long",
			    lineno);
			return -1;
		}
		if (lineno == 1) {
			if (l != strlen(LEASE_MAGIC) ||
			    memcmp(text, LEASE_MAGIC, l) != 0) {
				snprintf(err, errlen, "leases line 1: bad "
				    "header");
				return -1;
			}
		} else if (parse_line(t, text + off, l, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "leases line %zu: %s", lineno,
			    why);
			return -1;
		}
		off += l + 1;
	}
	return 0;
}

int
lease_serialize(const struct lease_table *t, struct buf *out)
{
	char	 line[LEASE_LINE_MAX + 1];
	size_t	 i;
	int	 n;

	buf_reset(out);
	n = snprintf(line, sizeof(line), "%s\n", LEASE_MAGIC);
	if (buf_append(out, line, n) == -1)
		return -1;
	for (i = 0; i < t->nbr; i++) {
		n = snprintf(line, sizeof(line), "bridge %u %u\n",
		    t->br[i].uid, t->br[i].slot);
		if (buf_append(out, line, n) == -1)
			return -1;
	}
	for (i = 0; i < t->ntap; i++) {
		n = snprintf(line, sizeof(line), "tap %u %u %u %u\n",
		    t->tap[i].uid, t->tap[i].vm_id, t->tap[i].tapno,
		    t->tap[i].host);
		if (buf_append(out, line, n) == -1)
			return -1;
	}
	for (i = 0; i < t->ndisk; i++) {
		n = snprintf(line, sizeof(line), "disk %u %u\n",
		    t->disk[i].uid, t->disk[i].vm_id);
		if (buf_append(out, line, n) == -1)
			return -1;
	}
	return 0;
}

const struct lease_bridge *
lease_find_bridge(const struct lease_table *t, uint32_t uid)
{
	size_t	 i;

	for (i = 0; i < t->nbr; i++)
		if (t->br[i].uid == uid)
			return &t->br[i];
	return NULL;
}

const struct lease_tap *
lease_find_tap(const struct lease_table *t, uint32_t uid, uint32_t vm_id)
{
	size_t	 i;

	for (i = 0; i < t->ntap; i++)
		if (t->tap[i].uid == uid && t->tap[i].vm_id == vm_id)
			return &t->tap[i];
	return NULL;
}

size_t
lease_count_taps(const struct lease_table *t, uint32_t uid)
{
	size_t	 i, n = 0;

	for (i = 0; i < t->ntap; i++)
		if (t->tap[i].uid == uid)
			n++;
	return n;
}

static int
slot_used(const struct lease_table *t, uint32_t slot)
{
	size_t	 i;

	for (i = 0; i < t->nbr; i++)
		if (t->br[i].slot == slot)
			return 1;
	return 0;
}

static int
tapno_used(const struct lease_table *t, uint32_t tapno)
{
	size_t	 i;

	for (i = 0; i < t->ntap; i++)
		if (t->tap[i].tapno == tapno)
			return 1;
	return 0;
}

static int
host_used(const struct lease_table *t, uint32_t uid, uint32_t host)
{
	size_t	 i;

	for (i = 0; i < t->ntap; i++)
		if (t->tap[i].uid == uid && t->tap[i].host == host)
			return 1;
	return 0;
}

/* Lowest free slot below nslots. */
int
lease_free_slot(const struct lease_table *t, uint32_t nslots,
    uint32_t *slot)
{
	uint32_t	 s;

	if (t->nbr >= LEASE_MAX_BRIDGES)
		return -1;
	for (s = 0; s < nslots && s <= LEASE_SLOT_MAX; s++)
		if (!slot_used(t, s)) {
			*slot = s;
			return 0;
		}
	return -1;
}

/* Lowest free host-wide tap number >= from. */
int
lease_free_tapno(const struct lease_table *t, uint32_t from,
    uint32_t *tapno)
{
	uint32_t	 n;

	if (t->ntap >= LEASE_MAX_TAPS)
		return -1;
	for (n = from; n <= LEASE_TAPNO_MAX; n++)
		if (!tapno_used(t, n)) {
			*tapno = n;
			return 0;
		}
	return -1;
}

/* Lowest free guest host number in uid's /24. */
int
lease_free_host(const struct lease_table *t, uint32_t uid, uint32_t *host)
{
	uint32_t	 h;

	for (h = LEASE_HOST_MIN; h <= LEASE_HOST_MAX; h++)
		if (!host_used(t, uid, h)) {
			*host = h;
			return 0;
		}
	return -1;
}

int
lease_add_bridge(struct lease_table *t, uint32_t uid, uint32_t slot)
{
	if (t->nbr >= LEASE_MAX_BRIDGES || uid > LEASE_UID_MAX ||
	    slot > LEASE_SLOT_MAX || lease_find_bridge(t, uid) != NULL ||
	    slot_used(t, slot))
		return -1;
	t->br[t->nbr].uid = uid;
	t->br[t->nbr].slot = slot;
	t->nbr++;
	return 0;
}

int
lease_add_tap(struct lease_table *t, const struct lease_tap *lt)
{
	if (t->ntap >= LEASE_MAX_TAPS || lt->uid > LEASE_UID_MAX ||
	    lt->vm_id == 0 || lt->vm_id > PRIV_VMID_MAX ||
	    lt->tapno > LEASE_TAPNO_MAX || lt->host < LEASE_HOST_MIN ||
	    lt->host > LEASE_HOST_MAX ||
	    lease_find_tap(t, lt->uid, lt->vm_id) != NULL ||
	    tapno_used(t, lt->tapno) || host_used(t, lt->uid, lt->host))
		return -1;
	t->tap[t->ntap++] = *lt;
	return 0;
}

int
lease_del_tap(struct lease_table *t, uint32_t uid, uint32_t vm_id)
{
	size_t	 i;

	for (i = 0; i < t->ntap; i++)
		if (t->tap[i].uid == uid && t->tap[i].vm_id == vm_id) {
			t->tap[i] = t->tap[--t->ntap];
			return 0;
		}
	return -1;
}

const struct lease_disk *
lease_find_disk(const struct lease_table *t, uint32_t uid, uint32_t vm_id)
{
	size_t	 i;

	for (i = 0; i < t->ndisk; i++)
		if (t->disk[i].uid == uid && t->disk[i].vm_id == vm_id)
			return &t->disk[i];
	return NULL;
}

size_t
lease_count_disks(const struct lease_table *t, uint32_t uid)
{
	size_t	 i, n = 0;

	for (i = 0; i < t->ndisk; i++)
		if (t->disk[i].uid == uid)
			n++;
	return n;
}

int
lease_add_disk(struct lease_table *t, uint32_t uid, uint32_t vm_id)
{
	if (t->ndisk >= LEASE_MAX_DISKS || uid > LEASE_UID_MAX ||
	    vm_id == 0 || vm_id > PRIV_VMID_MAX ||
	    lease_find_disk(t, uid, vm_id) != NULL)
		return -1;
	t->disk[t->ndisk].uid = uid;
	t->disk[t->ndisk].vm_id = vm_id;
	t->ndisk++;
	return 0;
}

int
lease_del_disk(struct lease_table *t, uint32_t uid, uint32_t vm_id)
{
	size_t	 i;

	for (i = 0; i < t->ndisk; i++)
		if (t->disk[i].uid == uid && t->disk[i].vm_id == vm_id) {
			t->disk[i] = t->disk[--t->ndisk];
			return 0;
		}
	return -1;
}
