/* port_find() against a fake /sys/class/virtio-ports tree. */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

static char	 root[64];

static void
mkport(const char *dev, const char *name, int newline)
{
	char	 p[256];
	FILE	*f;

	snprintf(p, sizeof(p), "%s/%s", root, dev);
	assert_int_equal(mkdir(p, 0755), 0);
	if (name == NULL)
		return;
	snprintf(p, sizeof(p), "%s/%s/name", root, dev);
	assert_non_null(f = fopen(p, "w"));
	fprintf(f, "%s%s", name, newline ? "\n" : "");
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-port.XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void
finds_named_port(void **state)
{
	char	 out[64];

	(void)state;
	mkport("vport0p0", "", 1);
	mkport("vport0p1", "org.other", 1);
	mkport("vport0p2", "org.banger.agent", 1);
	assert_int_equal(port_find(root, "org.banger.agent", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/dev/vport0p2");
}

static void
name_without_newline(void **state)
{
	char	 out[64];

	(void)state;
	mkport("vport1p1", "org.banger.agent", 0);
	assert_int_equal(port_find(root, "org.banger.agent", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/dev/vport1p1");
}

static void
prefix_is_not_a_match(void **state)
{
	char	 out[64];

	(void)state;
	mkport("vport0p1", "org.banger.agent2", 1);
	mkport("vport0p2", "org.banger.agen", 1);
	mkport("vport0p3", NULL, 0);	/* no name attribute */
	mkport("other", "org.banger.agent", 1);	/* not a vport */
	errno = 0;
	assert_int_equal(port_find(root, "org.banger.agent", out,
	    sizeof(out)), -1);
	assert_int_equal(errno, ENOENT);
}

static void
missing_dir(void **state)
{
	char	 out[64];

	(void)state;
	assert_int_equal(port_find("/nonexistent/virtio-ports",
	    "org.banger.agent", out, sizeof(out)), -1);
}

static void
short_output_buffer(void **state)
{
	char	 out[8];

	(void)state;
	mkport("vport0p2", "org.banger.agent", 1);
	assert_int_equal(port_find(root, "org.banger.agent", out,
	    sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(finds_named_port, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(name_without_newline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(prefix_is_not_a_match, setup,
		    teardown),
		cmocka_unit_test(missing_dir),
		cmocka_unit_test_setup_teardown(short_output_buffer, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
