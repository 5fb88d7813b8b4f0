/*
 * The banger CLI: a table of commands (one file per noun/verb, tmux
 * style), a small option parser driven by each entry's option list, and
 * the client side of the control protocol.
 */
#ifndef BANGER_CLI_H
#define BANGER_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msg.h"

/* One option of a command.  Every command also takes -h/--help. */
struct cmd_opt {
	const char	*name;		/* long name, without "--" */
	int		 short_name;	/* 0 if none */
	const char	*arg;		/* metavar, or NULL for a flag */
	const char	*help;
};

#define CMD_OPT_MAX	16

/* What the parser found. */
struct args {
	const char	*val[CMD_OPT_MAX];	/* "" for a given flag */
	int		 help;
	char		**pos;			/* positionals before "--" */
	int		 npos;
	int		 dashdash;		/* "--" was seen */
	char		**tail;			/* after "--" */
	int		 ntail;
	char		**multi[CMD_OPT_MAX];	/* repeatable options' values
						   in order, NULL-terminated */
	int		 nmulti[CMD_OPT_MAX];
};

struct cmd_entry;
typedef int (*cmd_exec)(const struct cmd_entry *, struct args *);

/* Entry flags. */
#define CMD_TAIL	0x1	/* "-- CMD [ARG...]" ends the arguments */
#define CMD_HIDDEN	0x2	/* not in help or completion */

struct cmd_entry {
	const char		*name;		/* "vm run" */
	const char		*usage;		/* positional part of usage */
	const char		*summary;	/* one line */
	const struct cmd_opt	*opts;		/* ends with { NULL } */
	int			 min_pos;
	int			 max_pos;	/* -1: unbounded */
	int			 flags;
	const char		*repeat;	/* options that may be given
						   more than once: "a b" */
	cmd_exec		 exec;
};

extern const struct cmd_entry *const cmd_table[];

/* weblisten.c: who listens on the web view's address */
struct web_addr;
int	weblisten_line(const char *, const char *, unsigned *);
int	weblisten_uid(const struct web_addr *, unsigned *);	/* 1 or 0 */

/* cmd.c */
int	cmd_main(int, char **);
const struct cmd_entry *cmd_find(int, char **, int *);
int	cmd_is_group(const char *);
void	cmd_usage_line(const struct cmd_entry *, char *, size_t);
void	cmd_help(const struct cmd_entry *, FILE *);
void	cmd_list(const char *, FILE *);
int	cmd_tail_check(const struct cmd_entry *, const struct args *);
int	cmd_usage_error(const struct cmd_entry *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* args.c: returns 0, or -1 with a message in err. */
int	args_parse(const struct cmd_entry *, int, char **, struct args *,
	    char *, size_t);
void	args_free(struct args *);
const char *args_get(const struct cmd_entry *, const struct args *,
	    const char *);
char	**args_get_all(const struct cmd_entry *, const struct args *,
	    const char *, size_t *);
int	cmd_opt_repeats(const struct cmd_entry *, int);

/* escape.c: make daemon-relayed text safe to print on a terminal. */
void	escape_ctl(const char *, char *, size_t);
void	cli_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	cli_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "banger: " + escaped daemon text on stderr. */
void	cli_relay(const char *);

/* progress.c: transfer reports as a bar on a terminal, quiet elsewhere. */
int	progress_parse(const char *, int *);
int	progress_show(FILE *, int, const char *);
void	progress_close(FILE *);
struct progress_bytes {
	char		 what[512];
	uint64_t	 shown;
	int		 tty;
};
void	progress_bytes_init(struct progress_bytes *, const char *);
void	progress_bytes(uint64_t, void *);

/* client.c */
struct client {
	int		 fd;
	uint64_t	 next_id;
};

#define CLIENT_DOWN	(-2)	/* not running (no autostart) */

int	client_open(struct client *, int, char *, size_t);
void	client_close(struct client *);
int	client_send(struct client *, uint32_t, uint64_t, const void *,
	    char *, size_t);
int	client_request(struct client *, uint32_t, const void *, uint64_t *,
	    char *, size_t);
int	client_recv(struct client *, uint64_t, struct msg_hdr *, void **,
	    char *, size_t);
void	client_free(uint32_t, void *);
int	client_probe(const char *);
int	client_daemon_path(char *, size_t);
int	client_connect_path(const char *);

/* Open a connection or report why not; returns an exit code on failure. */
int	client_open_or_report(struct client *, int);
/* cmd-daemon-stop.c: stop bangerd, and wait (daemon restart too) */
int	daemon_stop(int, int *);

/* cmd-vm-run.c: build the request; 0 or BEX_USAGE with err set. */
struct ctl_vm_run;
int	vm_run_prepare(const struct cmd_entry *, const struct args *,
	    struct ctl_vm_run *, char *, size_t);

/* cmd-vm-run.c: --branch and --from ("" if not given); 0 or BEX_USAGE. */
int	git_branch_check(const char *, const char *, char *, size_t);

/* cmd-vm-run.c: start a command session (vm run, vm exec). */
int	vm_session(uint32_t, const void *, int);
int	vm_session_ws(uint32_t, const void *, int, char **, size_t);
int	vm_session_fds(uint32_t, const void *, int, char **, size_t, int, int,
	    int);
int	vm_exec_io(const char *, char **, int, int, int);
int	vm_exec_io_st(const char *, char **, int, int, int, int *);
/* spec.c: --vcpu, --memory, --disk-size; 0 or BEX_USAGE with err. */
int	vm_spec_parse(const struct cmd_entry *, const struct args *,
	    uint64_t *, uint64_t *, uint64_t *, char *, size_t);

/*
 * publish.c: check --publish values as bangerd would (port_spec_parse,
 * at most PORTS_MAX, no two on one host address and port or path); 0
 * or BEX_USAGE with err set.  A unix: spec with a relative PATH is
 * replaced in the array by its absolute form (static storage).
 */
int	publish_check(char **, size_t, char *, size_t);
/* A unix: spec's relative PATH made absolute against our directory. */
int	publish_absolute(const char *, char *, size_t, char *, size_t);

/*
 * egress.c: check --egress (NULL: not given) and --allow values as
 * bangerd would; 0 or BEX_USAGE with err set.
 */
int	egress_check(const char *, char **, size_t, char *, size_t);

/* cmd-vm-egress.c: check `vm egress` arguments, as vm_port_prepare. */
struct ctl_vm_egress;
int	vm_egress_prepare(const struct args *, struct ctl_vm_egress *,
	    char *, size_t);

/* cmd-vm-port.c: check `vm port` arguments; 0 or BEX_USAGE with err. */
struct ctl_vm_port;
int	vm_port_prepare(const struct args *, struct ctl_vm_port *, char *,
	    size_t);

/* fmt.c */
void	fmt_age(uint64_t, uint64_t, char *, size_t);
void	fmt_duration(uint64_t, char *, size_t);

/* cmd-image-pull.c: an image name from an image reference; -1 if none. */
int	image_pull_name(const char *, char *, size_t);
int	image_ref_like(const char *);
/* vm run/create --image REF: pulled unless its image exists; BEX_OK and
 * the image's name, or banger's exit status after a message. */
int	image_pull_for_vm(const char *, char *, size_t);
/* vm run/create with no --image: the default image from the catalog. */
int	image_default_for_vm(void);

#endif
