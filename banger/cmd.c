/*
 * The command table and everything generated from it: lookup of
 * "NOUN VERB" words, usage lines, per-command and per-group help.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banger.h"
#include "exitcode.h"
#include "proto.h"

extern const struct cmd_entry cmd_vm_run_entry;
extern const struct cmd_entry cmd_vm_list_entry;
extern const struct cmd_entry cmd_vm_delete_entry;
extern const struct cmd_entry cmd_vm_create_entry;
extern const struct cmd_entry cmd_vm_start_entry;
extern const struct cmd_entry cmd_vm_stop_entry;
extern const struct cmd_entry cmd_vm_suspend_entry;
extern const struct cmd_entry cmd_vm_resume_entry;
extern const struct cmd_entry cmd_vm_fork_entry;
extern const struct cmd_entry cmd_vm_show_entry;
extern const struct cmd_entry cmd_vm_exec_entry;
extern const struct cmd_entry cmd_vm_pull_entry;
extern const struct cmd_entry cmd_vm_acp_entry;
extern const struct cmd_entry cmd_vm_session_entry;
extern const struct cmd_entry cmd_vm_cp_entry;
extern const struct cmd_entry cmd_vm_workspace_entry;
extern const struct cmd_entry cmd_vm_logs_entry;
extern const struct cmd_entry cmd_vm_ssh_entry;
extern const struct cmd_entry cmd_vm_port_entry;
extern const struct cmd_entry cmd_vm_egress_entry;
extern const struct cmd_entry cmd_ci_gitlab_entry;
extern const struct cmd_entry cmd_image_build_entry;
extern const struct cmd_entry cmd_image_list_entry;
extern const struct cmd_entry cmd_image_show_entry;
extern const struct cmd_entry cmd_image_delete_entry;
extern const struct cmd_entry cmd_image_warm_entry;
extern const struct cmd_entry cmd_image_register_entry;
extern const struct cmd_entry cmd_image_pull_entry;
extern const struct cmd_entry cmd_image_bundle_entry;
extern const struct cmd_entry cmd_kernel_list_entry;
extern const struct cmd_entry cmd_kernel_import_entry;
extern const struct cmd_entry cmd_kernel_pull_entry;
extern const struct cmd_entry cmd_kernel_bundle_entry;
extern const struct cmd_entry cmd_kernel_delete_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_complete_entry;
extern const struct cmd_entry cmd_ssh_config_entry;
extern const struct cmd_entry cmd_web_entry;
extern const struct cmd_entry cmd_daemon_status_entry;
extern const struct cmd_entry cmd_daemon_stop_entry;
extern const struct cmd_entry cmd_daemon_restart_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_version_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_vm_run_entry,
	&cmd_vm_create_entry,
	&cmd_vm_start_entry,
	&cmd_vm_stop_entry,
	&cmd_vm_suspend_entry,
	&cmd_vm_resume_entry,
	&cmd_vm_fork_entry,
	&cmd_vm_exec_entry,
	&cmd_vm_pull_entry,
	&cmd_vm_acp_entry,
	&cmd_vm_session_entry,
	&cmd_vm_cp_entry,
	&cmd_vm_workspace_entry,
	&cmd_vm_ssh_entry,
	&cmd_vm_list_entry,
	&cmd_vm_show_entry,
	&cmd_vm_port_entry,
	&cmd_vm_egress_entry,
	&cmd_vm_logs_entry,
	&cmd_vm_delete_entry,
	&cmd_image_build_entry,
	&cmd_image_list_entry,
	&cmd_image_show_entry,
	&cmd_image_delete_entry,
	&cmd_image_warm_entry,
	&cmd_image_register_entry,
	&cmd_image_pull_entry,
	&cmd_image_bundle_entry,
	&cmd_kernel_list_entry,
	&cmd_kernel_import_entry,
	&cmd_kernel_pull_entry,
	&cmd_kernel_bundle_entry,
	&cmd_kernel_delete_entry,
	&cmd_daemon_status_entry,
	&cmd_daemon_stop_entry,
	&cmd_daemon_restart_entry,
	&cmd_doctor_entry,
	&cmd_ssh_config_entry,
	&cmd_web_entry,
	&cmd_ci_gitlab_entry,
	&cmd_completion_entry,
	&cmd_complete_entry,		/* hidden: "__complete" */
	&cmd_help_entry,
	&cmd_version_entry,
	NULL
};

/*
 * How many words of argv name entry e (0 if it does not match).  Entry
 * names are one or more words separated by single spaces.
 */
static int
cmd_match(const struct cmd_entry *e, int argc, char **argv)
{
	const char	*p = e->name, *sp;
	size_t		 len;
	int		 n = 0;

	for (;;) {
		if (n >= argc)
			return 0;
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (strlen(argv[n]) != len || strncmp(argv[n], p, len) != 0)
			return 0;
		n++;
		if (sp == NULL)
			return n;
		p = sp + 1;
	}
}

/* The entry named by argv's first words; *np gets the word count. */
const struct cmd_entry *
cmd_find(int argc, char **argv, int *np)
{
	int	 i, n;

	for (i = 0; cmd_table[i] != NULL; i++)
		if ((n = cmd_match(cmd_table[i], argc, argv)) > 0) {
			*np = n;
			return cmd_table[i];
		}
	return NULL;
}

