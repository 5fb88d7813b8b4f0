/*
 * Unit tests for the ~/.ssh/config block (sshcfg.c) and for
 * `banger ssh-config --install/--uninstall` against a temporary HOME.
 */
#include <sys/stat.h>

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
#include "exitcode.h"
#include "sshcfg.h"

extern const struct cmd_entry cmd_ssh_config_entry;

#define INC	"Include ~/.config/banger/ssh_config"
#define BLOCK	SSHCFG_BEGIN "\n" INC "\n" SSHCFG_END "\n"

static char	 err[256];

/* install, check the result, install again (no change), uninstall. */
static void
round_trip(const char *old, const char *want)
{
	char	*n1, *n2, *n3;
	size_t	 l1, l2, l3;

	assert_int_equal(sshcfg_install(old, strlen(old), INC, &n1, &l1, err,
	    sizeof(err)), 1);
	assert_int_equal(l1, strlen(want));
	assert_memory_equal(n1, want, l1);
	assert_int_equal(sshcfg_install(n1, l1, INC, &n2, &l2, err,
	    sizeof(err)), 0);
	assert_null(n2);
	assert_int_equal(sshcfg_uninstall(n1, l1, &n3, &l3, err,
	    sizeof(err)), 1);
	/* Every other byte is back as it was. */
	assert_int_equal(l3, strlen(old));
	assert_memory_equal(n3, old, l3);
	assert_int_equal(sshcfg_uninstall(n3, l3, &n2, &l2, err,
	    sizeof(err)), 0);
	assert_null(n2);
	free(n1);
	free(n3);
}

static void
test_install_empty(void **state)
{
	(void)state;
	round_trip("", BLOCK);
}

static void
test_install_existing(void **state)
{
	(void)state;
	round_trip("Host *\n  ServerAliveInterval 30\n\nHost a\n  User b\n",
	    BLOCK "Host *\n  ServerAliveInterval 30\n\nHost a\n  User b\n");
	/* No newline at the end stays so. */
	round_trip("Host x", BLOCK "Host x");
	/* Blank lines and comments first. */
	round_trip("\n\n# mine\n", BLOCK "\n\n# mine\n");
}

static void
test_install_crlf(void **state)
{
	(void)state;
	round_trip("Host a\r\n  User b\r\n",
	    SSHCFG_BEGIN "\r\n" INC "\r\n" SSHCFG_END "\r\nHost a\r\n"
	    "  User b\r\n");
}

/* A block with another path is rewritten where it stands. */
static void
test_install_updates_in_place(void **state)
{
	const char	*old = "Host a\n" SSHCFG_BEGIN "\nInclude /old/x\n"
	    SSHCFG_END "\nHost b\n";
	const char	*want = "Host a\n" BLOCK "Host b\n";
	char		*n;
	size_t		 l;

	(void)state;
	assert_int_equal(sshcfg_install(old, strlen(old), INC, &n, &l, err,
	    sizeof(err)), 1);
	assert_int_equal(l, strlen(want));
	assert_memory_equal(n, want, l);
	free(n);
	/* Moved by hand but current: left alone. */
	assert_int_equal(sshcfg_install(want, strlen(want), INC, &n, &l, err,
	    sizeof(err)), 0);
	assert_null(n);
}

static void
test_uninstall(void **state)
{
	const char	*old = "Host a\n" BLOCK "Host b\n";
	const char	*last = "Host a\n" SSHCFG_BEGIN "\n" INC "\n"
	    SSHCFG_END;
	char		*n;
	size_t		 l;

	(void)state;
	assert_int_equal(sshcfg_uninstall(old, strlen(old), &n, &l, err,
	    sizeof(err)), 1);
	assert_int_equal(l, strlen("Host a\nHost b\n"));
	assert_memory_equal(n, "Host a\nHost b\n", l);
	free(n);
	/* Only the block: an empty file remains. */
	assert_int_equal(sshcfg_uninstall(BLOCK, strlen(BLOCK), &n, &l, err,
	    sizeof(err)), 1);
	assert_int_equal(l, 0);
	free(n);
	/* The end marker as the file's last, unterminated line. */
	assert_int_equal(sshcfg_uninstall(last, strlen(last), &n, &l, err,
	    sizeof(err)), 1);
	assert_int_equal(l, strlen("Host a\n"));
	assert_memory_equal(n, "Host a\n", l);
	free(n);
	assert_int_equal(sshcfg_uninstall("", 0, &n, &l, err, sizeof(err)),
	    0);
}

