/*
 * Unit tests: the identity half of `banger-agent own` (own.c) on a
 * scratch /etc: the name files, a fresh machine id only where the image
 * has one, and the seed's ssh host key in place of every key the
 * template had, refused when the seed brings none or half of one.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "seed.h"

struct world {
	char	top[64];
	int	etc;		/* the guest's /etc */
	int	mnt;		/* the mounted seed */
};

static void __attribute__((format(printf, 3, 4)))
put(struct world *w, const char *text, const char *fmt, ...)
{
	char	 p[PATH_MAX];
	va_list	 ap;
	FILE	*f;
	size_t	 n;

	n = (size_t)snprintf(p, sizeof(p), "%s/", w->top);
	va_start(ap, fmt);
	vsnprintf(p + n, sizeof(p) - n, fmt, ap);
	va_end(ap);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static void
dir(struct world *w, const char *name)
{
	char	 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", w->top, name);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* The file's text, or "-" if there is none. */
static char *
get(struct world *w, char *buf, size_t len, const char *name)
{
	char	 p[PATH_MAX];
	FILE	*f;
	size_t	 n;

	snprintf(p, sizeof(p), "%s/%s", w->top, name);
	if ((f = fopen(p, "r")) == NULL)
		return strcpy(buf, "-");
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static mode_t
mode(struct world *w, const char *name)
{
	struct stat	 st;
	char		 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", w->top, name);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));
	char		 p[PATH_MAX];

	if (w == NULL)
		return -1;
	snprintf(w->top, sizeof(w->top), "/tmp/test-own.XXXXXX");
	if (mkdtemp(w->top) == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/etc", w->top);
	if (mkdir(p, 0755) == -1 || (w->etc = open(p, O_RDONLY |
	    O_DIRECTORY)) == -1)
		return -1;
	snprintf(p, sizeof(p), "%s/seed", w->top);
	if (mkdir(p, 0755) == -1 || (w->mnt = open(p, O_RDONLY |
	    O_DIRECTORY)) == -1)
		return -1;
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;
	char		 cmd[128];

	close(w->etc);
	close(w->mnt);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->top);
	if (system(cmd) != 0)
		return -1;
	free(w);
	return 0;
}

/* A seed disk's key, as banger-fetch's mkdisk puts it there. */
static void
seed_key(struct world *w, int pub)
{
	dir(w, "seed/overlay");
	dir(w, "seed/overlay/upper");
	dir(w, "seed/overlay/upper/etc");
	dir(w, "seed/overlay/upper/etc/ssh");
	put(w, "NEW PRIVATE\n", "seed/overlay/upper/etc/ssh/"
	    "ssh_host_ed25519_key");
	if (pub)
		put(w, "ssh-ed25519 NEW banger-vm\n", "seed/overlay/upper/etc/"
		    "ssh/ssh_host_ed25519_key.pub");
}

/* A template's /etc/ssh: two host keys and a configuration. */
static void
guest_keys(struct world *w)
{
	dir(w, "etc/ssh");
	put(w, "OLD\n", "etc/ssh/ssh_host_ed25519_key");
	put(w, "OLD PUB\n", "etc/ssh/ssh_host_ed25519_key.pub");
	put(w, "OLD RSA\n", "etc/ssh/ssh_host_rsa_key");
	put(w, "OLD RSA PUB\n", "etc/ssh/ssh_host_rsa_key.pub");
	put(w, "Port 22\n", "etc/ssh/sshd_config");
	put(w, "not a key\n", "etc/ssh/ssh_host_notes");
}

static void
test_name(void **state)
{
	struct world	*w = *state;
	char		 b[128];

	put(w, "template\n", "etc/hostname");
	assert_int_equal(own_name(w->etc, "vm-1"), 0);
	assert_string_equal(get(w, b, sizeof(b), "etc/hostname"), "vm-1\n");
	assert_string_equal(get(w, b, sizeof(b), "etc/hosts"),
	    "127.0.0.1\tlocalhost\n127.0.1.1\tvm-1\n::1\tlocalhost\n");
}

static void
test_machine_id(void **state)
{
	struct world	*w = *state;
	char		 a[64], b[64];
	int		 i;

	/* None, or an empty one: systemd's to make, left alone. */
	assert_int_equal(own_machine_id(w->etc), 0);
	assert_string_equal(get(w, a, sizeof(a), "etc/machine-id"), "-");
	put(w, "", "etc/machine-id");
	assert_int_equal(own_machine_id(w->etc), 0);
	assert_string_equal(get(w, a, sizeof(a), "etc/machine-id"), "");

	put(w, "0123456789abcdef0123456789abcdef\n", "etc/machine-id");
	assert_int_equal(own_machine_id(w->etc), 0);
	get(w, a, sizeof(a), "etc/machine-id");
	assert_int_equal(strlen(a), 33);
	assert_int_equal(a[32], '\n');
	for (i = 0; i < 32; i++)
		assert_true(isxdigit((unsigned char)a[i]) &&
		    !isupper((unsigned char)a[i]));
	assert_int_equal(a[12], '4');		/* version 4 */
	assert_non_null(strchr("89ab", a[16]));	/* RFC 4122 variant */
	assert_string_not_equal(a, "0123456789abcdef0123456789abcdef\n");
	/* Each VM its own. */
	assert_int_equal(own_machine_id(w->etc), 0);
	assert_string_not_equal(get(w, b, sizeof(b), "etc/machine-id"), a);
}

static void
test_hostkey(void **state)
{
	struct world	*w = *state;
	char		 b[64];

	seed_key(w, 1);
	guest_keys(w);
	assert_int_equal(own_hostkey(w->mnt, w->etc), 1);
	assert_string_equal(get(w, b, sizeof(b),
	    "etc/ssh/ssh_host_ed25519_key"), "NEW PRIVATE\n");
	assert_string_equal(get(w, b, sizeof(b),
	    "etc/ssh/ssh_host_ed25519_key.pub"), "ssh-ed25519 NEW banger-vm\n");
	assert_int_equal(mode(w, "etc/ssh/ssh_host_ed25519_key"), 0600);
	assert_int_equal(mode(w, "etc/ssh/ssh_host_ed25519_key.pub"), 0644);
	/* The template's other keys are gone, nothing else is. */
	assert_string_equal(get(w, b, sizeof(b), "etc/ssh/ssh_host_rsa_key"),
	    "-");
	assert_string_equal(get(w, b, sizeof(b),
	    "etc/ssh/ssh_host_rsa_key.pub"), "-");
	assert_string_equal(get(w, b, sizeof(b), "etc/ssh/sshd_config"),
	    "Port 22\n");
	assert_string_equal(get(w, b, sizeof(b), "etc/ssh/ssh_host_notes"),
	    "not a key\n");
}

/* No sshd in the image: nothing to do, nothing made. */
static void
test_hostkey_no_ssh(void **state)
{
	struct world	*w = *state;
	char		 b[64];

	seed_key(w, 1);
	assert_int_equal(own_hostkey(w->mnt, w->etc), 0);
	assert_string_equal(get(w, b, sizeof(b), "etc/ssh"), "-");
	/* An /etc/ssh with no key yet gets the seed's. */
	dir(w, "etc/ssh");
	assert_int_equal(own_hostkey(w->mnt, w->etc), 1);
	assert_string_equal(get(w, b, sizeof(b),
	    "etc/ssh/ssh_host_ed25519_key"), "NEW PRIVATE\n");
}

/* Neither the guest nor the seed has a key: nothing to do. */
static void
test_hostkey_none(void **state)
{
	struct world	*w = *state;
	char		 b[64];

	dir(w, "etc/ssh");
	assert_int_equal(own_hostkey(w->mnt, w->etc), 0);
	assert_string_equal(get(w, b, sizeof(b),
	    "etc/ssh/ssh_host_ed25519_key"), "-");
}

/* A guest key the seed cannot replace is refused, not kept. */
static void
test_hostkey_seed_has_none(void **state)
{
	struct world	*w = *state;
	char		 b[64];

	/* A key of another type alone is the template's too. */
	dir(w, "etc/ssh");
	put(w, "OLD ECDSA\n", "etc/ssh/ssh_host_ecdsa_key");
	assert_int_equal(own_hostkey(w->mnt, w->etc), -1);
	put(w, "OLD\n", "etc/ssh/ssh_host_ed25519_key");
	put(w, "OLD RSA\n", "etc/ssh/ssh_host_rsa_key");
	assert_int_equal(own_hostkey(w->mnt, w->etc), -1);
	/* Half a key: refused before anything is removed. */
	seed_key(w, 0);
	assert_int_equal(own_hostkey(w->mnt, w->etc), -1);
	assert_string_equal(get(w, b, sizeof(b),
	    "etc/ssh/ssh_host_rsa_key"), "OLD RSA\n");
}

/* The seed's path is followed without links. */
static void
test_hostkey_seed_link(void **state)
{
	struct world	*w = *state;
	char		 p[PATH_MAX];

	guest_keys(w);
	dir(w, "elsewhere");
	dir(w, "elsewhere/etc");
	dir(w, "elsewhere/etc/ssh");
	put(w, "X\n", "elsewhere/etc/ssh/ssh_host_ed25519_key");
	put(w, "X\n", "elsewhere/etc/ssh/ssh_host_ed25519_key.pub");
	dir(w, "seed/overlay");
	snprintf(p, sizeof(p), "%s/seed/overlay/upper", w->top);
	assert_int_equal(symlink("../../elsewhere", p), 0);
	assert_int_equal(own_hostkey(w->mnt, w->etc), -1);
}

#define ARGS(s)	(s), sizeof(s) - 1

/* sshd run without re-execution per connection must be told (SIGHUP). */
static void
test_sshd_norexec(void **state)
{
	(void)state;
	assert_false(own_sshd_norexec(ARGS("/usr/sbin/sshd\0-D\0")));
	assert_false(own_sshd_norexec(ARGS("sshd: /usr/sbin/sshd -D "
	    "[listener] 0 of 10-100 startups")));
	assert_false(own_sshd_norexec(ARGS("sshd\0-f\0/etc/ssh/r\0"
	    "-oRekeyLimit=1G\0--r\0-\0")));
	assert_true(own_sshd_norexec(ARGS("/usr/sbin/sshd\0-D\0-r\0")));
	assert_true(own_sshd_norexec(ARGS("/usr/sbin/sshd\0-Dr")));
	assert_true(own_sshd_norexec(ARGS("sshd: /usr/sbin/sshd -D -r "
	    "[listener] 0 of 10-100 startups")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_machine_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostkey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_no_ssh, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_none, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_seed_has_none,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostkey_seed_link, setup,
		    teardown),
		cmocka_unit_test(test_sshd_norexec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
