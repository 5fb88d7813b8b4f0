/*
 * An image's initramfs is searched for a kernel parameter its /init
 * understands, so that bangerd asks an image built by an older banger
 * for nothing its init does not do: an uncompressed initramfs (banger's
 * own, images/GNUmakefile) holds /init as plain text.  A compressed one
 * never matches, and the VM then starts without the feature.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "initrd-has.h"

#define CHUNK	(1024 * 1024)
#define WORD_MAX 64

int
initrd_has(const char *path, const char *word)
{
	static char	 buf[CHUNK + WORD_MAX];
	struct stat	 st;
	size_t		 wl = strlen(word), keep = 0;
	ssize_t		 n;
	int		 fd, found = 0;

	if (wl == 0 || wl > WORD_MAX)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK)) == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > INITRD_SCAN_MAX) {
		close(fd);
		return 0;
	}
	/* A word split between two reads is found: wl - 1 bytes carry. */
	while (!found && (n = read(fd, buf + keep, CHUNK)) > 0) {
		n += keep;
		found = memmem(buf, n, word, wl) != NULL;
		keep = (size_t)n < wl - 1 ? (size_t)n : wl - 1;
		memmove(buf, buf + n - keep, keep);
	}
	close(fd);
	return found;
}
