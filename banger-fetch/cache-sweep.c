/*
 * Downloads cut short leave NAME.partial files in the blob and bundle
 * caches, kept so the next pull of the same blob resumes.  One that no
 * pull has touched for CACHE_PARTIAL_DAYS is not coming back: removed
 * when a pull starts, unless a pull holds its lock right now.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"

unsigned
cache_sweep_partials(const char *dir, time_t now, time_t max_age)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*dp;
	size_t		 l;
	unsigned	 n = 0;
	int		 dfd, fd;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	dfd = dirfd(dp);
	while ((de = readdir(dp)) != NULL) {
		l = strlen(de->d_name);
		if (l <= 8 || strcmp(de->d_name + l - 8, ".partial") != 0)
			continue;
		if ((fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC)) == -1)
			continue;
		/* In use: a pull holds it (oci-blob.c, catalog-pull.c). */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime + max_age < now && flock(fd, LOCK_EX |
		    LOCK_NB) == 0 && unlinkat(dfd, de->d_name, 0) == 0)
			n++;
		close(fd);
	}
	closedir(dp);
	return n;
}
