/*
 * An image's initramfs is searched for a kernel parameter its /init
 * understands, so that bangerd asks an image built by an older banger
 * for nothing its init does not do: an uncompressed initramfs (banger's
 * own, images/GNUmakefile) holds /init as plain text.  A compressed one
 * never matches, and the VM then starts without the feature.  An
 * answer is kept for as long as the file's identity, size and mtime
 * stay the same, so an image is read once, not at every VM.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "initrd-has.h"

#define CHUNK	(1024 * 1024)
#define WORD_MAX 64
#define SEEN_MAX 8

/* Answers already found, for files that did not change since. */
static struct seen {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	char		 word[WORD_MAX + 1];
	int		 found;
} seen[SEEN_MAX];
static size_t	 seen_next;

static struct seen *
seen_find(const struct stat *st, const char *word)
{
	size_t	 i;

	for (i = 0; i < SEEN_MAX; i++)
		if (seen[i].word[0] != '\0' && seen[i].dev == st->st_dev &&
		    seen[i].ino == st->st_ino && seen[i].size == st->st_size &&
		    seen[i].mtime.tv_sec == st->st_mtim.tv_sec &&
		    seen[i].mtime.tv_nsec == st->st_mtim.tv_nsec &&
		    strcmp(seen[i].word, word) == 0)
			return &seen[i];
	return NULL;
}

int
initrd_has(const char *path, const char *word)
{
	static char	 buf[CHUNK + WORD_MAX];
	struct stat	 st;
	struct seen	*hit;
	size_t		 wl = strlen(word), keep = 0;
	ssize_t		 n = 0;
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
	if ((hit = seen_find(&st, word)) != NULL) {
		close(fd);
		return hit->found;
	}
	/* A word split between two reads is found: wl - 1 bytes carry. */
	while (!found && (n = read(fd, buf + keep, CHUNK)) > 0) {
		n += keep;
		found = memmem(buf, n, word, wl) != NULL;
		keep = (size_t)n < wl - 1 ? (size_t)n : wl - 1;
		memmove(buf, buf + n - keep, keep);
	}
	/* Kept only for a file read to the end or to the word. */
	if (n == 0 || found) {
		hit = &seen[seen_next++ % SEEN_MAX];
		hit->dev = st.st_dev;
		hit->ino = st.st_ino;
		hit->size = st.st_size;
		hit->mtime = st.st_mtim;
		snprintf(hit->word, sizeof(hit->word), "%s", word);
		hit->found = found;
	}
	close(fd);
	return found;
}
