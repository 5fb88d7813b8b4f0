/*
 * Unit tests for the completion scripts: generated from a fixed table,
 * each script must parse (bash -n, and zsh -n / fish -n when those
 * shells are installed) and bash and fish must offer the right words
 * for a set of command lines, with `banger __complete` stubbed.
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "banger.h"
#include "completion.h"

static const struct cmd_opt run_opts[] = {
	{ "rm", 0, NULL, "delete the VM when the command ends" },
	{ "name", 'n', "NAME", "name the VM" },
	{ "image", 0, "IMAGE", "root filesystem image" },
	{ "kernel", 'k', "KERNEL", "the VM's kernel" },
	{ NULL, 0, NULL, NULL }
};
static const struct cmd_opt none_opts[] = {
	{ NULL, 0, NULL, NULL }
};
static const struct cmd_opt logs_opts[] = {
	{ "follow", 'f', NULL, "keep printing" },
	{ NULL, 0, NULL, NULL }
};
static const struct cmd_opt json_opts[] = {
	{ "json", 0, NULL, "it's JSON: \"quoted\" \\ and 'quoted'" },
	{ NULL, 0, NULL, NULL }
};
static const struct cmd_opt sshcfg_opts[] = {
	{ "install", 0, NULL, "add the Include" },
	{ "uninstall", 0, NULL, "remove it" },
	{ NULL, 0, NULL, NULL }
};

#define E(n, u, o, f) { .name = n, .usage = u, .summary = "does " n, \
	.opts = o, .max_pos = -1, .flags = f }
static const struct cmd_entry fake[] = {
	E("vm run", "-- CMD [ARG...]", run_opts, CMD_TAIL),
	E("vm delete", "NAME...", none_opts, 0),
	E("vm exec", "NAME -- CMD [ARG...]", none_opts, CMD_TAIL),
	E("vm logs", "NAME", logs_opts, 0),
	E("daemon status", "", json_opts, 0),
	E("completion", "bash|zsh|fish", none_opts, 0),
	E("ssh-config", "", sshcfg_opts, 0),
	E("help", "[COMMAND...]", none_opts, 0),
	E("__complete", "vms|images|kernels", none_opts, CMD_HIDDEN),
};
static const struct cmd_entry *const fake_table[] = {
	&fake[0], &fake[1], &fake[2], &fake[3], &fake[4], &fake[5],
	&fake[6], &fake[7], &fake[8], NULL
};

typedef int (*gen_fn)(const struct cmd_entry *const *, FILE *, char *,
    size_t);

/* Generate into a temporary file; returns its malloc'd path. */
static char *
gen_file(gen_fn gen, const struct cmd_entry *const *t, const char *suffix)
{
	char	 path[] = "/tmp/banger-comp-XXXXXX", err[256], *out;
	FILE	*f;
	int	 fd;

	assert_int_not_equal(fd = mkstemp(path), -1);
	assert_non_null(f = fdopen(fd, "w"));
	assert_int_equal(gen(t, f, err, sizeof(err)), 0);
	assert_int_equal(fclose(f), 0);
	assert_true(asprintf(&out, "%s%s", path, suffix) > 0);
	assert_int_equal(rename(path, out), 0);
	return out;
}

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*s;
	long	 n;

	assert_non_null(f = fopen(path, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* Run sh -c cmd; its stdout (malloc'd) and exit status. */
static char *
run(const char *cmd, int *status)
{
	FILE	*p;
	char	*s = NULL;
	size_t	 len = 0, n;
	char	 chunk[4096];

	assert_non_null(p = popen(cmd, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		assert_non_null(s = realloc(s, len + n + 1));
		memcpy(s + len, chunk, n);
		len += n;
	}
	if (s == NULL)
		assert_non_null(s = calloc(1, 1));
	s[len] = '\0';
	*status = pclose(p);
	return s;
}

static int
have(const char *shell)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", shell);
	return system(cmd) == 0;
}

/* The shell parses the script without running it. */
static void
syntax_ok(const char *shell, const char *path)
{
	char	 cmd[512], *out;
	int	 st;

	snprintf(cmd, sizeof(cmd), "%s -n '%s' 2>&1", shell, path);
	out = run(cmd, &st);
	if (st != 0)
		print_error("%s -n: %s\n", shell, out);
	assert_int_equal(st, 0);
	free(out);
}

/* What every script must contain, whatever the shell. */
static void
common_content(const char *s)
{
	assert_non_null(strstr(s, "banger __complete vms"));
	assert_non_null(strstr(s, "banger __complete images"));
	assert_non_null(strstr(s, "banger __complete kernels"));
	assert_non_null(strstr(s, "vm"));
	assert_non_null(strstr(s, "daemon"));
	assert_non_null(strstr(s, "completion"));
	assert_non_null(strstr(s, "ssh-config"));
	assert_non_null(strstr(s, "uninstall"));
}

static void
test_bash_syntax_and_content(void **state)
{
	char	*path, *s;

	(void)state;
	path = gen_file(comp_bash, fake_table, ".bash");
	s = slurp(path);
	common_content(s);
	assert_non_null(strstr(s, "complete -F _banger banger"));
	/* The hidden command is not offered. */
	assert_null(strstr(s, "_banger_top='vm daemon completion ssh-config "
	    "help __complete"));
	assert_non_null(strstr(s, "_banger_top='vm daemon completion "
	    "ssh-config help'"));
	syntax_ok("bash", path);
	unlink(path);
	free(path);
	free(s);
}

/*
 * Each case: the words of a command line (the last is being completed)
 * and what COMPREPLY must hold, sorted, space-separated.
 */
static const struct bcase {
	const char	*words;
	const char	*want;
} bash_cases[] = {
	{ "banger ''", "completion daemon help ssh-config vm" },
	{ "banger v", "vm" },
	{ "banger vm ''", "delete exec logs run" },
	{ "banger vm d", "delete" },
	{ "banger daemon s", "status" },
	{ "banger vm delete ''", "alpha beta" },
	{ "banger vm delete alpha ''", "alpha beta" },
	{ "banger vm logs ''", "alpha beta" },
	{ "banger vm logs alpha ''", "" },
	{ "banger vm logs -f b", "beta" },
	{ "banger vm logs --", "--follow --help" },
	{ "banger vm run --image ''", "deb12" },
	{ "banger vm run --image = ''", "deb12" },
	{ "banger vm run --image =", "deb12" },
	{ "banger vm run -k ''", "" },
	{ "banger vm run --name ''", "" },
	{ "banger vm run --name x --r", "--rm" },
	{ "banger vm run ''", "--" },
	{ "banger vm exec ''", "alpha beta" },
	{ "banger vm exec alpha ''", "--" },
	{ "banger vm exec alpha -- unam", "uname" },
	{ "banger completion ''", "bash fish zsh" },
	{ "banger completion z", "zsh" },
	{ "banger completion zsh ''", "" },
	{ "banger ssh-config --i", "--install" },
	{ "banger help ''", "completion daemon help ssh-config vm" },
	{ "banger daemon status --j", "--json" },
	{ "banger __complete ''", "" },
	{ "banger nosuch ''", "" },
	{ "banger --", "--help --version" },
};

static void
test_bash_behaviour(void **state)
{
	char	*path, *drv, *out, *cmd, *p, *line;
	FILE	*f;
	size_t	 i;
	int	 st;

	(void)state;
	if (!have("uname"))
		skip();
	path = gen_file(comp_bash, fake_table, ".bash");
	assert_true(asprintf(&drv, "%s.drv", path) > 0);
	assert_non_null(f = fopen(drv, "w"));
	fprintf(f, "PATH=/usr/bin:/bin\n. '%s'\n"
	    "banger() {\n"
	    "\tcase \"$1 $2\" in\n"
	    "\t'__complete vms') printf 'alpha\\nbeta\\n' ;;\n"
	    "\t'__complete images') echo deb12 ;;\n"
	    "\tesac\n"
	    "}\n"
	    "t() {\n"
	    "\tCOMP_WORDS=(\"$@\")\n"
	    "\tCOMP_CWORD=$(($# - 1))\n"
	    "\t_banger\n"
	    "\tprintf '%%s\\n' \"${COMPREPLY[@]}\" | grep -v '^$' |"
	    " sort -u | tr '\\n' ' '\n"
	    "\techo\n"
	    "}\n", path);
	for (i = 0; i < sizeof(bash_cases) / sizeof(bash_cases[0]); i++)
		fprintf(f, "t %s\n", bash_cases[i].words);
	fclose(f);
	assert_true(asprintf(&cmd, "bash '%s' 2>&1", drv) > 0);
	out = run(cmd, &st);
	assert_int_equal(st, 0);
	p = out;
	for (i = 0; i < sizeof(bash_cases) / sizeof(bash_cases[0]); i++) {
		char	 want[256];

		assert_non_null(line = strsep(&p, "\n"));
		/* "uname" also matches unam* commands found in PATH. */
		if (strcmp(bash_cases[i].want, "uname") == 0) {
			if (strstr(line, "uname") == NULL)
				print_error("'%s': got '%s'\n",
				    bash_cases[i].words, line);
			assert_non_null(strstr(line, "uname"));
			continue;
		}
		snprintf(want, sizeof(want), "%s%s", bash_cases[i].want,
		    bash_cases[i].want[0] != '\0' ? " " : "");
		if (strcmp(line, want) != 0)
			print_error("'%s': got '%s', want '%s'\n",
			    bash_cases[i].words, line, want);
		assert_string_equal(line, want);
	}
	unlink(drv);
	unlink(path);
	free(cmd);
	free(out);
	free(drv);
	free(path);
}

static void
test_zsh(void **state)
{
	char	*path, *s;

	(void)state;
	path = gen_file(comp_zsh, fake_table, ".zsh");
	s = slurp(path);
	common_content(s);
	assert_true(strncmp(s, "#compdef banger\n", 16) == 0);
	assert_non_null(strstr(s, "compdef _banger banger"));
	/* Help text with quotes stays inside its single quotes. */
	assert_non_null(strstr(s, "'--json:it'\\''s JSON: \"quoted\" \\ and "
	    "'\\''quoted'\\'''"));
	assert_null(strstr(s, "'__complete"));
	if (have("zsh"))
		syntax_ok("zsh", path);
	unlink(path);
	free(path);
	free(s);
	if (!have("zsh"))
		skip();
}

static const struct bcase fish_cases[] = {
	{ "banger ", "completion daemon help ssh-config vm" },
	{ "banger vm ", "delete exec logs run" },
	{ "banger vm delete ", "alpha beta" },
	{ "banger vm delete alpha ", "alpha beta" },
	{ "banger vm logs ", "alpha beta" },
	{ "banger vm logs alpha ", "" },
	{ "banger vm run --image ", "deb12" },
	{ "banger vm run --image=", "--image=deb12" },
	{ "banger vm run --name ", "" },
	{ "banger vm run --r", "--rm" },
	{ "banger vm exec ", "alpha beta" },
	{ "banger completion ", "bash fish zsh" },
	{ "banger completion zsh ", "" },
	{ "banger ssh-config --u", "--uninstall" },
	{ "banger help ", "completion daemon help ssh-config vm" },
};

static void
test_fish(void **state)
{
	char	*path, *drv, *s, *cmd, *out, *p, *line;
	FILE	*f;
	size_t	 i;
	int	 st;

	(void)state;
	path = gen_file(comp_fish, fake_table, ".fish");
	s = slurp(path);
	common_content(s);
	assert_non_null(strstr(s, "complete -c banger -f"));
	assert_non_null(strstr(s, "it\\'s JSON: \"quoted\" \\\\ and "
	    "\\'quoted\\'"));
	assert_null(strstr(s, "-a __complete"));
	free(s);
	if (!have("fish")) {
		unlink(path);
		free(path);
		skip();
	}
	syntax_ok("fish", path);
	assert_true(asprintf(&drv, "%s.drv.fish", path) > 0);
	assert_non_null(f = fopen(drv, "w"));
	fprintf(f, "source '%s'\n"
	    "function banger\n"
	    "\tswitch \"$argv[1] $argv[2]\"\n"
	    "\t\tcase '__complete vms'\n"
	    "\t\t\tprintf '%%s\\n' alpha beta\n"
	    "\t\tcase '__complete images'\n"
	    "\t\t\techo deb12\n"
	    "\tend\n"
	    "end\n"
	    "function t\n"
	    "\techo (complete -C \"$argv[1]\" | cut -f1 | sort -u | "
	    "string join ' ')\n"
	    "end\n", path);
	for (i = 0; i < sizeof(fish_cases) / sizeof(fish_cases[0]); i++)
		fprintf(f, "t '%s'\n", fish_cases[i].words);
	fclose(f);
	assert_true(asprintf(&cmd, "HOME=/nonexistent fish --no-config "
	    "'%s' 2>&1", drv) > 0);
	out = run(cmd, &st);
	assert_int_equal(st, 0);
	p = out;
	for (i = 0; i < sizeof(fish_cases) / sizeof(fish_cases[0]); i++) {
		char	 want[256];

		assert_non_null(line = strsep(&p, "\n"));
		snprintf(want, sizeof(want), "%s", fish_cases[i].want);
		if (strcmp(line, want) != 0)
			print_error("fish '%s': got '%s', want '%s'\n",
			    fish_cases[i].words, line, want);
		assert_string_equal(line, want);
	}
	unlink(drv);
	unlink(path);
	free(cmd);
	free(out);
	free(drv);
	free(path);
}

/* The real table: every visible command word is in every script. */
static void
test_real_table(void **state)
{
	static const struct {
		gen_fn		 gen;
		const char	*shell, *suffix;
	} g[] = {
		{ comp_bash, "bash", ".bash" },
		{ comp_zsh, "zsh", ".zsh" },
		{ comp_fish, "fish", ".fish" },
	};
	const struct cmd_entry	*e;
	char			*path, *s, *w, word[64];
	size_t			 i;
	int			 j;

	(void)state;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		path = gen_file(g[i].gen, cmd_table, g[i].suffix);
		s = slurp(path);
		assert_non_null(strstr(s, "banger __complete vms"));
		for (j = 0; (e = cmd_table[j]) != NULL; j++) {
			if (!comp_visible(e))
				continue;
			for (w = (char *)e->name; *w != '\0';) {
				size_t n = strcspn(w, " ");

				snprintf(word, sizeof(word), "%.*s", (int)n,
				    w);
				if (strstr(s, word) == NULL)
					print_error("%s: no '%s'\n",
					    g[i].shell, word);
				assert_non_null(strstr(s, word));
				w += n + (w[n] == ' ');
			}
		}
		if (have(g[i].shell))
			syntax_ok(g[i].shell, path);
		unlink(path);
		free(path);
		free(s);
	}
}

/* Names that would be shell code are refused, not quoted. */
static void
test_refuses_bad_names(void **state)
{
	static const struct cmd_opt bad_opt[] = {
		{ "x;rm", 0, NULL, "h" },
		{ NULL, 0, NULL, NULL }
	};
	static const struct cmd_opt bad_meta[] = {
		{ "ok", 0, "$(id)", "h" },
		{ NULL, 0, NULL, NULL }
	};
	const struct cmd_entry bad[] = {
		E("vm $(id)", "", none_opts, 0),
		E("vm  two", "", none_opts, 0),
		E("a b c", "", none_opts, 0),
		E("vm ok", "", bad_opt, 0),
		E("vm ok", "", bad_meta, 0),
		E("vm ok", "a|b;c", none_opts, 0),
		E("Vm", "", none_opts, 0),
	};
	const struct cmd_entry *t[2] = { NULL, NULL };
	char	 err[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t[0] = &bad[i];
		err[0] = '\0';
		assert_int_equal(comp_check_table(t, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
		assert_int_equal(comp_bash(t, stdout, err, sizeof(err)), -1);
		assert_int_equal(comp_zsh(t, stdout, err, sizeof(err)), -1);
		assert_int_equal(comp_fish(t, stdout, err, sizeof(err)), -1);
	}
	assert_int_equal(comp_check_table(fake_table, err, sizeof(err)), 0);
}

static void
test_positional_kinds(void **state)
{
	struct comp_pos	 p;

	(void)state;
	comp_pos(&fake[0], &p);
	assert_int_equal(p.kind, COMP_NONE);
	assert_true(p.tail);
	comp_pos(&fake[1], &p);
	assert_int_equal(p.kind, COMP_VMS);
	assert_true(p.many);
	comp_pos(&fake[2], &p);
	assert_int_equal(p.kind, COMP_VMS);
	assert_false(p.many);
	assert_true(p.tail);
	comp_pos(&fake[5], &p);
	assert_int_equal(p.kind, COMP_WORDS);
	assert_string_equal(p.words, "bash zsh fish");
	comp_pos(&fake[7], &p);
	assert_int_equal(p.kind, COMP_COMMANDS);
	assert_int_equal(comp_opt_kind(&run_opts[1]), COMP_NONE);
	assert_int_equal(comp_opt_kind(&run_opts[2]), COMP_IMAGES);
	assert_int_equal(comp_opt_kind(&run_opts[3]), COMP_KERNELS);
	assert_false(comp_visible(&fake[8]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positional_kinds),
		cmocka_unit_test(test_refuses_bad_names),
		cmocka_unit_test(test_bash_syntax_and_content),
		cmocka_unit_test(test_bash_behaviour),
		cmocka_unit_test(test_zsh),
		cmocka_unit_test(test_fish),
		cmocka_unit_test(test_real_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
