/*
 * Whether an image's initramfs knows a feature of banger's guest init,
 * found as the kernel parameter its /init reads (images/init).
 */
#ifndef BANGERD_INITRD_HAS_H
#define BANGERD_INITRD_HAS_H

/* Larger initramfs files are not searched (the answer is no). */
#define INITRD_SCAN_MAX	(512ULL * 1024 * 1024)

/*
 * 1 if the regular file at path (not a link) holds the bytes of word,
 * 0 if not, or if it cannot be read or is larger than INITRD_SCAN_MAX.
 */
int	initrd_has(const char *path, const char *word);

#endif
