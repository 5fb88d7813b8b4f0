/*
 * config.toml: one table of known keys, each with the function that
 * checks and stores its value.  toml_parse() does the syntax; this file
 * decides what the values mean.  Parsing never touches the filesystem
 * beyond reading the file itself, so the whole of it can be fuzzed.
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "cred.h"
#include "fdutil.h"
#include "toml.h"
#include "valid.h"

#define GUEST_HOME	"/root"
#define NAME_SHOWN	64	/* longest table name quoted in a message */
#define SYNC_HOST	0x1
#define SYNC_GUEST	0x2
#define SYNC_MODE	0x4

struct parse {
	struct config	*cfg;
	const char	*home;
	/* Each [[file_sync]] header's line, found by scan_headers(). */
	unsigned	 sync_line[CONFIG_MAX_SYNC];
	size_t		 nheaders;
	unsigned char	 sync_has[CONFIG_MAX_SYNC];
};

struct key_spec;
typedef int (*take_fn)(struct parse *, const struct key_spec *, int,
    const struct toml_value *, unsigned, char *, size_t);

struct key_spec {
	const char	*table;		/* "" for the top level */
	const char	*key;
	take_fn		 take;
	int		 id;		/* enum config_key, or a SYNC_ bit */
};

static int	kerr(char *, size_t, unsigned, const struct key_spec *,
		    const char *, ...) __attribute__((format(printf, 5, 6)));

