/*
 * The one image job a daemon runs at a time (banger-fetch through the
 * launcher, its log in images/NAME.build.log): image build, image
 * register and image pull make images/NAME.build, renamed to
 * images/NAME when the job succeeds and removed when it fails; kernel
 * import does the same in kernels/.  A pull is cancelled when its client
 * goes (Ctrl-C); the others go on.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bangerd.h"
#include "config.h"
#include "log.h"
#include "valid.h"

/* banger-fetch's job for each kind, and the words messages use. */
static const struct {
	const char	*job;
	const char	*ing;
	const char	*ed;
	const char	*what;
} kind_words[] = {
	[IMAGE_BUILD] = { "build-image", "building", "built", "image" },
	[IMAGE_REGISTER] = { "register-image", "registering", "registered",
	    "image" },
	[IMAGE_PULL] = { "pull-image", "pulling", "pulled", "image" },
	[IMAGE_CATALOG] = { "catalog-pull", "pulling", "pulled", "image" },
	[IMAGE_BUNDLE] = { "bundle-image", "bundling", "bundled", "image" },
	[KERNEL_IMPORT] = { "import-kernel", "importing", "imported",
	    "kernel" },
	[KERNEL_PULL] = { "catalog-kernel", "pulling", "pulled", "kernel" },
	[KERNEL_BUNDLE] = { "bundle-kernel", "bundling", "bundled",
	    "kernel" },
};

/* Where a job of this kind puts what it makes. */
static const char *
kind_dir(const struct bangerd *d, int kind)
{
	return KIND_IS_KERNEL(kind) ? d->paths.kernels_dir :
	    d->paths.images_dir;
}

/* The job started: the slot is kind's for name, c its client. */
static void
slot_take(struct client *c, enum image_kind kind, const char *name,
    int logfd)
{
	struct bangerd	*d = c->d;

	close(logfd);
	snprintf(d->image_building, sizeof(d->image_building), "%s", name);
	d->image_kind = kind;
	d->image_client = c;
}

/* The build job ended: put the image in place, or clean up. */
static void
image_built(struct bangerd *d, int64_t id, int ok, const char *jerr)
{
	struct client	*c = d->image_client;
	char		 out[PATH_MAX + 16], dst[PATH_MAX + 16];
	char		 old[PATH_MAX + 32];

	const char	*what = kind_words[d->image_kind].what;
	const char	*base = kind_dir(d, d->image_kind);

	(void)id;
	d->image_client = NULL;
	snprintf(out, sizeof(out), "%s/%s.build", base, d->image_building);
	snprintf(dst, sizeof(dst), "%s/%s", base, d->image_building);
	if (ok) {
		/* VMs already running keep the old root file open. */
		snprintf(old, sizeof(old), "%s.old", dst);
		image_rm_tree(old);
		if (rename(dst, old) == -1 && errno != ENOENT)
			ok = 0;
		else if (rename(out, dst) == -1)
			ok = 0;
		image_rm_tree(old);
		if (!ok)
			jerr = strerror(errno);
	}
	if (!ok) {
		image_rm_tree(out);
		log_warnx("%s %s: %s failed: %s", what, d->image_building,
		    kind_words[d->image_kind].ing, jerr);
		if (c != NULL)
			client_error(c, BERR_INTERNAL, "%s %s %s failed: %s "
			    "(see %s/%s.build.log)",
			    kind_words[d->image_kind].ing, what,
			    d->image_building, jerr, base, d->image_building);
	} else {
		log_info("%s %s %s in %s", what, d->image_building,
		    kind_words[d->image_kind].ed, dst);
		if (c != NULL) {
			client_progress(c, "%s %s is ready in %s", what,
			    d->image_building, dst);
			client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
			client_finish(c);
		}
	}
	d->image_building[0] = '\0';
}

/*
 * A job of banger-fetch (JOB: build-image, register-image, ...) for
 * name, in name.build next to the images (or kernels), its log in
 * name.build.log, after the directory of the kernel the image boots
 * (kernel: a kernel's name, "" for tiny's kernel, initramfs and modules;
 * recorded in the image's "kernel" file) and extra arguments;
 * image_built() puts it in place.
 */
