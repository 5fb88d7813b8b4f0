/*
 * banger image build NAME, image list [--json], image show [--json]
 * IMAGE, image delete IMAGE, image register --name NAME --rootfs PATH
 * [--kernel KERNEL]
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"
#include "valid.h"
#include "vminfo.h"

static const struct cmd_opt image_build_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt image_list_opts[] = {
	{ "json", 0, NULL, "print a JSON array with every field" },
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt image_show_opts[] = {
	{ "json", 0, NULL, "print a JSON object with every field" },
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt image_delete_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static const struct cmd_opt image_register_opts[] = {
	{ "name", 'n', "NAME", "the new image's name" },
	{ "rootfs", 0, "PATH", "an ext4 file system image (copied)" },
	{ "kernel", 'k', "KERNEL", "the kernel it boots (default: tiny; see "
	    "`banger kernel list`)" },
	{ NULL, 0, NULL, NULL }
};

/* image build and image delete: one image name, progress, OK. */
static int
image_named(const struct cmd_entry *e, struct args *a, uint32_t type)
{
	struct ctl_image_build	 req;

	if (!valid_vm_name(a->pos[0]))
		return cmd_usage_error(e, "invalid image name '%.64s'",
		    a->pos[0]);
	req.name = a->pos[0];
	return request_once(type, &req, 0, NULL, NULL);
}

static int
cmd_image_build_exec(const struct cmd_entry *e, struct args *a)
{
	return image_named(e, a, CTL_IMAGE_BUILD);
}

static json_t *
image_json(const struct ctl_image_info *ii)
{
	json_t	*o, *w;
	size_t	 i;

	o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:s, s:s}", "name",
	    ii->name, "dir", ii->dir, "rootfs", ii->rootfs, "size_mib",
	    (json_int_t)ii->size_mib, "built", (json_int_t)ii->built,
	    "source", ii->source, "kernel", ii->kernel);
	if (o == NULL || (w = json_array()) == NULL)
		return o;
	for (i = 0; i < ii->warm.n; i++)
		json_array_append_new(w, json_string(ii->warm.v[i]));
	json_object_set_new(o, "warm", w);
	return o;
}

static void
image_one(void *body, void *arg)
{
	struct ctl_image_info	*ii = body;
	json_t			*arr = arg;
	char			 name[256], dir[1024], age[32];

	if (arr != NULL)
		json_array_append_new(arr, image_json(ii));
	else {
		escape_ctl(ii->name, name, sizeof(name));
		escape_ctl(ii->dir, dir, sizeof(dir));
		fmt_age(ii->built, time(NULL), age, sizeof(age));
		printf("%-20s %-9s %6llu MiB  %-10s %s\n", name,
		    ii->rootfs ? "full" : "initramfs",
		    (unsigned long long)ii->size_mib, age, dir);
	}
	client_free(CTL_IMAGE_INFO, body);
}

static int
cmd_image_list_exec(const struct cmd_entry *e, struct args *a)
{
	json_t		*arr = NULL;
	int		 rc;

	if (args_get(e, a, "json") != NULL)
		arr = json_array();
	else
		printf("%-20s %-9s %9s  %-10s %s\n", "NAME", "KIND", "SIZE",
		    "BUILT", "DIRECTORY");
	rc = request_once(CTL_IMAGE_LIST, &(struct ctl_ok){ 0 },
	    CTL_IMAGE_INFO, image_one, arr);
	if (arr != NULL && rc == BEX_OK) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(arr);
	return rc;
}

/* image show: the one image named, and the VMs made from it. */
struct image_show {
	const char		*name;
	struct ctl_image_info	*ii;
	json_t			*vms;
};

static void
image_pick(void *body, void *arg)
{
	struct image_show	*s = arg;

	if (s->ii == NULL && strcmp(((struct ctl_image_info *)body)->name,
	    s->name) == 0)
		s->ii = body;
	else
		client_free(CTL_IMAGE_INFO, body);
}

static void
image_user(void *body, void *arg)
{
	struct ctl_vm_info	*vi = body;
	struct image_show	*s = arg;

	if (strcmp(vi->image, s->name) == 0)
		json_array_append_new(s->vms, json_string(vi->name));
	client_free(CTL_VM_INFO, body);
}