/* "line N: table.key: reason"; config_parse() puts the file name in. */
static int
kerr(char *err, size_t errlen, unsigned line, const struct key_spec *k,
    const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(err, errlen, "line %u: %s%s%s: ", line, k->table,
	    k->table[0] != '\0' ? "." : "", k->key);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Expand a leading "~/" to tilde, then normalise: repeated '/' collapse,
 * "." components and a trailing '/' go.  ".." is refused rather than
 * resolved: the path may not exist yet, and in the guest it must not
 * climb out of /root.  Returns NULL, or why the path was refused.
 */
static const char *
norm_path(const char *in, const char *tilde, char *out, size_t outlen)
{
	const char	*s, *e;
	size_t		 len = 0, n;
	int		 pass;

	if (in[0] == '~' && in[1] == '/') {
		if (tilde == NULL || tilde[0] != '/')
			return "cannot expand \"~/\": HOME is not set";
	} else if (in[0] != '/')
		return "must be an absolute path or start with \"~/\"";
	/* Pass 0 walks the ~ expansion (if any), pass 1 the rest. */
	for (pass = in[0] == '~' ? 0 : 1; pass < 2; pass++) {
		for (s = pass == 0 ? tilde : in + (in[0] == '~'); *s != '\0';
		    s = e) {
			while (*s == '/')
				s++;
			if ((e = strchr(s, '/')) == NULL)
				e = s + strlen(s);
			n = e - s;
			if (n == 0 || (n == 1 && s[0] == '.'))
				continue;
			if (n == 2 && s[0] == '.' && s[1] == '.')
				return pass == 0 ? "HOME contains \"..\"" :
				    "must not contain \"..\"";
			if (n > 255)
				return "has a component longer than 255 bytes";
			if (len + 1 + n >= outlen)
				return "is too long";
			out[len++] = '/';
			memcpy(out + len, s, n);
			len += n;
		}
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	/* They would end up in logs and messages; HOME's too. */
	for (s = out; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return "must not contain control characters";
	return NULL;
}

static int
take_path(struct parse *ps, const struct key_spec *k, char *dst,
    size_t dstlen, const struct toml_value *v, unsigned line, char *err,
    size_t errlen)
{
	const char	*why;

	if (v->type != TOML_STRING)
		return kerr(err, errlen, line, k, "must be a string (a path)");
	if ((why = norm_path(v->s, ps->home, dst, dstlen)) != NULL)
		return kerr(err, errlen, line, k, "%s", why);
	return 0;
}

static int
take_top_path(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	struct config	*c = ps->cfg;
	char		*dst;

	(void)index;
	switch (k->id) {
	case CONFIG_K_SSH_KEY_PATH:
		dst = c->ssh_key_path;
		break;
	case CONFIG_K_FIRECRACKER_BIN:
		dst = c->firecracker_bin;
		break;
	default:
		dst = c->qemu_bin;
		break;
	}
	if (take_path(ps, k, dst, PATH_MAX, v, line, err, errlen) == -1)
		return -1;
	c->line[k->id] = line;
	return 0;
}

static int
take_image_name(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	(void)index;
	if (v->type != TOML_STRING)
		return kerr(err, errlen, line, k, "must be a string");
	if (!valid_vm_name(v->s))
		return kerr(err, errlen, line, k, "must be 1-%d characters of "
		    "a-z, 0-9 and '-', not starting or ending with '-'",
		    VM_NAME_MAX);
	strcpy(ps->cfg->default_image_name, v->s);	/* length checked */
	ps->cfg->line[k->id] = line;
	return 0;
}

/* host[0..len) (with any :port) names localhost, 127.0.0.0/8 or [::1]. */
static int
loopback_host(const char *host, size_t len)
{
	size_t	 n, i;

	if (host[0] == '[')
		return len >= 5 && strncmp(host, "[::1]", 5) == 0 &&
		    (len == 5 || host[5] == ':');
	for (n = 0; n < len && host[n] != ':'; n++)
		;
	if (n == 9 && strncmp(host, "localhost", 9) == 0)
		return 1;
	if (n < 5 || strncmp(host, "127.", 4) != 0)
		return 0;
	for (i = 4; i < n; i++)
		if (!(host[i] == '.' || (host[i] >= '0' && host[i] <= '9')))
			return 0;
	return 1;
}

/*
 * An https URL, or http to a loopback host (as image pull allows for
 * registries): no space, control character, user, query or fragment.
 */
static int
take_catalog_url(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	const char	*s, *host, *end;
	size_t		 i, hl;

	(void)index;
	if (v->type != TOML_STRING)
		return kerr(err, errlen, line, k, "must be a string");
	s = v->s;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '#' ||
		    s[i] == '@' || s[i] == '?')
			break;
	if (s[i] != '\0' || i > CONFIG_URL_MAX)
		return kerr(err, errlen, line, k, "must be a URL of at most %d "
		    "characters, without spaces, '@', '?' or '#'",
		    CONFIG_URL_MAX);
	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return kerr(err, errlen, line, k, "must start with https:// "
		    "(or http:// for a loopback host)");
	if ((end = strchr(host, '/')) == NULL)
		end = host + strlen(host);
	hl = end - host;
	if (hl == 0)
		return kerr(err, errlen, line, k, "has no host");
	/* Its signature is the same URL with ".sig": a file, not a host. */
	if (*end != '/' || s[strlen(s) - 1] == '/')
		return kerr(err, errlen, line, k, "must be the URL of the "
		    "catalog's file (e.g. https://host/banger/catalog.json)");
	if (host == s + 7 && !loopback_host(host, hl))
		return kerr(err, errlen, line, k, "http:// only for a loopback "
		    "host (localhost, 127.0.0.0/8, [::1]); use https://");
	strcpy(ps->cfg->catalog_url, s);	/* length checked */
	ps->cfg->line[k->id] = line;
	return 0;
}

/* web_listen_addr: loopback only (webaddr.c says why). */
static int
take_web_addr(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	struct web_addr	 wa;
	char		 why[256];

	(void)index;
	if (v->type != TOML_STRING)
		return kerr(err, errlen, line, k, "must be a string");
	if (web_addr_parse(v->s, &wa, why, sizeof(why)) == -1)
		return kerr(err, errlen, line, k, "%s", why);
	snprintf(ps->cfg->web_listen_addr, sizeof(ps->cfg->web_listen_addr),
	    "%s", wa.hostport);
	ps->cfg->line[k->id] = line;
	return 0;
}

static int
take_vmm(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	static const enum config_vmm	 all[] = { CONFIG_VMM_AUTO,
	    CONFIG_VMM_FIRECRACKER, CONFIG_VMM_QEMU };
	size_t				 i;

	(void)index;
	if (v->type == TOML_STRING)
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			if (strcmp(v->s, config_vmm_name(all[i])) == 0) {
				ps->cfg->vmm = all[i];
				ps->cfg->line[k->id] = line;
				return 0;
			}
	return kerr(err, errlen, line, k, "must be \"auto\", \"firecracker\" "
	    "or \"qemu\"");
}

static int
take_warm(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	static const char *const names[] = { "auto", "manual", "off" };
	size_t			 i;

	(void)index;
	if (v->type == TOML_STRING)
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(v->s, names[i]) == 0) {
				ps->cfg->warm = (enum config_warm)i;
				ps->cfg->line[k->id] = line;
				return 0;
			}
	return kerr(err, errlen, line, k, "must be \"auto\", \"manual\" or "
	    "\"off\"");
}

static int
take_vcpu(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	(void)index;
	if (v->type != TOML_INT)
		return kerr(err, errlen, line, k, "must be an integer");
	if (v->i < CONFIG_VCPU_MIN || v->i > CONFIG_VCPU_MAX)
		return kerr(err, errlen, line, k, "must be between %d and %d",
		    CONFIG_VCPU_MIN, CONFIG_VCPU_MAX);
	ps->cfg->vcpu = (int)v->i;
	ps->cfg->line[k->id] = line;
	return 0;
}

static int
take_memory(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	(void)index;
	if (v->type != TOML_INT)
		return kerr(err, errlen, line, k, "must be an integer (MiB)");
	if (v->i < CONFIG_MEMORY_MIN || v->i > CONFIG_MEMORY_MAX)
		return kerr(err, errlen, line, k, "must be between %d and %d "
		    "(MiB)", CONFIG_MEMORY_MIN, CONFIG_MEMORY_MAX);
	ps->cfg->memory_mib = (unsigned)v->i;
	ps->cfg->line[k->id] = line;
	return 0;
}

/*
 * "<digits>" (MiB) or "<digits><unit>" with unit M, MiB, G, GiB, T or TiB
 * (all powers of 1024).  Sizes too large to count come back as
 * CONFIG_DISK_MAX + 1 for the range check to refuse.
 */
static int
parse_size(const char *s, unsigned long long *mib)
{
	static const struct {
		const char		*unit;
		unsigned long long	 mib;
	} units[] = {
		{ "", 1 }, { "M", 1 }, { "MiB", 1 },
		{ "G", 1024 }, { "GiB", 1024 },
		{ "T", 1024 * 1024 }, { "TiB", 1024 * 1024 },
	};
	unsigned long long	 n = 0;
	const char		*p;
	size_t			 i;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (*p - '0')) > CONFIG_DISK_MAX)
			n = CONFIG_DISK_MAX + 1;	/* stays too big */
	if (p == s || (p - s > 1 && *s == '0'))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].unit) == 0) {
			*mib = n > CONFIG_DISK_MAX / units[i].mib ?
			    CONFIG_DISK_MAX + 1 : n * units[i].mib;
			return 0;
		}
	return -1;
}

