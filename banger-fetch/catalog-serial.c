/*
 * Rollback protection: the highest catalog serial seen for each catalog
 * URL, in DIR/serial-HEX (HEX the sha256 of the URL), one decimal line;
 * DIR is ~/.local/state/banger/catalog (bangerd's --state), which cache
 * cleaners leave alone.  A catalog with a lower serial is an old (validly
 * signed) catalog replayed by a mirror or an attacker and is refused; a
 * serial is recorded as soon as its catalog's signature verifies.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "catalog.h"
#include "fdutil.h"

int
catalog_serial_parse(const char *buf, size_t len, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len > 16 || buf[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	if (v > CAT_SERIAL_MAX)
		return -1;
	*out = v;
	return 0;
}

static int
serial_path(const char *dir, const char *url, char *path, size_t pathsz)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char	 md[32];
	char		 hex[65];
	int		 i;

	if (EVP_Digest(url, strlen(url), md, NULL, EVP_sha256(), NULL) != 1)
		return -1;
	for (i = 0; i < 32; i++) {
		hex[2 * i] = hexd[md[i] >> 4];
		hex[2 * i + 1] = hexd[md[i] & 15];
	}
	hex[64] = '\0';
	if ((size_t)snprintf(path, pathsz, "%s/serial-%s", dir, hex) >= pathsz)
		return -1;
	return 0;
}

/* The serial recorded, 0 when none; -1 for a file that is not one. */
static int
serial_read(const char *path, uint64_t *seen)
{
	char	 buf[32];
	ssize_t	 n;
	int	 fd;

	*seen = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(buf) ||
	    catalog_serial_parse(buf, (size_t)n, seen) == -1)
		return -1;
	return 0;
}

int
catalog_serial_check(const char *dir, const char *url, uint64_t serial,
    char *err, size_t errsz)
{
	char		 path[PATH_MAX];
	uint64_t	 seen;

	if (serial_path(dir, url, path, sizeof(path)) == -1 ||
	    serial_read(path, &seen) == -1) {
		snprintf(err, errsz, "%s: not a catalog serial file (remove it "
		    "to trust the next catalog's serial)", path);
		return -1;
	}
	if (serial < seen) {
		snprintf(err, errsz, "the catalog was rolled back: serial %"
		    PRIu64 " is older than %" PRIu64 " already seen", serial,
		    seen);
		return -1;
	}
	return 0;
}

int
catalog_serial_record(const char *dir, const char *url, uint64_t serial,
    char *err, size_t errsz)
{
	char		 path[PATH_MAX], tmp[PATH_MAX + 16], line[32];
	uint64_t	 seen;
	int		 fd, n, ok;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (serial_path(dir, url, path, sizeof(path)) == -1) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	/* Another pull may have recorded a higher one meanwhile. */
	if (serial_read(path, &seen) == 0 && seen >= serial)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	n = snprintf(line, sizeof(line), "%" PRIu64 "\n", serial);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	ok = write_all(fd, line, (size_t)n) == n && fsync(fd) == 0;
	if (close(fd) == -1)
		ok = 0;
	if (!ok || rename(tmp, path) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}
