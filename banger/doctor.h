/* The checks behind `banger doctor`, one function each. */
#ifndef BANGER_DOCTOR_H
#define BANGER_DOCTOR_H

#include <limits.h>

#include "config.h"

enum check_status { CHK_OK, CHK_INFO, CHK_WARN, CHK_FAIL };

struct check {
	const char		*name;
	enum check_status	 status;
	char			 detail[1024];
	char			 hint[512];	/* what to do; may be "" */
};

typedef void (*check_fn)(struct check *);

/* A check's outcome and what to do, printf-style. */
void	set_check(struct check *, enum check_status, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	hint_check(struct check *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

void	check_arch(struct check *);
void	check_landlock(struct check *);
void	check_kvm(struct check *);
void	check_qemu(struct check *);
void	check_priv(struct check *);
void	check_permitted(struct check *);
void	check_image(struct check *);
void	check_disk(struct check *);
void	check_daemon(struct check *);
void	check_config(struct check *);
void	check_vmm(struct check *);
void	check_rootdisk(struct check *);
void	check_vm_defaults(struct check *);
void	check_egress(struct check *);
void	check_dns_routing(struct check *);	/* doctor-dns.c */
void	check_ssh_key(struct check *);
void	check_credentials(struct check *);

/* config.toml as the checks above read it, loaded once. */
struct doctor_config {
	int			 loaded;
	int			 valid;	/* else cfg holds the defaults */
	char			 file[PATH_MAX];	/* "" if HOME is unusable */
	char			 err[1024];
	struct config		 cfg;
	struct vm_defaults_eff	 eff;
};
const struct doctor_config *doctor_config(void);

const char *check_label(enum check_status);

#endif