static int
take_disk(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	unsigned long long	 mib = 0;

	(void)index;
	if (v->type == TOML_INT) {
		if (v->i > 0)
			mib = v->i > (int64_t)CONFIG_DISK_MAX ?
			    CONFIG_DISK_MAX + 1 : (unsigned long long)v->i;
	} else if (v->type != TOML_STRING || parse_size(v->s, &mib) == -1)
		return kerr(err, errlen, line, k, "must be a size like \"8G\", "
		    "\"512M\" or \"20GiB\", or an integer number of MiB");
	if (mib < CONFIG_DISK_MIN || mib > CONFIG_DISK_MAX)
		return kerr(err, errlen, line, k, "must be between %d MiB and "
		    "%llu TiB", CONFIG_DISK_MIN, CONFIG_DISK_MAX / 1048576);
	ps->cfg->disk_mib = mib;
	ps->cfg->line[k->id] = line;
	return 0;
}

static int
take_sync_host(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	struct config_sync	*e = &ps->cfg->sync[index];

	return take_path(ps, k, e->host, sizeof(e->host), v, line, err,
	    errlen);
}

static int
take_sync_guest(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	struct config_sync	*e = &ps->cfg->sync[index];
	const char		*why;
	char			 gp[PATH_MAX];
	size_t			 i, n = strlen(GUEST_HOME);

	if (v->type != TOML_STRING)
		return kerr(err, errlen, line, k, "must be a string (a path)");
	/* HOME here is the guest's: root's. */
	if ((why = norm_path(v->s, GUEST_HOME, gp, sizeof(gp))) != NULL)
		return kerr(err, errlen, line, k, "%s", why);
	if (strncmp(gp, GUEST_HOME, n) != 0 || (gp[n] != '\0' &&
	    gp[n] != '/'))
		return kerr(err, errlen, line, k, "must be under \"~/\" or "
		    "\"%s/\"", GUEST_HOME);
	for (i = 0; i < ps->cfg->nsync; i++)
		if (i != (size_t)index && strcmp(ps->cfg->sync[i].guest,
		    gp) == 0)
			return kerr(err, errlen, line, k, "%s is already the "
			    "guest path of the entry at line %u", gp,
			    ps->cfg->sync[i].line);
	memcpy(e->guest, gp, sizeof(e->guest));
	return 0;
}

