/*
 * banger image pull REF [--name NAME] [--size SIZE] [--auth-file PATH]
 * [--kernel KERNEL]:
 * an OCI or docker image from a registry, made a bootable image by
 * banger-fetch.  Here: the image's default name, and which registry
 * credentials file of the user's applies (podman's and docker's usual
 * places).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "banger.h"
#include "config.h"
#include "credhelper.h"
#include "exitcode.h"
#include "ociref.h"
#include "paths.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt image_pull_opts[] = {
	{ "name", 'n', "NAME", "the new image's name (default: from REF)" },
	{ "size", 0, "SIZE", "the root file system's size (default: from "
	    "the layers' sizes)" },
	{ "auth-file", 0, "PATH", "registry credentials (default: podman's "
	    "auth.json or docker's config.json)" },
	{ "kernel", 'k', "KERNEL", "the kernel it boots (default: tiny; see "
	    "`banger kernel list`)" },
	{ NULL, 0, NULL, NULL }
};

/*
 * REF's last path component, and its tag unless "latest" (or the start
 * of its digest), in the characters an image name may have.
 */
int
image_pull_name(const char *ref, char *out, size_t outlen)
{
	const char	*base, *at, *tag = NULL, *p;
	char		 raw[256];
	size_t		 n = 0, i;

	if ((base = strrchr(ref, '/')) != NULL)
		base++;
	else
		base = ref;
	at = strchr(base, '@');
	for (p = base; *p != '\0' && p != at; p++)
		if (*p == ':')
			tag = p + 1;
	for (p = base; *p != '\0' && p != at && p + 1 != tag &&
	    n < sizeof(raw) - 1; p++)
		raw[n++] = *p;
	if (tag != NULL && strncmp(tag, "latest", 6) != 0)
		for (raw[n++] = '-', p = tag; *p != '\0' && p != at &&
		    n < sizeof(raw) - 1; p++)
			raw[n++] = *p;
	/* A pinned digest is part of the name: another digest, another. */
	if (at != NULL && strncmp(at, "@sha256:", 8) == 0)
		for (raw[n++] = '-', p = at + 8; *p != '\0' && p < at + 20 &&
		    n < sizeof(raw) - 1; p++)
			raw[n++] = *p;
	raw[n] = '\0';
	/* Lower case; anything else one '-'; none at either end. */
	for (i = 0, n = 0; raw[i] != '\0' && n < outlen - 1 &&
	    n < VM_NAME_MAX; i++) {
		if (isalnum((unsigned char)raw[i]))
			out[n++] = tolower((unsigned char)raw[i]);
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return valid_vm_name(out) ? 0 : -1;
}

/* Whether the credentials file at path has an entry for host. */
static int
file_names_host(const char *path, const char *host)
{
	static const char *const objs[] = { "auths", "credHelpers" };
	struct stat	 st;
	json_t		*j, *o;
	const char	*key;
	json_t		*v;
	size_t		 i;
	int		 found = 0;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > 1024 * 1024 ||
	    (j = json_load_file(path, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]) && !found; i++)
		if ((o = json_object_get(j, objs[i])) != NULL &&
		    json_is_object(o))
			json_object_foreach(o, key, v)
				if (cred_key_names(key, host))
					found = 1;
	json_decref(j);
	return found;
}

/*
 * The credentials file for ref's registry: $REGISTRY_AUTH_FILE when set,
 * else the first of podman's and docker's usual files with an entry for
 * the registry (an empty podman file does not hide docker's), else ""
 * (anonymous).
 */
static void
find_auth(const char *ref, char *out, size_t len)
{
	struct oci_ref	 r;
	const char	*e, *home = getenv("HOME");
	char		 p[3][PATH_MAX], err[128];
	int		 i, n = 0;

	out[0] = '\0';
	if ((e = getenv("REGISTRY_AUTH_FILE")) != NULL && e[0] != '\0') {
		if (realpath(e, out) == NULL || strlen(out) >= len)
			out[0] = '\0';
		return;
	}
	if (oci_ref_parse(ref, &r, err, sizeof(err)) == -1)
		return;		/* banger-fetch says what is wrong with it */
	if ((e = getenv("XDG_RUNTIME_DIR")) != NULL && e[0] == '/')
		snprintf(p[n++], PATH_MAX, "%s/containers/auth.json", e);
	if ((e = getenv("XDG_CONFIG_HOME")) != NULL && e[0] == '/')
		snprintf(p[n++], PATH_MAX, "%s/containers/auth.json", e);
	else if (home != NULL && home[0] == '/')
		snprintf(p[n++], PATH_MAX, "%s/.config/containers/auth.json",
		    home);
	if ((e = getenv("DOCKER_CONFIG")) != NULL && e[0] == '/')
		snprintf(p[n++], PATH_MAX, "%s/config.json", e);
	else if (home != NULL && home[0] == '/')
		snprintf(p[n++], PATH_MAX, "%s/.docker/config.json", home);
	for (i = 0; i < n; i++)
		if (access(p[i], R_OK) == 0 && file_names_host(p[i], r.host) &&
		    realpath(p[i], out) != NULL && strlen(out) < len)
			return;
	out[0] = '\0';
}

