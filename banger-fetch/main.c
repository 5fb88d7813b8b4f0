/*
 * banger-fetch JOB ARGS...: one job per run, started by bangerd's
 * launcher.  Every argument is checked here: bangerd is the only caller,
 * but this process does the work that touches the most data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "fdutil.h"
#include "fetch.h"
#include "image.h"
#include "kernel.h"
#include "log.h"

/*
 * mkfs.ext4 and depmod live in /usr/sbin, which an ordinary user's PATH
 * (inherited from bangerd) often lacks.
 */
static void
add_sbin_to_path(void)
{
	const char	*p = getenv("PATH");
	char		 buf[4096];

	if (p == NULL || p[0] == '\0')
		p = "/usr/local/bin:/usr/bin:/bin";
	if (strstr(p, "/usr/sbin") != NULL)
		return;
	if ((size_t)snprintf(buf, sizeof(buf), "%s:/usr/local/sbin:/usr/sbin:"
	    "/sbin", p) < sizeof(buf))
		(void)setenv("PATH", buf, 1);
}

int
main(int argc, char **argv)
{
	log_init("banger-fetch", 2, 0);
	add_sbin_to_path();
	if (argc >= 2 && strcmp(argv[1], "mkdisk") == 0)
		return mkdisk_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "copy-disk") == 0)
		return copy_disk_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "build-image") == 0)
		return build_image_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "register-image") == 0)
		return register_image_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "pull-image") == 0)
		return pull_image_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "catalog-pull") == 0)
		return catalog_pull_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "bundle-image") == 0)
		return bundle_image_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "bundle-kernel") == 0)
		return bundle_kernel_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "catalog-kernel") == 0)
		return catalog_kernel_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "import-kernel") == 0)
		return import_kernel_main(argc - 1, argv + 1);
	status_error("unknown job");
	fprintf(stderr, "usage: banger-fetch mkdisk OUT SIZE_MIB STAGE "
	    "[--workspace REPO LIST NAME] [--sync LIST]\n");
	return 2;
}