/* "0644", "644", "0755": permission bits only, as octal digits. */
static int
take_sync_mode(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	size_t	 i, len;
	int	 mode = 0;

	if (v->type != TOML_STRING)
		return kerr(err, errlen, line, k, "must be a string of octal "
		    "digits like \"0644\"");
	len = strlen(v->s);
	/* The length first: a long string must not overflow mode. */
	for (i = 0; i < len && len <= 4 && v->s[i] >= '0' && v->s[i] <= '7';
	    i++)
		mode = mode * 8 + (v->s[i] - '0');
	if (i != len || len < 3 || len > 4)
		return kerr(err, errlen, line, k, "must be 3 or 4 octal digits "
		    "like \"0644\"");
	if (mode > 0777)
		return kerr(err, errlen, line, k, "setuid, setgid and sticky "
		    "bits are not allowed (at most \"0777\")");
	ps->cfg->sync[index].mode = mode;
	return 0;
}

/* dns_upstream = ["192.0.2.53", "2001:db8::53"]: addresses only. */
static int
take_dns_upstream(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	struct in6_addr	 a;
	size_t		 i;

	(void)index;
	if (v->type != TOML_ARRAY || v->n == 0 ||
	    v->n > CONFIG_DNS_UPSTREAM_MAX)
		return kerr(err, errlen, line, k, "must be a list of 1 to %d "
		    "addresses like [\"192.0.2.53\"]",
		    CONFIG_DNS_UPSTREAM_MAX);
	for (i = 0; i < v->n; i++) {
		if (v->a[i].type != TOML_STRING ||
		    strlen(v->a[i].s) >= CONFIG_ADDR_STRLEN ||
		    (inet_pton(AF_INET, v->a[i].s, &a) != 1 &&
		    inet_pton(AF_INET6, v->a[i].s, &a) != 1))
			return kerr(err, errlen, line, k, "entry %zu is not an "
			    "IPv4 or IPv6 address (no port, no name)", i + 1);
		snprintf(ps->cfg->dns_upstream[i],
		    sizeof(ps->cfg->dns_upstream[i]), "%s", v->a[i].s);
	}
	ps->cfg->ndns_upstream = v->n;
	ps->cfg->line[k->id] = line;
	return 0;
}

/* [vm_defaults] egress = "open" or "allowlist". */
static int
take_egress(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	(void)index;
	if (v->type != TOML_STRING || egress_mode_parse(v->s) == -1)
		return kerr(err, errlen, line, k, "must be \"open\" or "
		    "\"allowlist\"");
	ps->cfg->egress = egress_mode_parse(v->s);
	ps->cfg->line[k->id] = line;
	return 0;
}

/* [vm_defaults] allow = ["github.com", "*.npmjs.org"]. */
static int
take_allow(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	char	 why[160];
	size_t	 i;

	(void)index;
	if (v->type != TOML_ARRAY || v->n > EGRESS_ALLOW_MAX)
		return kerr(err, errlen, line, k, "must be a list of at most "
		    "%d domains like [\"github.com\", \"*.npmjs.org\"]",
		    EGRESS_ALLOW_MAX);
	for (i = 0; i < v->n; i++) {
		if (v->a[i].type != TOML_STRING)
			return kerr(err, errlen, line, k, "entry %zu is not "
			    "a string", i + 1);
		if (egress_pattern_norm(v->a[i].s, ps->cfg->allow[i],
		    sizeof(ps->cfg->allow[i]), why, sizeof(why)) == -1)
			return kerr(err, errlen, line, k, "%s", why);
	}
	ps->cfg->nallow = v->n;
	ps->cfg->line[k->id] = line;
	return 0;
}

