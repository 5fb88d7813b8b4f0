/* The request/reply loop shared by the VM commands, and VM printing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banger.h"
#include "exitcode.h"
#include "vminfo.h"

int
vm_request(struct client *c, uint32_t type, const void *req,
    struct ctl_vm_info **info)
{
	return vm_request_files(c, type, req, NULL, 0, info);
}

/* Send a workspace's file list (paths[n]) right after the request. */
int
send_ws_files(struct client *c, uint64_t id, char **paths, size_t n)
{
	struct ctl_ws_files	 wf;
	char			 err[512], *save;
	size_t			 off;
	int			 rc;

	for (off = 0; off < n; off += wf.paths.n) {
		wf.paths.v = paths + off;
		wf.paths.n = n - off > WS_CHUNK ? WS_CHUNK : n - off;
		/* The encoder wants the chunk NULL-terminated. */
		save = wf.paths.v[wf.paths.n];
		wf.paths.v[wf.paths.n] = NULL;
		rc = client_send(c, CTL_WS_FILES, id, &wf, err, sizeof(err));
		wf.paths.v[wf.paths.n] = save;
		if (rc == -1) {
			cli_warnx("%s", err);
			return -1;
		}
	}
	return 0;
}

/*
 * Send a request (and a workspace's file list) and read replies until
 * CTL_OK: progress is relayed to stderr, each reply of type item goes to
 * fn (which owns it: it frees it with client_free, or keeps it).
 * Returns an exit status.
 */