void
image_job(struct client *c, enum image_kind kind, const char *name,
    const char *kernel, char *const extra[], const char *tail)
{
	struct bangerd	*d = c->d;
	const char	*base = kind_dir(d, kind);
	char		 out[PATH_MAX + 16], logp[PATH_MAX + 32];
	char		 kdir[PATH_MAX], err[1024];
	char		*argv[16];
	size_t		 argc = 0;
	int		 logfd;

	if (d->image_building[0] != '\0') {
		client_error(c, BERR_BUSY, "%s %s is already being %s",
		    kind_words[d->image_kind].what, d->image_building,
		    kind_words[d->image_kind].ed);
		return;
	}
	if (kernel_dir(d, kernel, kdir, sizeof(kdir), err, sizeof(err)) ==
	    -1) {
		client_error(c, BERR_NOTFOUND, "%s", err);
		return;
	}
	if (paths_mkdir_private(base, err, sizeof(err)) == -1) {
		client_error(c, BERR_INTERNAL, "%s", err);
		return;
	}
	snprintf(out, sizeof(out), "%s/%s.build", base, name);
	image_rm_tree(out);
	snprintf(logp, sizeof(logp), "%s/%s.build.log", base, name);
	if (mkdir(out, 0700) == -1 || (logfd = open(logp, O_WRONLY |
	    O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		client_error(c, BERR_INTERNAL, "%s: %s", out, strerror(errno));
		return;
	}
	if (kernel[0] != '\0' && kind_dir(d, kind) == d->paths.images_dir &&
	    kernel_record(out, kernel) == -1) {
		close(logfd);
		image_rm_tree(out);
		client_error(c, BERR_INTERNAL, "%s/kernel: %s", out,
		    strerror(errno));
		return;
	}
	argv[argc++] = "banger-fetch";
	argv[argc++] = (char *)kind_words[kind].job;
	argv[argc++] = (char *)name;
	argv[argc++] = out;
	argv[argc++] = kdir;
	while (*extra != NULL && argc < sizeof(argv) / sizeof(argv[0]) - 1)
		argv[argc++] = *extra++;
	argv[argc] = NULL;
	/* A job's arguments are never cut short. */
	if (*extra != NULL) {
		close(logfd);
		image_rm_tree(out);
		client_error(c, BERR_INTERNAL, "too many arguments for "
		    "banger-fetch %s", kind_words[kind].job);
		return;
	}
	if (job_start(d, IMAGE_JOB_ID, argv, argc, logfd, image_built) ==
	    -1) {
		close(logfd);
		image_rm_tree(out);
		client_error(c, BERR_INTERNAL, "cannot start banger-fetch: %s",
		    strerror(errno));
		return;
	}
	slot_take(c, kind, name, logfd);
	client_progress(c, "%s %s %s (log: %s)%s", kind_words[kind].ing,
	    kind_words[kind].what, name, logp, tail);
}

void
image_build_cmd(struct client *c, const char *name)
{
	char		 recipe[PATH_MAX + 64];
	char		*extra[3] = { NULL, NULL, NULL };
	const char	*env;

	if (strcmp(name, IMAGE_GOLDEN) != 0) {
		client_error(c, BERR_INVALID, "there is no recipe for image "
		    "\"%s\"; this version builds " IMAGE_GOLDEN, name);
		return;
	}
	/* The recipe: $BANGER_RECIPES (tests), else where make install put it. */
	if ((env = getenv("BANGER_RECIPES")) == NULL || env[0] != '/')
		env = BANGER_DATADIR "/recipes";
	snprintf(recipe, sizeof(recipe), "%s/%s", env, name);
	if (access(recipe, R_OK | X_OK) == 0) {
		extra[0] = "--recipe";
		extra[1] = recipe;
	}
	image_job(c, IMAGE_BUILD, name, "", extra,
	    "; this takes a few minutes");
}

/* The client of the image job went away: stop the job (a pull). */
void
image_cancel(struct bangerd *d)
{
	if (d->image_building[0] == '\0')
		return;
	log_info("%s %s: %s cancelled (its client went away)",
	    kind_words[d->image_kind].what, d->image_building,
	    kind_words[d->image_kind].ing);
	if (launch_kill_tool(d, LAUNCH_TOOL_FETCH, IMAGE_JOB_ID, SIGTERM) ==
	    -1)
		log_warn("image %s: stopping banger-fetch", d->image_building);
}

/* A name banger gives its own images (debian-bookworm would become the
 * default image). */
static int
image_name_taken(struct client *c, const char *name, int golden_ok)
{
	char	 dir[PATH_MAX];

	if (strcmp(name, "tiny") == 0 || strcmp(name, "default") == 0 ||
	    (!golden_ok && strcmp(name, IMAGE_GOLDEN) == 0)) {
		client_error(c, BERR_INVALID, "%s is a name banger gives its own "
		    "images: choose another", name);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/%s", c->d->paths.images_dir, name);
	if (access(dir, F_OK) == 0) {
		client_error(c, BERR_EXISTS, "image %s exists: delete it "
		    "first, or choose another name", name);
		return 1;
	}
	return 0;
}

/* banger image register: a new name only, and an absolute path. */
void
image_register_cmd(struct client *c, const struct ctl_image_register *req)
{
	const char	*name = req->name, *path = req->rootfs;
	char		*extra[2] = { (char *)path, NULL };

	if (image_name_taken(c, name, 0))
		return;
	if (!valid_abs_path(path, PATH_MAX)) {
		client_error(c, BERR_INVALID, "the root file system's path must "
		    "be absolute and normalised");
		return;
	}
	image_job(c, IMAGE_REGISTER, name, req->kernel, extra, "");
}

/*
 * config.toml's catalog_url: 1 if it has one, 0 if none; -1 (after an
 * error to the client) if the file is refused, since a pull must not go
 * to Docker Hub for want of the catalog it names.
 */
static int
catalog_url(struct client *c, char *url, size_t len)
{
	struct bangerd	*d = c->d;
	struct config	 cfg;
	char		 err[512];
	int		 have;

	if (config_load(d->paths.config_file, d->home, &cfg, err,
	    sizeof(err)) == -1) {
		client_error(c, BERR_INVALID, "%s", err);
		return -1;
	}
	have = cfg.catalog_url[0] != '\0';
	snprintf(url, len, "%s", cfg.catalog_url);
	config_free(&cfg);
	return have;
}

/*
 * A catalog job's cache directory (made), then into args[0..3] "--state
 * DIR" (the serials seen, made: state, kept where cache cleaners do not
 * look) and, where a test names its own key directory, "--keys DIR":
 * 0, or -1 after an error.
 */
static int
catalog_job_args(struct client *c, char *cache, size_t len, char *state,
    size_t slen, char **args)
{
	const char	*env = getenv("BANGER_CATALOG_KEYS");
	char		 err[512];

	snprintf(cache, len, "%s/catalog", c->d->paths.cache_dir);
	snprintf(state, slen, "%s/catalog", c->d->paths.state_dir);
	if (paths_mkdir_private(c->d->paths.cache_dir, err, sizeof(err)) ==
	    -1 || paths_mkdir_private(cache, err, sizeof(err)) == -1 ||
	    paths_mkdir_private(c->d->paths.state_dir, err, sizeof(err)) ==
	    -1 || paths_mkdir_private(state, err, sizeof(err)) == -1) {
		client_error(c, BERR_INTERNAL, "%s", err);
		return -1;
	}
	args[0] = "--state";
	args[1] = state;
	if (env != NULL && valid_abs_path(env, PATH_MAX)) {
		args[2] = "--keys";
		args[3] = (char *)env;
	}
	return 0;
}

/*
 * image pull NAME with a catalog: banger-fetch catalog-pull NAME OUT TINY
 * CACHE URL [--keys DIR].  The image keeps its catalog name (the bundle's
 * manifest must say it); debian-bookworm may come from a catalog.
 */
static void
image_catalog_pull(struct client *c, const struct ctl_image_pull *req,
    char *url)
{
	char		 cache[PATH_MAX], state[PATH_MAX];
	char		*extra[9] = { cache, url, "--kernels",
			    c->d->paths.kernels_dir, NULL, NULL, NULL, NULL,
			    NULL };

	if (strcmp(req->name, req->ref) != 0) {
		client_error(c, BERR_INVALID, "an image from the catalog keeps "
		    "its name, %s: leave out --name", req->ref);
		return;
	}
	if (image_name_taken(c, req->name, 1))
		return;
	if (req->auth[0] != '\0' || req->size_mib != 0 ||
	    req->kernel[0] != '\0') {
		client_error(c, BERR_INVALID, "an image from the catalog comes "
		    "with its size and kernel and needs no credentials: leave "
		    "out --size, --kernel and --auth-file");
		return;
	}
	if (catalog_job_args(c, cache, sizeof(cache), state, sizeof(state),
	    extra + 4) == -1)
		return;
	image_job(c, IMAGE_CATALOG, req->name, "", extra, "");
}

/*
 * banger image pull: banger-fetch pull-image NAME OUT TINY CACHE REF
 * SIZE_MIB [AUTHFILE].  The reference is checked again by banger-fetch;
 * here only its bytes are bounded (no spaces or control characters).
 */
void
image_pull_cmd(struct client *c, const struct ctl_image_pull *req)
{
	char		 cache[PATH_MAX], size[24], err[512];
	char		 url[CONFIG_URL_MAX + 1];
	char		*extra[5];
	size_t		 i;
	int		 cat;

	/* A plain name is a catalog's image, when there is a catalog. */
	if (valid_vm_name(req->ref) && (cat = catalog_url(c, url,
	    sizeof(url))) != 0) {
		if (cat == 1)
			image_catalog_pull(c, req, url);
		return;
	}
	if (image_name_taken(c, req->name, 0))
		return;
	for (i = 0; req->ref[i] != '\0'; i++)
		if ((unsigned char)req->ref[i] <= ' ' || req->ref[i] == 0x7f)
			break;
	if (i == 0 || req->ref[i] != '\0' || req->ref[0] == '-') {
		client_error(c, BERR_INVALID, "bad image reference (as docker "
		    "pull takes it: [HOST/]NAME[:TAG][@sha256:DIGEST])");
		return;
	}
	if (req->auth[0] != '\0' && !valid_abs_path(req->auth, PATH_MAX)) {
		client_error(c, BERR_INVALID, "the auth file's path must be "
		    "absolute and normalised");
		return;
	}
	snprintf(cache, sizeof(cache), "%s/oci", c->d->paths.cache_dir);
	if (paths_mkdir_private(c->d->paths.cache_dir, err, sizeof(err)) ==
	    -1 || paths_mkdir_private(cache, err, sizeof(err)) == -1) {
		client_error(c, BERR_INTERNAL, "%s", err);
		return;
	}
	snprintf(size, sizeof(size), "%llu", (unsigned long long)
	    req->size_mib);
	extra[0] = cache;
	extra[1] = req->ref;
	extra[2] = size;
	extra[3] = req->auth[0] != '\0' ? req->auth : NULL;
	extra[4] = NULL;
	image_job(c, IMAGE_PULL, req->name, req->kernel, extra, "");
}

/* The bundle job ended: nothing to put in place. */
static void
image_bundled(struct bangerd *d, int64_t id, int ok, const char *jerr)
{
	struct client	*c = d->image_client;

	(void)id;
	d->image_client = NULL;
	if (!ok) {
		log_warnx("%s %s: bundling failed: %s",
		    kind_words[d->image_kind].what, d->image_building, jerr);
		if (c != NULL)
			client_error(c, BERR_INTERNAL, "bundling %s %s "
			    "failed: %s", kind_words[d->image_kind].what,
			    d->image_building, jerr);
	} else {
		log_info("%s %s bundled", kind_words[d->image_kind].what,
		    d->image_building);
		if (c != NULL) {
			client_send(c, CTL_OK, &(struct ctl_ok){ 0 });
			client_finish(c);
		}
	}
	d->image_building[0] = '\0';
}

/*
 * banger-fetch bundle-image NAME DIR OUT or bundle-kernel NAME DIR OUT
 * in the job slot (image_bundled() ends it): a tar + zstd of what dir
 * holds for a catalog.
 */
static void
bundle_job(struct client *c, enum image_kind kind, const char *name,
    const char *dir, const char *out)
{
	struct bangerd	*d = c->d;
	char		*argv[6];
	int		 logfd;

	if ((logfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		client_error(c, BERR_INTERNAL, "/dev/null: %s", strerror(errno));
		return;
	}
	argv[0] = "banger-fetch";
	argv[1] = (char *)kind_words[kind].job;
	argv[2] = (char *)name;
	argv[3] = (char *)dir;
	argv[4] = (char *)out;
	argv[5] = NULL;
	if (job_start(d, IMAGE_JOB_ID, argv, 5, logfd, image_bundled) == -1) {
		close(logfd);
		client_error(c, BERR_INTERNAL, "cannot start banger-fetch: %s",
		    strerror(errno));
		return;
	}
	slot_take(c, kind, name, logfd);
	client_progress(c, "bundling %s %s into %s", kind_words[kind].what,
	    name, out);
}

/* The job slot is free, and out is a path bangerd takes: 0, else -1. */
static int
bundle_ready(struct client *c, const char *out)
{
	struct bangerd	*d = c->d;

	if (d->image_building[0] != '\0') {
		client_error(c, BERR_BUSY, "%s %s is being %s: wait for it",
		    kind_words[d->image_kind].what, d->image_building,
		    kind_words[d->image_kind].ed);
		return -1;
	}
	if (!valid_abs_path(out, PATH_MAX)) {
		client_error(c, BERR_INVALID, "the bundle's path must be "
		    "absolute and normalised");
		return -1;
	}
	return 0;
}

/*
 * banger image bundle NAME -o OUT: a built image's rootfs.ext4.  An
 * image whose root has no agent of its own (registered, pulled) cannot
 * boot as a catalog's image would, and is refused.
 */
void
image_bundle_cmd(struct client *c, const struct ctl_image_bundle *req)
{
	struct image	 img;
	char		 err[1024];

	if (bundle_ready(c, req->out) == -1)
		return;
	if (image_lookup(c->d, req->name, "", &img, err, sizeof(err)) == -1) {
		client_error(c, BERR_NOTFOUND, "%s", err);
		return;
	}
	if (img.rootfs[0] == '\0' || img.agent_init) {
		client_error(c, BERR_INVALID, "image %s is %s: only an image "
		    "banger built (`banger image build`) can be bundled",
		    req->name, img.rootfs[0] == '\0' ? "an initramfs image" :
		    "a root without banger's agent (registered or pulled)");
		return;
	}
	bundle_job(c, IMAGE_BUNDLE, req->name, img.dir, req->out);
}

/*
 * banger kernel bundle NAME -o OUT: an imported kernel's vmlinux and
 * modules.cpio.  tiny is banger's own and every banger has it.
 */
void
kernel_bundle_cmd(struct client *c, const struct ctl_image_bundle *req)
{
	char	 dir[PATH_MAX], err[1024];

	if (bundle_ready(c, req->out) == -1)
		return;
	if (strcmp(req->name, "tiny") == 0) {
		client_error(c, BERR_INVALID, "tiny is banger's own kernel, "
		    "which every banger has: it needs no bundle");
		return;
	}
	if (kernel_dir(c->d, req->name, dir, sizeof(dir), err, sizeof(err)) ==
	    -1) {
		client_error(c, BERR_NOTFOUND, "%s", err);
		return;
	}
	bundle_job(c, KERNEL_BUNDLE, req->name, dir, req->out);
}

/*
 * banger kernel pull NAME: banger-fetch catalog-kernel NAME OUT TINY
 * CACHE URL [--keys DIR], the catalog's kernel into the user's kernels.
 */
void
kernel_pull_cmd(struct client *c, const char *name)
{
	char		 url[CONFIG_URL_MAX + 1], dir[PATH_MAX];
	char		 cache[PATH_MAX], state[PATH_MAX];
	char		*extra[7] = { cache, url, NULL, NULL, NULL, NULL, NULL };
	int		 cat;

	if ((cat = catalog_url(c, url, sizeof(url))) == -1)
		return;
	if (cat == 0) {
		client_error(c, BERR_INVALID, "no catalog to pull kernel %s "
		    "from: set catalog_url in config.toml, or add the kernel "
		    "with `banger kernel import`", name);
		return;
	}
	if (strcmp(name, "tiny") == 0 || strcmp(name, "default") == 0) {
		client_error(c, BERR_INVALID, "%s is a name banger gives its "
		    "own kernel: choose another", name);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/%s", c->d->paths.kernels_dir, name);
	if (access(dir, F_OK) == 0) {
		client_error(c, BERR_EXISTS, "kernel %s exists: delete it "
		    "first to pull it again", name);
		return;
	}
	if (catalog_job_args(c, cache, sizeof(cache), state, sizeof(state),
	    extra + 2) == -1)
		return;
	image_job(c, KERNEL_PULL, name, "", extra, "");
}