static int
cmd_image_show_exec(const struct cmd_entry *e, struct args *a)
{
	struct image_show	 s = { a->pos[0], NULL, json_array() };
	struct client		 c;
	json_t			*o, *v;
	char			 buf[1024], age[32];
	size_t			 i;
	int			 rc;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		goto out;
	rc = request_each(&c, CTL_IMAGE_LIST, &(struct ctl_ok){ 0 }, NULL, 0,
	    CTL_IMAGE_INFO, image_pick, &s);
	if (rc == BEX_OK)
		rc = request_each(&c, CTL_VM_LIST, &(struct ctl_ok){ 0 },
		    NULL, 0, CTL_VM_INFO, image_user, &s);
	client_close(&c);
	if (rc != BEX_OK)
		goto out;
	if (s.ii == NULL) {
		escape_ctl(s.name, buf, sizeof(buf));
		cli_warnx("no image named %s; `banger image list` shows what "
		    "there is", buf);
		rc = bex_from_berr(BERR_NOTFOUND);
		goto out;
	}
	if (args_get(e, a, "json") != NULL) {
		o = image_json(s.ii);
		json_object_set(o, "vms", s.vms);
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
		goto out;
	}
	escape_ctl(s.ii->name, buf, sizeof(buf));
	printf("name       %s\n", buf);
	printf("kind       %s\n", s.ii->rootfs ? "full (root file system)" :
	    "initramfs");
	printf("size       %llu MiB\n", (unsigned long long)s.ii->size_mib);
	fmt_age(s.ii->built, time(NULL), age, sizeof(age));
	printf("built      %s\n", age);
	escape_ctl(s.ii->dir, buf, sizeof(buf));
	printf("directory  %s\n", buf);
	escape_ctl(s.ii->source, buf, sizeof(buf));
	printf("source     %s\n", buf);
	escape_ctl(s.ii->kernel, buf, sizeof(buf));
	printf("kernel     %s\n", buf);
	printf("warm      ");
	for (i = 0; i < s.ii->warm.n; i++) {
		escape_ctl(s.ii->warm.v[i], buf, sizeof(buf));
		printf("%s %s", i > 0 ? "," : "", buf);
	}
	printf("%s\n", s.ii->warm.n == 0 ? " none (banger image warm)" : "");
	printf("vms       ");
	json_array_foreach(s.vms, i, v) {
		escape_ctl(json_string_value(v), buf, sizeof(buf));
		printf("%s %s", i > 0 ? "," : "", buf);
	}
	printf("%s\n", json_array_size(s.vms) == 0 ? " none" : "");
out:
	if (s.ii != NULL)
		client_free(CTL_IMAGE_INFO, s.ii);
	json_decref(s.vms);
	return rc;
}

static int
cmd_image_delete_exec(const struct cmd_entry *e, struct args *a)
{
	return image_named(e, a, CTL_IMAGE_DELETE);
}

static int
cmd_image_register_exec(const struct cmd_entry *e, struct args *a)
{
	struct ctl_image_register	 req;
	char				 path[PATH_MAX];
	const char			*name = args_get(e, a, "name");
	const char			*rootfs = args_get(e, a, "rootfs");
	const char			*kernel = args_get(e, a, "kernel");

	if (name == NULL || rootfs == NULL)
		return cmd_usage_error(e, "--name and --rootfs are both "
		    "needed");
	if (!valid_vm_name(name))
		return cmd_usage_error(e, "invalid image name '%.64s'", name);
	if (kernel != NULL && !valid_vm_name(kernel))
		return cmd_usage_error(e, "invalid kernel name '%.64s'",
		    kernel);
	/* bangerd's directory is not ours: its path, resolved here. */
	if (realpath(rootfs, path) == NULL) {
		cli_warn("%s", rootfs);
		return BEX_USAGE;
	}
	req.name = (char *)name;
	req.rootfs = path;
	req.kernel = (char *)(kernel != NULL ? kernel : "");
	return request_once(CTL_IMAGE_REGISTER, &req, 0, NULL, NULL);
}

const struct cmd_entry cmd_image_build_entry = {
	.name = "image build",
	.usage = "NAME",
	.summary = "build a guest image from Debian's archive (debian-bookworm)",
	.opts = image_build_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_image_build_exec,
};

const struct cmd_entry cmd_image_list_entry = {
	.name = "image list",
	.usage = "",
	.summary = "list guest images",
	.opts = image_list_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_image_list_exec,
};

const struct cmd_entry cmd_image_show_entry = {
	.name = "image show",
	.usage = "IMAGE",
	.summary = "show a guest image and the VMs made from it",
	.opts = image_show_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_image_show_exec,
};

const struct cmd_entry cmd_image_delete_entry = {
	.name = "image delete",
	.usage = "IMAGE",
	.summary = "delete a guest image no VM is made from",
	.opts = image_delete_opts,
	.min_pos = 1,
	.max_pos = 1,
	.exec = cmd_image_delete_exec,
};

const struct cmd_entry cmd_image_register_entry = {
	.name = "image register",
	.usage = "",
	.summary = "make an image of an ext4 root file system you have",
	.opts = image_register_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_image_register_exec,
};