/*
 * credentials = ["claude", "opencode", "pi"]: which of cred.h's files
 * each VM start copies in; nothing unless listed.
 */
_Static_assert(CRED_COUNT == 3, "take_credentials() names all three");
static int
take_credentials(struct parse *ps, const struct key_spec *k, int index,
    const struct toml_value *v, unsigned line, char *err, size_t errlen)
{
	unsigned	 set = 0;
	size_t		 i;
	int		 c;

	(void)index;
	if (v->type != TOML_ARRAY || v->n > CRED_COUNT)
		return kerr(err, errlen, line, k, "must be a list of at most "
		    "%d of \"%s\", \"%s\", \"%s\"", CRED_COUNT,
		    cred_table[0].name, cred_table[1].name,
		    cred_table[2].name);
	for (i = 0; i < v->n; i++) {
		if (v->a[i].type != TOML_STRING ||
		    (c = cred_index(v->a[i].s)) == -1)
			return kerr(err, errlen, line, k, "entry %zu is not "
			    "one of \"%s\", \"%s\", \"%s\"", i + 1,
			    cred_table[0].name, cred_table[1].name,
			    cred_table[2].name);
		if (set & (1u << c))
			return kerr(err, errlen, line, k, "\"%s\" is listed "
			    "twice", cred_table[c].name);
		set |= 1u << c;
	}
	ps->cfg->creds = set;
	ps->cfg->line[k->id] = line;
	return 0;
}

static const struct key_spec keys[] = {
	{ "", "default_image_name", take_image_name,
	    CONFIG_K_DEFAULT_IMAGE_NAME },
	{ "", "ssh_key_path", take_top_path, CONFIG_K_SSH_KEY_PATH },
	{ "", "firecracker_bin", take_top_path, CONFIG_K_FIRECRACKER_BIN },
	{ "", "qemu_bin", take_top_path, CONFIG_K_QEMU_BIN },
	{ "", "vmm", take_vmm, CONFIG_K_VMM },
	{ "", "catalog_url", take_catalog_url, CONFIG_K_CATALOG_URL },
	{ "", "warm", take_warm, CONFIG_K_WARM },
	{ "", "web_listen_addr", take_web_addr, CONFIG_K_WEB_LISTEN_ADDR },
	{ "", "dns_upstream", take_dns_upstream, CONFIG_K_DNS_UPSTREAM },
	{ "", "credentials", take_credentials, CONFIG_K_CREDENTIALS },
	{ "vm_defaults", "vcpu", take_vcpu, CONFIG_K_VCPU },
	{ "vm_defaults", "memory_mib", take_memory, CONFIG_K_MEMORY_MIB },
	{ "vm_defaults", "disk_size", take_disk, CONFIG_K_DISK_SIZE },
	{ "vm_defaults", "egress", take_egress, CONFIG_K_EGRESS },
	{ "vm_defaults", "allow", take_allow, CONFIG_K_ALLOW },
	{ "file_sync", "host", take_sync_host, SYNC_HOST },
	{ "file_sync", "guest", take_sync_guest, SYNC_GUEST },
	{ "file_sync", "mode", take_sync_mode, SYNC_MODE },
};

/* Grow cfg->sync to hold entry index; entries come in order. */
static int
sync_entry(struct parse *ps, int index, unsigned line, char *err,
    size_t errlen)
{
	struct config		*c = ps->cfg;
	struct config_sync	*s;
	size_t			 i;

	if (index >= CONFIG_MAX_SYNC) {
		snprintf(err, errlen, "line %u: file_sync: more than %d "
		    "entries", line, CONFIG_MAX_SYNC);
		return -1;
	}
	if ((size_t)index < c->nsync)
		return 0;
	if ((s = reallocarray(c->sync, index + 1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "line %u: out of memory", line);
		return -1;
	}
	c->sync = s;
	for (i = c->nsync; i <= (size_t)index; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].mode = -1;
		s[i].line = i < ps->nheaders ? ps->sync_line[i] : line;
	}
	c->nsync = index + 1;
	return 0;
}

