/*
 * The user's ~/.config/banger/config.toml (see docs/config.md).  Every key
 * is optional and a missing file means all defaults; anything the reader
 * does not know, or a value out of range, is an error naming the file,
 * the line and the key.
 */
#ifndef BANGER_CONFIG_H
#define BANGER_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "egress.h"
#include "valid.h"
#include "webaddr.h"

#define CONFIG_MAX_SYNC		64
#define CONFIG_DNS_UPSTREAM_MAX	4	/* resolvers in dns_upstream */
#define CONFIG_ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */

/* Accepted ranges for [vm_defaults]; sizes in MiB. */
#define CONFIG_VCPU_MIN		1
#define CONFIG_VCPU_MAX		64
#define CONFIG_MEMORY_MIN	128
#define CONFIG_MEMORY_MAX	1048576			/* 1 TiB */
#define CONFIG_DISK_MIN		256
#define CONFIG_DISK_MAX		(16ULL * 1024 * 1024)	/* 16 TiB */

/*
 * Without the key: vcpu = ncpu/4 capped at 4, memory = ram/8 capped at
 * 8 GiB and rounded down to 64 MiB (host heuristics), but never below the
 * built-in floors; the disk size is a fixed built-in 8 GiB.
 */
#define CONFIG_FLOOR_VCPU	1
#define CONFIG_FLOOR_MEMORY	256
#define CONFIG_HOST_VCPU_MAX	4
#define CONFIG_HOST_MEMORY_MAX	8192
#define CONFIG_MEMORY_ALIGN	64
#define CONFIG_DISK_DEFAULT	8192

/* What a [[file_sync]] entry without mode does to a single file. */
#define CONFIG_SYNC_FILE_MODE	0600

#define CONFIG_URL_MAX	1024

enum config_vmm { CONFIG_VMM_AUTO, CONFIG_VMM_FIRECRACKER, CONFIG_VMM_QEMU };
/* warm: templates used and made when first needed, used only, not used. */
enum config_warm { CONFIG_WARM_AUTO, CONFIG_WARM_MANUAL, CONFIG_WARM_OFF };

enum config_source { CONFIG_SRC_BUILTIN, CONFIG_SRC_HOST, CONFIG_SRC_CONFIG };

/* The scalar keys, to say where each came from. */
enum config_key {
	CONFIG_K_DEFAULT_IMAGE_NAME,
	CONFIG_K_SSH_KEY_PATH,
	CONFIG_K_FIRECRACKER_BIN,
	CONFIG_K_QEMU_BIN,
	CONFIG_K_VMM,
	CONFIG_K_VCPU,
	CONFIG_K_MEMORY_MIB,
	CONFIG_K_DISK_SIZE,
	CONFIG_K_DNS_UPSTREAM,
	CONFIG_K_EGRESS,
	CONFIG_K_ALLOW,
	CONFIG_K_CATALOG_URL,
	CONFIG_K_WARM,
	CONFIG_K_WEB_LISTEN_ADDR,
	CONFIG_K_CREDENTIALS,
	CONFIG_NKEYS
};

struct config_sync {
	char		 host[PATH_MAX];	/* absolute, ~ expanded */
	char		 guest[PATH_MAX];	/* normalised, /root or below */
	int		 mode;			/* 0..0777, or -1: not given */
	unsigned	 line;			/* of its [[file_sync]] header */
};

struct config {
	int			 present;	/* config_load: file exists */
	/* Strings are "" when not set; paths are absolute and normalised. */
	char			 default_image_name[VM_NAME_MAX + 1];
	char			 ssh_key_path[PATH_MAX];
	char			 firecracker_bin[PATH_MAX];
	char			 qemu_bin[PATH_MAX];
	/* An image catalog: https://..., or http:// on a loopback host. */
	char			 catalog_url[CONFIG_URL_MAX + 1];
	/* The web view's loopback address:port; "" keeps it off. */
	char			 web_listen_addr[WEB_ADDR_MAX];
	enum config_vmm		 vmm;
	enum config_warm	 warm;
	/* [vm_defaults]; 0 when not set. */
	int			 vcpu;
	unsigned		 memory_mib;
	unsigned long long	 disk_mib;
	/* egress (EGRESS_*) and allow, normalised patterns. */
	int			 egress;
	char			 allow[EGRESS_ALLOW_MAX]
				    [EGRESS_PATTERN_MAX + 1];
	size_t			 nallow;
	/* dns_upstream: IPv4 or IPv6 addresses, in order. */
	char			 dns_upstream[CONFIG_DNS_UPSTREAM_MAX]
				    [CONFIG_ADDR_STRLEN];
	size_t			 ndns_upstream;
	/* credentials: bit i set for cred_table[i] (cred.h). */
	unsigned		 creds;
	struct config_sync	*sync;		/* nsync entries, malloc'd */
	size_t			 nsync;
	unsigned		 line[CONFIG_NKEYS];	/* 0: not in the file */
};

struct vm_defaults_eff {
	int			 vcpu;
	enum config_source	 vcpu_src;
	unsigned		 memory_mib;
	enum config_source	 memory_src;
	unsigned long long	 disk_mib;
	enum config_source	 disk_src;
};

/* All defaults: nothing set, vmm auto. */
void	config_init(struct config *);
/*
 * Parse len bytes of config.toml text.  name is what messages call the
 * file ("NAME:LINE: key: reason"); home (may be NULL) is what "~/"
 * expands to.  Returns 0, or -1 with the message in err and *cfg back to
 * config_init() state.  config_free() releases a successful result.
 */
int	config_parse(const char *, size_t, const char *, const char *,
	    struct config *, char *, size_t);
/*
 * Read and parse the file at path.  A missing file is not an error (all
 * defaults, present = 0); present is 1 whenever the path exists, even if
 * it is refused.  Messages name the file with home shown as ~.
 */
int	config_load(const char *, const char *, struct config *, char *,
	    size_t);
void	config_free(struct config *);

/*
 * The [vm_defaults] a new VM gets: the file's value, else the host
 * heuristic, else the built-in floor.  ncpu <= 0 or ram_bytes == 0 mean
 * unknown.  config_effective_host() asks sysconf() for both.
 */
void	config_effective(const struct config *, long, unsigned long long,
	    struct vm_defaults_eff *);
void	config_effective_host(const struct config *, struct vm_defaults_eff *);

/* "config.toml", "host heuristic", "built-in". */
const char *config_source_name(enum config_source);
/* "auto", "firecracker", "qemu". */
const char *config_vmm_name(enum config_vmm);

#endif