/* Whether config.toml names a catalog (a plain name is then its image). */
static int
catalog_configured(void)
{
	struct paths	 p;
	struct config	 cfg;
	char		 err[512];
	int		 have;

	if (paths_init(&p, err, sizeof(err)) == -1 ||
	    config_load(p.config_file, getenv("HOME"), &cfg, err,
	    sizeof(err)) == -1)
		return 0;	/* bangerd reports a bad config */
	have = cfg.catalog_url[0] != '\0';
	config_free(&cfg);
	return have;
}

/* Whether REF looks like an image reference rather than an image name. */
int
image_ref_like(const char *s)
{
	return strpbrk(s, "/:@.") != NULL;
}

struct seen {
	const char	*name;
	int		 found;
	char		*source;	/* NULL, or where to copy its source */
	size_t		 len;
};

static void
image_seen(void *body, void *arg)
{
	struct ctl_image_info	*ii = body;
	struct seen		*s = arg;

	if (!s->found && strcmp(ii->name, s->name) == 0) {
		s->found = 1;
		if (s->source != NULL)
			snprintf(s->source, s->len, "%s", ii->source);
	}
	client_free(CTL_IMAGE_INFO, ii);
}

/*
 * An image of name made from ref: its source (REF@DIGEST) names the
 * same reference, normalised as banger-fetch wrote it.  Another is
 * refused rather than run in its place.
 */
static int
same_source(const char *ref, const char *name, const char *source)
{
	struct oci_ref	 r;
	char		 want[1024], err[256], *at;

	if (oci_ref_parse(ref, &r, err, sizeof(err)) == -1) {
		cli_warnx("--image %.64s: %s", ref, err);
		return BEX_USAGE;
	}
	snprintf(want, sizeof(want), "%s/%s%s%s%s%s", r.host, r.repo,
	    r.tag[0] != '\0' ? ":" : "", r.tag, r.digest[0] != '\0' ? "@" : "",
	    r.digest);
	snprintf(err, sizeof(err), "%s", source);
	if ((at = strrchr(err, '@')) != NULL)
		*at = '\0';
	if (strcmp(err, want) == 0)
		return BEX_OK;
	cli_warnx("image %s was not pulled from %s (its source: %s): give "
	    "--image %s to use it, or pull %s with `banger image pull "
	    "--name`", name, want, source, name, ref);
	return BEX_USAGE;
}

/*
 * 1 when bangerd has no image name, BEX_OK when it has (its source in
 * source, if given), else an exit status after a message.
 */
static int
image_missing(const char *name, char *source, size_t len)
{
	struct client	 c;
	struct seen	 s = { name, 0, source, len };
	int		 rc;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = request_each(&c, CTL_IMAGE_LIST, &(struct ctl_ok){ 0 }, NULL, 0,
	    CTL_IMAGE_INFO, image_seen, &s);
	client_close(&c);
	if (rc != BEX_OK)
		return rc;
	return s.found ? BEX_OK : 1;
}

/*
 * The credentials a helper gave, in a file for the length of a pull: a
 * signal that ends the CLI (Ctrl-C, which also cancels the pull) removes
 * it first.
 */
static char		 secret_path[PATH_MAX];
static struct sigaction	 secret_old[3];
static const int	 secret_sigs[3] = { SIGINT, SIGTERM, SIGHUP };

