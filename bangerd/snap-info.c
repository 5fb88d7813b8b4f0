/*
 * The saved state's record (snap-info.h): fixed lines in a fixed order,
 * numbers in decimal without leading zeros, hashes in lower-case hex.
 * Anything else is refused, so that a record parses only as what
 * snap_info_format() wrote.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "snap-info.h"

static void
hex(const uint8_t *b, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[64] = '\0';
}

int
snap_info_format(const struct snap_info *si, char *buf, size_t len)
{
	char	 sh[65], mh[65];
	int	 n;

	hex(si->state_sha, sh);
	hex(si->mem_sha, mh);
#define FID(f)	(f).dev, (f).ino, (f).size, (f).mtime_ns
	n = snprintf(buf, len,
	    "banger-snapshot %d\n"
	    "vmm %s\n"
	    "accel %s\n"
	    "vcpus %" PRIu64 "\n"
	    "memory %" PRIu64 "\n"
	    "tsc %" PRIu64 "\n"
	    "version %s\n"
	    "kernel %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n"
	    "initrd %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n"
	    "rootfs %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n"
	    "address %s\n"
	    "name %s\n"
	    "state %" PRIu64 " %s\n"
	    "mem %" PRIu64 " %s\n",
	    SNAP_INFO_VERSION, si->vmm, si->accel, si->vcpus,
	    si->memory_mib, si->tsc_khz, si->version, FID(si->kernel),
	    FID(si->initrd), FID(si->rootfs), si->address, si->name,
	    si->state_size,
	    sh, si->mem_size, mh);
#undef FID
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* A cursor over the record; every reader fails past its end. */
struct cur {
	const char	*p, *end;
};

/* The literal s. */
static int
lit(struct cur *c, const char *s)
{
	size_t	 n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/* A decimal number, "0" or without a leading zero, that fits. */
static int
num(struct cur *c, uint64_t *v)
{
	const char	*s = c->p;

	*v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (*v > (UINT64_MAX - (uint64_t)(*c->p - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*c->p - '0');
		c->p++;
	}
	if (c->p == s || (s[0] == '0' && c->p - s > 1))
		return -1;
	return 0;
}

/* A word of allowed characters up to the line's end, into out. */
static int
word(struct cur *c, const char *allowed, char *out, size_t outlen)
{
	const char	*s = c->p;
	size_t		 n;

	/* strchr() finds the terminator too: a NUL is never allowed. */
	while (c->p < c->end && *c->p != '\n' && *c->p != '\0' &&
	    strchr(allowed, *c->p) != NULL)
		c->p++;
	n = (size_t)(c->p - s);
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
sha(struct cur *c, uint8_t *out)
{
	size_t	 i;
	int	 hi, lo;

	if (c->end - c->p < 64)
		return -1;
	for (i = 0; i < 64; i++) {
		char	 ch = c->p[i];

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return -1;
	}
	for (i = 0; i < 32; i++) {
		hi = c->p[2 * i] <= '9' ? c->p[2 * i] - '0' :
		    c->p[2 * i] - 'a' + 10;
		lo = c->p[2 * i + 1] <= '9' ? c->p[2 * i + 1] - '0' :
		    c->p[2 * i + 1] - 'a' + 10;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	c->p += 64;
	return 0;
}

static int
fid(struct cur *c, const char *key, struct snap_fid *f)
{
	if (lit(c, key) == -1 || lit(c, " ") == -1 || num(c, &f->dev) == -1 ||
	    lit(c, " ") == -1 || num(c, &f->ino) == -1 || lit(c, " ") == -1 ||
	    num(c, &f->size) == -1 || lit(c, " ") == -1 ||
	    num(c, &f->mtime_ns) == -1 || lit(c, "\n") == -1)
		return -1;
	return 0;
}

static int
numline(struct cur *c, const char *key, uint64_t *v, uint64_t max)
{
	if (lit(c, key) == -1 || lit(c, " ") == -1 || num(c, v) == -1 ||
	    *v > max || lit(c, "\n") == -1)
		return -1;
	return 0;
}

static int
addr_ok(const char *a)
{
	unsigned	 b[4];
	char		 back[16];
	int		 n = 0;

	if (sscanf(a, "%3u.%3u.%3u.%3u%n", &b[0], &b[1], &b[2], &b[3], &n) !=
	    4 || a[n] != '\0' || b[0] > 255 || b[1] > 255 || b[2] > 255 ||
	    b[3] > 255)
		return 0;
	/* Canonical only: no leading zeros. */
	snprintf(back, sizeof(back), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return strcmp(back, a) == 0;
}

int
snap_info_parse(const char *buf, size_t len, struct snap_info *si)
{
	struct cur	 c = { buf, buf + len };
	uint64_t	 ver;

	memset(si, 0, sizeof(*si));
	if (len > SNAP_INFO_MAX)
		goto bad;
	if (numline(&c, "banger-snapshot", &ver, SNAP_INFO_VERSION) == -1 ||
	    ver != SNAP_INFO_VERSION)
		goto bad;
	if (lit(&c, "vmm ") == -1 || word(&c, "abcdefghijklmnopqrstuvwxyz",
	    si->vmm, sizeof(si->vmm)) == -1 || lit(&c, "\n") == -1)
		goto bad;
	if (lit(&c, "accel ") == -1 || word(&c, "abcdefghijklmnopqrstuvwxyz",
	    si->accel, sizeof(si->accel)) == -1 || lit(&c, "\n") == -1)
		goto bad;
	if (numline(&c, "vcpus", &si->vcpus, 1024) == -1 || si->vcpus == 0 ||
	    numline(&c, "memory", &si->memory_mib, 1 << 24) == -1 ||
	    si->memory_mib == 0 ||
	    numline(&c, "tsc", &si->tsc_khz, UINT32_MAX) == -1)
		goto bad;
	if (lit(&c, "version ") == -1 || word(&c, "0123456789abcdefghijklmn"
	    "opqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-_", si->version,
	    sizeof(si->version)) == -1 || lit(&c, "\n") == -1)
		goto bad;
	if (fid(&c, "kernel", &si->kernel) == -1 ||
	    fid(&c, "initrd", &si->initrd) == -1 ||
	    fid(&c, "rootfs", &si->rootfs) == -1)
		goto bad;
	if (lit(&c, "address ") == -1 || word(&c, "0123456789.", si->address,
	    sizeof(si->address)) == -1 || !addr_ok(si->address) ||
	    lit(&c, "\n") == -1)
		goto bad;
	if (lit(&c, "name ") == -1 || word(&c, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", si->name,
	    sizeof(si->name)) == -1 || lit(&c, "\n") == -1)
		goto bad;
	if (lit(&c, "state ") == -1 || num(&c, &si->state_size) == -1 ||
	    si->state_size == 0 || si->state_size > SNAP_SIZE_MAX ||
	    lit(&c, " ") == -1 || sha(&c, si->state_sha) == -1 ||
	    lit(&c, "\n") == -1)
		goto bad;
	if (lit(&c, "mem ") == -1 || num(&c, &si->mem_size) == -1 ||
	    si->mem_size > SNAP_SIZE_MAX || lit(&c, " ") == -1 ||
	    sha(&c, si->mem_sha) == -1 || lit(&c, "\n") == -1)
		goto bad;
	/* No memory file: no hash of one either. */
	if (si->mem_size == 0 && memcmp(si->mem_sha, (uint8_t[32]){ 0 },
	    sizeof(si->mem_sha)) != 0)
		goto bad;
	if (c.p != c.end)
		goto bad;
	return 0;
bad:
	memset(si, 0, sizeof(*si));
	return -1;
}