static int
config_cb(const char *table, int index, const char *key,
    const struct toml_value *v, unsigned line, void *arg, char *err,
    size_t errlen)
{
	struct parse		*ps = arg;
	const struct key_spec	*k = NULL;
	size_t			 i;
	int			 known = 0;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].table, table) != 0)
			continue;
		known = 1;
		if (strcmp(keys[i].key, key) == 0) {
			k = &keys[i];
			break;
		}
	}
	/* scan_headers() has refused these already unless names differ. */
	if (!known || (strcmp(table, "file_sync") == 0) != (index >= 0)) {
		snprintf(err, errlen, "line %u: unknown table %s%.*s%s", line,
		    index >= 0 ? "[[" : "[", NAME_SHOWN, table,
		    index >= 0 ? "]]" : "]");
		return -1;
	}
	if (k == NULL) {
		snprintf(err, errlen, "line %u: %s%s%.*s: unknown key", line,
		    table, table[0] != '\0' ? "." : "", NAME_SHOWN, key);
		return -1;
	}
	if (index >= 0) {
		if (sync_entry(ps, index, line, err, errlen) == -1 ||
		    k->take(ps, k, index, v, line, err, errlen) == -1)
			return -1;
		ps->sync_has[index] |= k->id;
		return 0;
	}
	return k->take(ps, k, index, v, line, err, errlen);
}

/*
 * One part of a header name, appended to name with anything but
 * printable ASCII shown as '?' (an escape too: such a name is never one
 * of ours).  Returns where the part ends, or NULL.
 */
static const char *
scan_part(const char *p, const char *end, char *name, size_t *len,
    size_t size)
{
	const char	*s;
	char		 q = 0, c;

	if (p < end && (*p == '"' || *p == '\''))
		q = *p++;
	for (s = p; p < end; p++) {
		if (q != 0 ? *p == q : !((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-'))
			break;
		c = *p > 0x20 && *p < 0x7f ? *p : '?';
		if (q == '"' && *p == '\\' && p + 1 < end) {
			p++;
			c = '?';
		}
		if (*len + 1 < size)
			name[(*len)++] = c;
	}
	if (q != 0)
		return p == end || p == s ? NULL : p + 1;
	return p == s ? NULL : p;
}

/*
 * toml_parse() reports keys, never headers, so an empty [table] would go
 * unseen.  In the TOML subset a header is a line whose first non-blank
 * byte is '[', so one pass over those lines finds every table the file
 * names and where each [[file_sync]] starts.  Lines that do not parse
 * here are left for toml_parse() to refuse.  On a refusal, *stop is the
 * offset of the refused line.
 */
static int
scan_headers(const char *buf, size_t len, struct parse *ps, size_t *stop,
    char *err, size_t errlen)
{
	const char	*p, *end, *eol, *lim = buf + len;
	char		 name[NAME_SHOWN + 1];
	size_t		 n;
	unsigned	 line;
	int		 arr;

	for (p = buf, line = 1; p < lim; p = eol + 1, line++) {
		if ((eol = memchr(p, '\n', lim - p)) == NULL)
			eol = lim;
		end = eol;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p != '[')
			continue;
		*stop = p - buf;
		arr = end - p > 1 && p[1] == '[';
		p += 1 + arr;
		for (n = 0;;) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if ((p = scan_part(p, end, name, &n, sizeof(name))) ==
			    NULL)
				break;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p == end || *p != '.')
				break;
			p++;
			if (n + 1 < sizeof(name))
				name[n++] = '.';
		}
		if (p == NULL || p == end || *p != ']')
			continue;
		name[n] = '\0';
		if (arr && strcmp(name, "file_sync") == 0) {
			if (ps->nheaders == CONFIG_MAX_SYNC) {
				snprintf(err, errlen, "line %u: file_sync: "
				    "more than %d entries", line,
				    CONFIG_MAX_SYNC);
				return -1;
			}
			ps->sync_line[ps->nheaders++] = line;
			continue;
		}
		if (!arr && strcmp(name, "vm_defaults") == 0)
			continue;
		if (strcmp(name, "file_sync") == 0)
			snprintf(err, errlen, "line %u: file_sync is a list: "
			    "write each entry as [[file_sync]]", line);
		else if (strcmp(name, "vm_defaults") == 0)
			snprintf(err, errlen, "line %u: vm_defaults is a "
			    "single table: write [vm_defaults]", line);
		else
			snprintf(err, errlen, "line %u: unknown table %s%s%s",
			    line, arr ? "[[" : "[", name, arr ? "]]" : "]");
		return -1;
	}
	return 0;
}