int
request_each(struct client *c, uint32_t type, const void *req,
    char **paths, size_t npaths, uint32_t item,
    void (*fn)(void *, void *), void *arg)
{
	struct msg_hdr	 hdr;
	void		*body;
	char		 err[512];
	uint64_t	 id;
	int		 rc = -1;

	if (client_request(c, type, req, &id, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_DAEMON;
	}
	if (send_ws_files(c, id, paths, npaths) == -1)
		return BEX_FAIL;
	while (rc == -1) {
		if (client_recv(c, id, &hdr, &body, err, sizeof(err)) == -1) {
			cli_warnx("%s", err);
			return BEX_FAIL;
		}
		if (item != 0 && hdr.type == item) {
			fn(body, arg);
			continue;
		}
		switch (hdr.type) {
		case CTL_PROGRESS:
			cli_relay(((struct ctl_progress *)body)->message);
			break;
		case CTL_OK:
			rc = BEX_OK;
			break;
		case CTL_ERROR:
			cli_relay(((struct ctl_error *)body)->message);
			rc = bex_from_berr(((struct ctl_error *)body)->code);
			break;
		default:
			cli_warnx("unexpected reply from bangerd");
			rc = BEX_FAIL;
			break;
		}
		client_free(hdr.type, body);
	}
	return rc;
}

/*
 * One request of the image and kernel commands: bangerd started if need
 * be, its progress relayed, each reply of type item to fn (0: none).
 * Returns an exit status.
 */
int
request_once(uint32_t type, const void *req, uint32_t item,
    void (*fn)(void *, void *), void *arg)
{
	struct client	 c;
	int		 rc;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = request_each(&c, type, req, NULL, 0, item, fn, arg);
	client_close(&c);
	return rc;
}

/* Keep the first VM record, drop any others. */
static void
keep_info(void *body, void *arg)
{
	struct ctl_vm_info	**info = arg;

	if (*info == NULL)
		*info = body;
	else
		client_free(CTL_VM_INFO, body);
}

int
vm_request_files(struct client *c, uint32_t type, const void *req,
    char **paths, size_t npaths, struct ctl_vm_info **info)
{
	struct ctl_vm_info	*vi = NULL;
	int			 rc;

	rc = request_each(c, type, req, paths, npaths, CTL_VM_INFO,
	    keep_info, &vi);
	if (rc != BEX_OK || info == NULL) {
		vm_info_free(vi);
		vi = NULL;
	}
	if (info != NULL)
		*info = vi;
	return rc;
}

/*
 * A request answered by one VM_INFO, of which one part is printed: as
 * JSON (json_fn) with --json, else as text (print_fn).  what names the
 * part if bangerd sends no VM_INFO.
 */
int
vm_info_part(const struct cmd_entry *e, const struct args *a, uint32_t type,
    const void *req, const char *what, json_t *(*json_fn)(const struct
    ctl_vm_info *), void (*print_fn)(const struct ctl_vm_info *, FILE *))
{
	struct ctl_vm_info	*vi;
	struct client		 c;
	json_t			*j;
	int			 rc;

	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	rc = vm_request(&c, type, req, &vi);
	client_close(&c);
	if (rc != BEX_OK)
		return rc;
	if (vi == NULL) {
		cli_warnx("bangerd did not say %s", what);
		return BEX_FAIL;
	}
	if (args_get(e, a, "json") == NULL)
		print_fn(vi, stdout);
	else if ((j = json_fn(vi)) != NULL) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else {
		cli_warnx("out of memory");
		vm_info_free(vi);
		return BEX_FAIL;
	}
	vm_info_free(vi);
	return fflush(stdout) == 0 ? BEX_OK : BEX_FAIL;
}

void
vm_info_free(struct ctl_vm_info *vi)
{
	if (vi != NULL)
		client_free(CTL_VM_INFO, vi);
}

void
vm_print(const struct ctl_vm_info *v, FILE *f)
{
	char	 name[256], addr[256], dir[4 * BANGER_STRMAX + 1];
	char	 line[8192];
	size_t	 i;

	escape_ctl(v->name, name, sizeof(name));
	escape_ctl(v->address, addr, sizeof(addr));
	escape_ctl(v->dir, dir, sizeof(dir));
	fprintf(f, "name       %s\n", name);
	fprintf(f, "state      %s\n", v->state);
	fprintf(f, "vmm        %s (%s)\n", v->vmm, v->accel);
	fprintf(f, "image      %s\n", v->image);
	fprintf(f, "root       %s\n", v->root);
	fprintf(f, "address    %s\n", addr[0] ? addr : "-");
	fprintf(f, "spec       %llu vCPU, %llu MiB RAM, %llu MiB disk\n",
	    (unsigned long long)v->vcpus, (unsigned long long)v->memory_mib,
	    (unsigned long long)v->disk_mib);
	if (v->pid)
		fprintf(f, "pid        %llu\n", (unsigned long long)v->pid);
	if (v->ports.n == 0)
		fprintf(f, "ports      -\n");
	for (i = 0; i < v->ports.n; i++) {
		port_line(v, i, line, sizeof(line));
		fprintf(f, "%s %s\n", i == 0 ? "ports     " : "          ",
		    line);
	}
	egress_line(v, line, sizeof(line));
	fprintf(f, "egress     %s\n", line);
	/* Names from a fixed set (cred.h), checked here all the same. */
	fprintf(f, "credentials");
	for (i = 0; i < v->credentials.n; i++) {
		escape_ctl(v->credentials.v[i], line, sizeof(line));
		fprintf(f, "%s%s", i == 0 ? " " : ", ", line);
	}
	fprintf(f, "%s\n", v->credentials.n == 0 ? " -" : "");
	fprintf(f, "directory  %s\n", dir);
	fprintf(f, "console    %s/console.log\n", dir);
}

int64_t
parse_size_mib(const char *s)
{
	char		*end;
	unsigned long long v;
	int64_t		 mul = 1;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtoull(s, &end, 10);
	if (v > (1ULL << 40))
		return -1;
	switch (*end) {
	case '\0':
		return v;
	case 'M': case 'm':
		mul = 1;
		break;
	case 'G': case 'g':
		mul = 1024;
		break;
	case 'T': case 't':
		mul = 1024 * 1024;
		break;
	default:
		return -1;
	}
	end++;
	if (strcmp(end, "") != 0 && strcmp(end, "iB") != 0 &&
	    strcmp(end, "B") != 0)
		return -1;
	if (v > (uint64_t)INT64_MAX / mul)
		return -1;
	return (int64_t)v * mul;
}
