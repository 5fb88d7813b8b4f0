/* The checks behind `banger doctor`, one function each. */
#ifndef BANGER_DOCTOR_H
#define BANGER_DOCTOR_H

enum check_status { CHK_OK, CHK_INFO, CHK_WARN, CHK_FAIL };

struct check {
	const char		*name;
	enum check_status	 status;
	char			 detail[1024];
	char			 hint[512];	/* what to do; may be "" */
};

typedef void (*check_fn)(struct check *);

void	check_arch(struct check *);
void	check_kvm(struct check *);
void	check_qemu(struct check *);
void	check_priv(struct check *);
void	check_permitted(struct check *);
void	check_image(struct check *);
void	check_disk(struct check *);
void	check_daemon(struct check *);

const char *check_label(enum check_status);

#endif