/* Damaged markers: refused, nothing returned. */
static void
test_damaged(void **state)
{
	static const char *bad[] = {
		SSHCFG_BEGIN "\nInclude x\n",
		"Host a\n" SSHCFG_END "\n",
		BLOCK BLOCK,
		SSHCFG_BEGIN "\n" SSHCFG_BEGIN "\n" SSHCFG_END "\n",
		BLOCK SSHCFG_END "\n",
	};
	char	*n;
	size_t	 i, l;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(sshcfg_install(bad[i], strlen(bad[i]), INC,
		    &n, &l, err, sizeof(err)), -1);
		assert_null(n);
		assert_true(err[0] != '\0');
		assert_int_equal(sshcfg_uninstall(bad[i], strlen(bad[i]), &n,
		    &l, err, sizeof(err)), -1);
		assert_null(n);
	}
	/* Lookalikes are not markers: the block goes in above them. */
	{
		const char *look = "  " SSHCFG_BEGIN "\n" SSHCFG_BEGIN " x\n";

		assert_int_equal(sshcfg_install(look, strlen(look), INC, &n,
		    &l, err, sizeof(err)), 1);
		assert_int_equal(l, strlen(BLOCK) + strlen(look));
		assert_memory_equal(n + strlen(BLOCK), look, strlen(look));
		free(n);
	}
	assert_int_equal(sshcfg_install("", 0, "Include a\nHost *", &n, &l,
	    err, sizeof(err)), -1);
}