static void
secret_gone(int sig)
{
	(void)unlink(secret_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
secret_file_hold(const char *path)
{
	struct sigaction	 sa;
	size_t			 i;

	snprintf(secret_path, sizeof(secret_path), "%s", path);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = secret_gone;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		(void)sigaction(secret_sigs[i], &sa, &secret_old[i]);
}

static void
secret_file_drop(void)
{
	size_t	 i;

	(void)unlink(secret_path);
	for (i = 0; i < 3; i++)
		(void)sigaction(secret_sigs[i], &secret_old[i], NULL);
	secret_path[0] = '\0';
}

/*
 * Pull ref as name (auth "" or a real path, kernel "" for tiny's);
 * banger's exit status.  A credential helper the auth file names for
 * the registry is run here, its answer handed over in a file of its own
 * for the length of the pull.
 */
static int
pull_ref(const char *ref, const char *name, const char *auth,
    uint64_t size_mib, const char *kernel)
{
	struct ctl_image_pull	 req;
	struct oci_ref		 r;
	char			 tmp[PATH_MAX], err[256];
	int			 rc;

	tmp[0] = '\0';
	if (auth[0] != '\0' && oci_ref_parse(ref, &r, err, sizeof(err)) == 0 &&
	    (rc = cred_helper_auth(auth, r.host, tmp, sizeof(tmp))) != 1) {
		if (rc == -1)
			return BEX_FAIL;
		auth = rc == 2 ? "" : tmp;
	}
	req.name = (char *)name;
	req.ref = (char *)ref;
	req.auth = (char *)auth;
	req.size_mib = size_mib;
	req.kernel = (char *)kernel;
	if (tmp[0] != '\0')
		secret_file_hold(tmp);
	rc = request_once(CTL_IMAGE_PULL, &req, 0, NULL, NULL);
	if (tmp[0] != '\0')
		secret_file_drop();
	return rc;
}

/*
 * vm run/create --image REF: the image REF makes (image_pull_name()),
 * pulled first unless there is one of that name; its name in name.
 */
int
image_pull_for_vm(const char *ref, char *name, size_t len)
{
	char		 auth[PATH_MAX], source[1024];
	int		 rc;

	if (strlen(ref) > IMAGE_REF_MAX || image_pull_name(ref, name, len) ==
	    -1) {
		cli_warnx("--image %.64s: neither an image name nor an image "
		    "reference banger can name; use `banger image pull "
		    "--name`", ref);
		return BEX_USAGE;
	}
	if ((rc = image_missing(name, source, sizeof(source))) == BEX_OK)
		return same_source(ref, name, source);
	if (rc != 1)
		return rc;
	find_auth(ref, auth, sizeof(auth));
	return pull_ref(ref, name, auth, 0, "");
}

/*
 * vm run/create with no --image, when config.toml names a catalog: the
 * default image (default_image_name, else debian-bookworm) is pulled
 * from it first if there is no image of that name.  Without a catalog,
 * or with the image there, nothing happens (bangerd picks as always).
 */
int
image_default_for_vm(void)
{
	struct paths	 p;
	struct config	 cfg;
	char		 err[512], name[VM_NAME_MAX + 1];
	int		 rc;

	if (paths_init(&p, err, sizeof(err)) == -1 ||
	    config_load(p.config_file, getenv("HOME"), &cfg, err,
	    sizeof(err)) == -1)
		return BEX_OK;		/* bangerd reports a bad config */
	snprintf(name, sizeof(name), "%s", cfg.default_image_name[0] != '\0' ?
	    cfg.default_image_name : "debian-bookworm");
	rc = cfg.catalog_url[0] != '\0';
	config_free(&cfg);
	if (!rc)
		return BEX_OK;
	if ((rc = image_missing(name, NULL, 0)) != 1)
		return rc;
	cli_warnx("no image %s yet: pulling it from the catalog (give --image "
	    "to use another)", name);
	return pull_ref(name, name, "", 0, "");
}

static int
cmd_image_pull_exec(const struct cmd_entry *e, struct args *a)
{
	char			 name[VM_NAME_MAX + 1], auth[PATH_MAX];
	const char		*ref = a->pos[0], *v;
	const char		*kernel = args_get(e, a, "kernel");
	int64_t			 size = 0;

	if (strlen(ref) > IMAGE_REF_MAX)
		return cmd_usage_error(e, "the image reference is too long");
	if ((v = args_get(e, a, "name")) != NULL) {
		if (!valid_vm_name(v))
			return cmd_usage_error(e, "invalid image name '%.64s' "
			    "(a-z, 0-9 and '-')", v);
		snprintf(name, sizeof(name), "%s", v);
	} else if (image_pull_name(ref, name, sizeof(name)) == -1)
		return cmd_usage_error(e, "no image name can be made from "
		    "'%.64s': give --name", ref);
	if ((v = args_get(e, a, "size")) != NULL && ((size =
	    parse_size_mib(v)) < 256 || (uint64_t)size > VM_DISK_MAX))
		return cmd_usage_error(e, "--size: a size from 256M to %lluT",
		    (unsigned long long)(VM_DISK_MAX >> 20));
	if (kernel != NULL && !valid_vm_name(kernel))
		return cmd_usage_error(e, "invalid kernel name '%.64s'",
		    kernel);
	if ((v = args_get(e, a, "auth-file")) != NULL) {
		/* bangerd's directory is not ours: resolved here. */
		if (realpath(v, auth) == NULL) {
			cli_warn("%s", v);
			return BEX_USAGE;
		}
	} else if (image_ref_like(ref) || !catalog_configured())
		find_auth(ref, auth, sizeof(auth));
	else
		auth[0] = '\0';	/* a catalog's image: no registry login */
	return pull_ref(ref, name, auth, (uint64_t)size, kernel != NULL ?
	    kernel : "");
}

const struct cmd_entry cmd_image_pull_entry = {
	.name = "image pull",
	.usage = "REF",
	.summary = "make an image of an OCI or docker image from a registry",
	.opts = image_pull_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_image_pull_exec,
};