/* Is word the first word of some multi-word command? */
int
cmd_is_group(const char *word)
{
	size_t	 len = strlen(word);
	int	 i;

	for (i = 0; cmd_table[i] != NULL; i++)
		if (strncmp(cmd_table[i]->name, word, len) == 0 &&
		    cmd_table[i]->name[len] == ' ')
			return 1;
	return 0;
}

void
cmd_usage_line(const struct cmd_entry *e, char *out, size_t outlen)
{
	size_t	 off;
	int	 i;

	off = (size_t)snprintf(out, outlen, "banger %s", e->name);
	for (i = 0; e->opts[i].name != NULL && off < outlen; i++) {
		if (e->opts[i].arg != NULL)
			off += (size_t)snprintf(out + off, outlen - off,
			    " [--%s %s]%s", e->opts[i].name, e->opts[i].arg,
			    cmd_opt_repeats(e, i) ? "..." : "");
		else
			off += (size_t)snprintf(out + off, outlen - off,
			    " [--%s]", e->opts[i].name);
	}
	if (off < outlen && e->usage != NULL && e->usage[0] != '\0')
		snprintf(out + off, outlen - off, " %s", e->usage);
}

void
cmd_help(const struct cmd_entry *e, FILE *f)
{
	char	 line[512], left[64];
	int	 i;

	cmd_usage_line(e, line, sizeof(line));
	fprintf(f, "usage: %s\n\n%s\n\noptions:\n", line, e->summary);
	for (i = 0; e->opts[i].name != NULL; i++) {
		if (e->opts[i].short_name != 0)
			snprintf(left, sizeof(left), "-%c, --%s%s%s",
			    e->opts[i].short_name, e->opts[i].name,
			    e->opts[i].arg != NULL ? " " : "",
			    e->opts[i].arg != NULL ? e->opts[i].arg : "");
		else
			snprintf(left, sizeof(left), "--%s%s%s",
			    e->opts[i].name,
			    e->opts[i].arg != NULL ? " " : "",
			    e->opts[i].arg != NULL ? e->opts[i].arg : "");
		fprintf(f, "  %-20s %s\n", left, e->opts[i].help);
	}
	fprintf(f, "  %-20s %s\n", "-h, --help", "show this help");
}

/* List commands, all of them or those of one group ("vm"). */
void
cmd_list(const char *group, FILE *f)
{
	size_t	 glen = group != NULL ? strlen(group) : 0;
	int	 i;

	if (group != NULL)
		fprintf(f, "usage: banger %s COMMAND [OPTIONS]\n\n"
		    "commands:\n", group);
	else
		fprintf(f, "usage: banger COMMAND [OPTIONS]\n\n"
		    "One-command dev sandboxes on microVMs.\n\ncommands:\n");
	for (i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (e->flags & CMD_HIDDEN)
			continue;
		if (group != NULL && (strncmp(e->name, group, glen) != 0 ||
		    e->name[glen] != ' '))
			continue;
		fprintf(f, "  %-16s %s\n", e->name, e->summary);
	}
	fprintf(f, "\nRun 'banger COMMAND --help' for a command's options.\n");
}

int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;

	fputs("banger: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (e != NULL) {
		cmd_usage_line(e, line, sizeof(line));
		fprintf(stderr, "usage: %s\n", line);
	} else
		cmd_list(NULL, stderr);
	return BEX_USAGE;
}

/*
 * A command's arguments after --, for a guest: within what the protocol
 * carries.  0, or the usage error's exit status.
 */
int
cmd_tail_check(const struct cmd_entry *e, const struct args *a)
{
	int	 i;

	if (a->ntail > BANGER_ARGMAX)
		return cmd_usage_error(e, "too many arguments (at most %d)",
		    BANGER_ARGMAX);
	for (i = 0; i < a->ntail; i++)
		if (strlen(a->tail[i]) > BANGER_STRMAX)
			return cmd_usage_error(e, "argument %d is longer than "
			    "%d bytes", i + 1, BANGER_STRMAX);
	return 0;
}

/*
 * Find and run the command named by argv (banger's own argv without
 * argv[0]).  Returns the exit status.
 */
int
cmd_main(int argc, char **argv)
{
	const struct cmd_entry	*e = NULL;
	struct args		 a;
	char			 err[256];
	int			 n = 0, rc;

	if (argc == 0)
		return cmd_usage_error(NULL, "no command given");
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		cmd_list(NULL, stdout);
		return BEX_OK;
	}
	if (strcmp(argv[0], "--version") == 0) {
		printf("banger %s\n", BANGER_VERSION);
		return BEX_OK;
	}
	if ((e = cmd_find(argc, argv, &n)) == NULL) {
		if (!cmd_is_group(argv[0]))
			return cmd_usage_error(NULL, "unknown command '%s'",
			    argv[0]);
		if (argc == 1) {
			fprintf(stderr, "banger: '%s' needs a command\n",
			    argv[0]);
			cmd_list(argv[0], stderr);
			return BEX_USAGE;
		}
		if (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "help") == 0) {
			cmd_list(argv[0], stdout);
			return BEX_OK;
		}
		fprintf(stderr, "banger: unknown command '%s %s'\n", argv[0],
		    argv[1]);
		cmd_list(argv[0], stderr);
		return BEX_USAGE;
	}
	if (args_parse(e, argc - n, argv + n, &a, err, sizeof(err)) == -1)
		return cmd_usage_error(e, "%s", err);
	if (a.help) {
		cmd_help(e, stdout);
		args_free(&a);
		return BEX_OK;
	}
	rc = e->exec(e, &a);
	args_free(&a);
	return rc;
}