static void
test_include_line(void **state)
{
	char	 out[512];

	(void)state;
	assert_int_equal(sshcfg_include("/home/u/.config/banger", "/home/u",
	    out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, INC);
	assert_int_equal(sshcfg_include("/home/u/.config/banger", "/home/u/",
	    out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, INC);
	/* Not under HOME (XDG_CONFIG_HOME elsewhere); a prefix is not. */
	assert_int_equal(sshcfg_include("/srv/cfg/banger", "/home/u", out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "Include /srv/cfg/banger/ssh_config");
	assert_int_equal(sshcfg_include("/home/u2/banger", "/home/u", out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "Include /home/u2/banger/ssh_config");
	assert_int_equal(sshcfg_include("/x/banger", "/", out, sizeof(out),
	    err, sizeof(err)), 0);
	assert_string_equal(out, "Include /x/banger/ssh_config");
	assert_int_equal(sshcfg_include("/home/my user/.config/banger",
	    "/home/my user", out, sizeof(out), err, sizeof(err)), 0);
	/* Blanks only in HOME vanish behind the ~. */
	assert_string_equal(out, INC);
	assert_int_equal(sshcfg_include("/a b/banger", "/home/u", out,
	    sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "Include \"/a b/banger/ssh_config\"");
	assert_int_equal(sshcfg_include("/a\"b/banger", "/home/u", out,
	    sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(sshcfg_include("/a\nHost */banger", "/home/u", out,
	    sizeof(out), err, sizeof(err)), -1);
	assert_int_equal(sshcfg_include("rel/banger", "/home/u", out,
	    sizeof(out), err, sizeof(err)), -1);
}

/* ---- the command, in a temporary HOME ---------------------------------- */

static char	 home[64];

static int
home_setup(void **state)
{
	(void)state;
	strcpy(home, "/tmp/banger-sshcfg-XXXXXX");
	if (mkdtemp(home) == NULL)
		return -1;
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	return 0;
}

static int
home_teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

static int
ssh_config(const char *flag)
{
	char		*v[] = { (char *)flag, NULL };
	struct args	 a;
	int		 rc;

	assert_int_equal(args_parse(&cmd_ssh_config_entry, flag != NULL,
	    v, &a, err, sizeof(err)), 0);
	rc = cmd_ssh_config_entry.exec(&cmd_ssh_config_entry, &a);
	args_free(&a);
	return rc;
}

static char *
file(const char *rel, size_t *lenp)
{
	char	 path[256], *s;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", home, rel);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(s = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*lenp = (size_t)n;
	return s;
}

static void
put(const char *rel, const char *s, mode_t mode)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", home, rel);
	assert_non_null(f = fopen(path, "w"));
	fputs(s, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static mode_t
mode_of(const char *rel)
{
	char		 path[256];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", home, rel);
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

static void
test_cmd_absent(void **state)
{
	char	*s;
	size_t	 l;

	(void)state;
	assert_int_equal(ssh_config("--uninstall"), BEX_OK);
	assert_null(file(".ssh/config", &l));
	assert_int_equal(ssh_config(NULL), BEX_OK);
	assert_null(file(".ssh/config", &l));
	assert_int_equal(ssh_config("--install"), BEX_OK);
	assert_int_equal(mode_of(".ssh") & 07777, 0700);
	assert_int_equal(mode_of(".ssh/config"), S_IFREG | 0600);
	assert_non_null(s = file(".ssh/config", &l));
	assert_string_equal(s, BLOCK);
	free(s);
	assert_int_equal(ssh_config("--uninstall"), BEX_OK);
	assert_non_null(s = file(".ssh/config", &l));
	assert_int_equal(l, 0);
	free(s);
}

static void
test_cmd_existing(void **state)
{
	const char	*orig = "Host a\n  User b\n";
	char		*s;
	size_t		 l;

	(void)state;
	{
		char d[128];

		snprintf(d, sizeof(d), "%s/.ssh", home);
		assert_int_equal(mkdir(d, 0700), 0);
	}
	put(".ssh/config", orig, 0640);
	assert_int_equal(ssh_config("--install"), BEX_OK);
	assert_int_equal(ssh_config("--install"), BEX_OK);
	assert_non_null(s = file(".ssh/config", &l));
	assert_string_equal(s, BLOCK "Host a\n  User b\n");
	free(s);
	/* The mode is kept. */
	assert_int_equal(mode_of(".ssh/config"), S_IFREG | 0640);
	assert_int_equal(ssh_config("--uninstall"), BEX_OK);
	assert_non_null(s = file(".ssh/config", &l));
	assert_string_equal(s, orig);
	free(s);
	/* Damaged markers: refused, file untouched. */
	put(".ssh/config", SSHCFG_BEGIN "\nHost a\n", 0600);
	assert_int_equal(ssh_config("--install"), BEX_FAIL);
	assert_non_null(s = file(".ssh/config", &l));
	assert_string_equal(s, SSHCFG_BEGIN "\nHost a\n");
	free(s);
}

static void
test_cmd_symlink(void **state)
{
	char	 link[256], target[256], *s;
	size_t	 l;

	(void)state;
	snprintf(target, sizeof(target), "%s/dotfiles", home);
	mkdir(target, 0755);
	put("dotfiles/ssh_config", "Host z\n", 0600);
	snprintf(link, sizeof(link), "%s/.ssh", home);
	mkdir(link, 0700);
	snprintf(link, sizeof(link), "%s/.ssh/config", home);
	unlink(link);
	snprintf(target, sizeof(target), "%s/dotfiles/ssh_config", home);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(ssh_config("--install"), BEX_OK);
	/* The link stays a link; the target has the block. */
	assert_true(S_ISLNK(mode_of(".ssh/config")));
	assert_non_null(s = file("dotfiles/ssh_config", &l));
	assert_string_equal(s, BLOCK "Host z\n");
	free(s);
	assert_int_equal(ssh_config("--uninstall"), BEX_OK);
	assert_non_null(s = file("dotfiles/ssh_config", &l));
	assert_string_equal(s, "Host z\n");
	free(s);
	/* A link to a directory or to nothing is refused. */
	unlink(link);
	snprintf(target, sizeof(target), "%s/dotfiles", home);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(ssh_config("--install"), BEX_FAIL);
	unlink(link);
	assert_int_equal(symlink("/nonexistent/x", link), 0);
	assert_int_equal(ssh_config("--install"), BEX_FAIL);
	assert_true(S_ISLNK(mode_of(".ssh/config")));
	unlink(link);
}

static void
test_cmd_both_flags(void **state)
{
	char		*v[] = { "--install", "--uninstall", NULL };
	struct args	 a;

	(void)state;
	assert_int_equal(args_parse(&cmd_ssh_config_entry, 2, v, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(cmd_ssh_config_entry.exec(&cmd_ssh_config_entry, &a),
	    BEX_USAGE);
	args_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_empty),
		cmocka_unit_test(test_install_existing),
		cmocka_unit_test(test_install_crlf),
		cmocka_unit_test(test_install_updates_in_place),
		cmocka_unit_test(test_uninstall),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_include_line),
		cmocka_unit_test_setup_teardown(test_cmd_absent, home_setup,
		    home_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_existing, home_setup,
		    home_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_symlink, home_setup,
		    home_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_both_flags,
		    home_setup, home_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
