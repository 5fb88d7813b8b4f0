/* Name and path validation: the edges of each rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "valid.h"

static void
test_vm_name(void **state)
{
	char	 buf[VM_NAME_MAX + 2];

	(void)state;
	assert_true(valid_vm_name("a"));
	assert_true(valid_vm_name("0"));
	assert_true(valid_vm_name("dev-box-2"));
	assert_true(valid_vm_name("a-b"));
	assert_true(valid_vm_name("123"));
	assert_false(valid_vm_name(NULL));
	assert_false(valid_vm_name(""));
	assert_false(valid_vm_name("-a"));
	assert_false(valid_vm_name("a-"));
	assert_false(valid_vm_name("-"));
	assert_false(valid_vm_name("Dev"));
	assert_false(valid_vm_name("a_b"));
	assert_false(valid_vm_name("a.b"));
	assert_false(valid_vm_name("a b"));
	assert_false(valid_vm_name("a/b"));
	assert_false(valid_vm_name("caf\xc3\xa9"));
	assert_false(valid_vm_name("a\n"));
	memset(buf, 'a', sizeof(buf));
	buf[VM_NAME_MAX] = '\0';
	assert_true(valid_vm_name(buf));
	buf[VM_NAME_MAX] = 'a';
	buf[VM_NAME_MAX + 1] = '\0';
	assert_false(valid_vm_name(buf));
}

static void
test_path_component(void **state)
{
	char	 buf[258];

	(void)state;
	assert_true(valid_path_component("a"));
	assert_true(valid_path_component("..."));
	assert_true(valid_path_component(".hidden"));
	assert_true(valid_path_component("a..b"));
	assert_true(valid_path_component("with space"));
	assert_false(valid_path_component(NULL));
	assert_false(valid_path_component(""));
	assert_false(valid_path_component("."));
	assert_false(valid_path_component(".."));
	assert_false(valid_path_component("a/b"));
	assert_false(valid_path_component("/"));
	assert_false(valid_path_component("a/"));
	memset(buf, 'x', sizeof(buf));
	buf[255] = '\0';
	assert_true(valid_path_component(buf));
	buf[255] = 'x';
	buf[256] = '\0';
	assert_false(valid_path_component(buf));
}

static void
test_abs_path(void **state)
{
	char	 buf[600];

	(void)state;
	assert_true(valid_abs_path("/", 4096));
	assert_true(valid_abs_path("/a", 4096));
	assert_true(valid_abs_path("/home/u/.config/banger", 4096));
	assert_true(valid_abs_path("/a/...b/.c", 4096));
	assert_false(valid_abs_path(NULL, 4096));
	assert_false(valid_abs_path("", 4096));
	assert_false(valid_abs_path("a/b", 4096));
	assert_false(valid_abs_path("./a", 4096));
	assert_false(valid_abs_path("//", 4096));
	assert_false(valid_abs_path("//a", 4096));
	assert_false(valid_abs_path("/a//b", 4096));
	assert_false(valid_abs_path("/a/", 4096));
	assert_false(valid_abs_path("/.", 4096));
	assert_false(valid_abs_path("/..", 4096));
	assert_false(valid_abs_path("/a/./b", 4096));
	assert_false(valid_abs_path("/a/../b", 4096));
	assert_false(valid_abs_path("/a/..", 4096));
	assert_false(valid_abs_path("/a/.", 4096));

	/* size counts the NUL: "/ab" needs 4 bytes. */
	assert_true(valid_abs_path("/ab", 4));
	assert_false(valid_abs_path("/ab", 3));
	assert_false(valid_abs_path("/", 1));
	assert_false(valid_abs_path("/", 0));

	/* Components longer than NAME_MAX are refused. */
	memset(buf, 'x', sizeof(buf));
	buf[0] = '/';
	buf[256] = '\0';
	assert_true(valid_abs_path(buf, sizeof(buf)));
	buf[256] = 'x';
	buf[257] = '\0';
	assert_false(valid_abs_path(buf, sizeof(buf)));
	buf[128] = '/';
	assert_true(valid_abs_path(buf, sizeof(buf)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_name),
		cmocka_unit_test(test_path_component),
		cmocka_unit_test(test_abs_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