/* Every [[file_sync]] needs host and guest. */
static int
check_sync(struct parse *ps, char *err, size_t errlen)
{
	size_t		 i, n = ps->nheaders;
	unsigned	 line;

	if (ps->cfg->nsync > n)
		n = ps->cfg->nsync;
	for (i = 0; i < n; i++) {
		line = i < ps->nheaders ? ps->sync_line[i] :
		    ps->cfg->sync[i].line;
		if ((ps->sync_has[i] & SYNC_HOST) == 0) {
			snprintf(err, errlen, "line %u: file_sync: the entry "
			    "has no host (the path to copy)", line);
			return -1;
		}
		if ((ps->sync_has[i] & SYNC_GUEST) == 0) {
			snprintf(err, errlen, "line %u: file_sync: the entry "
			    "has no guest (where to put it)", line);
			return -1;
		}
	}
	return 0;
}

/* Turn "line N: reason" into "name:N: reason", anything else "name: ". */
static void
name_err(const char *name, char *err, size_t errlen)
{
	char		*rest, *msg;
	unsigned long	 line = 0;

	if (errlen == 0)
		return;
	if ((msg = strdup(err)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return;
	}
	rest = msg;
	if (strncmp(msg, "line ", 5) == 0) {
		line = strtoul(msg + 5, &rest, 10);
		if (strncmp(rest, ": ", 2) == 0)
			rest += 2;
		else {
			rest = msg;
			line = 0;
		}
	}
	if (line > 0)
		snprintf(err, errlen, "%s:%lu: %s", name, line, rest);
	else
		snprintf(err, errlen, "%s: %s", name, rest);
	free(msg);
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->vmm = CONFIG_VMM_AUTO;
}

void
config_free(struct config *c)
{
	free(c->sync);
	c->sync = NULL;
	c->nsync = 0;
}

int
config_parse(const char *buf, size_t len, const char *name,
    const char *home, struct config *cfg, char *err, size_t errlen)
{
	struct parse	*ps;
	char		 scanerr[256];
	size_t		 stop = len;
	int		 rc, scanrc;

	config_init(cfg);
	if (errlen > 0)
		err[0] = '\0';
	if (len > TOML_MAX_INPUT) {
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    TOML_MAX_INPUT);
		return -1;
	}
	if ((ps = calloc(1, sizeof(*ps))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	ps->cfg = cfg;
	ps->home = home;
	/*
	 * A refused header is reported only if everything before it is
	 * fine, so the first error in the file is the one shown.
	 */
	scanrc = scan_headers(buf, len, ps, &stop, scanerr, sizeof(scanerr));
	rc = toml_parse(buf, scanrc == 0 ? len : stop, config_cb, ps, err,
	    errlen);
	if (rc == 0 && scanrc == -1) {
		snprintf(err, errlen, "%s", scanerr);
		rc = -1;
	} else if (rc == 0)
		rc = check_sync(ps, err, errlen);
	/* allow alone means allowlist, as --allow does; open refuses it. */
	if (rc == 0 && cfg->nallow > 0 && cfg->line[CONFIG_K_EGRESS] == 0)
		cfg->egress = EGRESS_ALLOWLIST;
	else if (rc == 0 && cfg->nallow > 0 && cfg->egress == EGRESS_OPEN) {
		snprintf(err, errlen, "line %u: vm_defaults.allow: needs egress "
		    "= \"allowlist\" (line %u says \"open\")",
		    cfg->line[CONFIG_K_ALLOW], cfg->line[CONFIG_K_EGRESS]);
		rc = -1;
	}
	free(ps);
	if (rc != 0) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "invalid configuration");
		name_err(name, err, errlen);
		config_free(cfg);
		config_init(cfg);
		return -1;
	}
	return 0;
}

int
config_load(const char *path, const char *home, struct config *cfg,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 name[PATH_MAX + 2], *buf;
	size_t		 hl = home != NULL ? strlen(home) : 0;
	ssize_t		 n;
	int		 fd, rc;

	config_init(cfg);
	if (errlen > 0)
		err[0] = '\0';
	/* Messages show the file as the user would type it. */
	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	if (hl > 1 && home[0] == '/' && strncmp(path, home, hl) == 0 &&
	    path[hl] == '/')
		snprintf(name, sizeof(name), "~%s", path + hl);
	else
		snprintf(name, sizeof(name), "%s", path);
	/* O_NONBLOCK: a FIFO in its place must not hang us. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		cfg->present = 1;
		return -1;
	}
	cfg->present = 1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", name);
		close(fd);
		return -1;
	}
	if (st.st_size > TOML_MAX_INPUT) {
		snprintf(err, errlen, "%s: larger than %d bytes", name,
		    TOML_MAX_INPUT);
		close(fd);
		return -1;
	}
	/* One byte over the cap tells a file that grew since fstat. */
	if ((buf = malloc(TOML_MAX_INPUT + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		close(fd);
		return -1;
	}
	n = read_all(fd, buf, TOML_MAX_INPUT + 1);
	close(fd);
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		free(buf);
		return -1;
	}
	rc = config_parse(buf, n, name, home, cfg, err, errlen);
	free(buf);
	cfg->present = 1;
	return rc;
}

void
config_effective(const struct config *c, long ncpu,
    unsigned long long ram_bytes, struct vm_defaults_eff *e)
{
	unsigned long long	 mib;

	if (c != NULL && c->vcpu > 0) {
		e->vcpu = c->vcpu;
		e->vcpu_src = CONFIG_SRC_CONFIG;
	} else if (ncpu / 4 >= CONFIG_FLOOR_VCPU) {
		e->vcpu = ncpu / 4 > CONFIG_HOST_VCPU_MAX ?
		    CONFIG_HOST_VCPU_MAX : (int)(ncpu / 4);
		e->vcpu_src = CONFIG_SRC_HOST;
	} else {
		e->vcpu = CONFIG_FLOOR_VCPU;
		e->vcpu_src = CONFIG_SRC_BUILTIN;
	}

	mib = ram_bytes / 8 / (1024 * 1024);
	if (mib > CONFIG_HOST_MEMORY_MAX)
		mib = CONFIG_HOST_MEMORY_MAX;
	mib -= mib % CONFIG_MEMORY_ALIGN;
	if (c != NULL && c->memory_mib > 0) {
		e->memory_mib = c->memory_mib;
		e->memory_src = CONFIG_SRC_CONFIG;
	} else if (mib >= CONFIG_FLOOR_MEMORY) {
		e->memory_mib = (unsigned)mib;
		e->memory_src = CONFIG_SRC_HOST;
	} else {
		e->memory_mib = CONFIG_FLOOR_MEMORY;
		e->memory_src = CONFIG_SRC_BUILTIN;
	}

	if (c != NULL && c->disk_mib > 0) {
		e->disk_mib = c->disk_mib;
		e->disk_src = CONFIG_SRC_CONFIG;
	} else {
		e->disk_mib = CONFIG_DISK_DEFAULT;
		e->disk_src = CONFIG_SRC_BUILTIN;
	}
}

void
config_effective_host(const struct config *c, struct vm_defaults_eff *e)
{
	long			 ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	long			 pages = sysconf(_SC_PHYS_PAGES);
	long			 psize = sysconf(_SC_PAGESIZE);
	unsigned long long	 ram = 0;

	if (pages > 0 && psize > 0)
		ram = (unsigned long long)pages * (unsigned long long)psize;
	config_effective(c, ncpu, ram, e);
}

const char *
config_source_name(enum config_source s)
{
	switch (s) {
	case CONFIG_SRC_CONFIG:
		return "config.toml";
	case CONFIG_SRC_HOST:
		return "host heuristic";
	default:
		return "built-in";
	}
}

const char *
config_vmm_name(enum config_vmm v)
{
	switch (v) {
	case CONFIG_VMM_FIRECRACKER:
		return "firecracker";
	case CONFIG_VMM_QEMU:
		return "qemu";
	default:
		return "auto";
	}
}
