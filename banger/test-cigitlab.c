/* GitLab's custom executor: VM names, exit codes, config (cigitlab.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cigitlab.h"

static int
name(const char *r, const char *j, char *buf)
{
	char	 err[256];

	err[0] = '\0';
	if (gl_vm_name(r, j, buf, 64, err, sizeof(err)) == -1) {
		assert_true(err[0] != '\0');
		return -1;
	}
	return 0;
}

static void
vm_names(void **state)
{
	char	 b[64];

	(void)state;
	assert_int_equal(name("12", "345", b), 0);
	assert_string_equal(b, "gl-12-345");
	assert_int_equal(name("9223372036854775807", "9223372036854775807",
	    b), 0);
	assert_string_equal(b, "gl-9223372036854775807-9223372036854775807");
	/* Distinct jobs, distinct VMs; the separator keeps 1-23 from 12-3. */
	assert_int_equal(name("1", "23", b), 0);
	assert_string_equal(b, "gl-1-23");
	assert_int_equal(name("12", "3", b), 0);
	assert_string_equal(b, "gl-12-3");
	assert_int_equal(name(NULL, "1", b), -1);
	assert_int_equal(name("1", NULL, b), -1);
	assert_int_equal(name("", "1", b), -1);
	assert_int_equal(name("1", "", b), -1);
	assert_int_equal(name("1a", "1", b), -1);
	assert_int_equal(name("1", "-1", b), -1);
	assert_int_equal(name("1", "1 ", b), -1);
	assert_int_equal(name("1", "../x", b), -1);
	assert_int_equal(name("1", "12345678901234567890", b), -1);
	assert_int_equal(name("1", "1\n", b), -1);
}

static void
exit_codes(void **state)
{
	(void)state;
	assert_int_equal(gl_exit_code("3", 1), 3);
	assert_int_equal(gl_exit_code("255", 1), 255);
	assert_int_equal(gl_exit_code(NULL, 7), 7);
	assert_int_equal(gl_exit_code("", 7), 7);
	assert_int_equal(gl_exit_code("0", 7), 7);
	assert_int_equal(gl_exit_code("256", 7), 7);
	assert_int_equal(gl_exit_code("-1", 7), 7);
	assert_int_equal(gl_exit_code("3x", 7), 7);
	assert_int_equal(gl_exit_code(" 3", 7), 7);

	/* The script's own status: 0 passes, anything else is the build's. */
	assert_int_equal(gl_run_status(0, 1, 10, 20), 0);
	assert_int_equal(gl_run_status(3, 1, 10, 20), 10);
	assert_int_equal(gl_run_status(125, 1, 10, 20), 10);
	assert_int_equal(gl_run_status(143, 1, 10, 20), 10);
	/* banger's own (BEX_*), even 0-looking ones, are the system's. */
	assert_int_equal(gl_run_status(123, 0, 10, 20), 20);
	assert_int_equal(gl_run_status(124, 0, 10, 20), 20);
	assert_int_equal(gl_run_status(125, 0, 10, 20), 20);
	assert_int_equal(gl_run_status(0, 0, 10, 20), 20);
}

static void
images_and_sizes(void **state)
{
	char		 err[256];
	uint64_t	 v, m, d;

	(void)state;
	assert_int_equal(gl_image_check(NULL, err, sizeof(err)), 0);
	assert_int_equal(gl_image_check("", err, sizeof(err)), 0);
	assert_int_equal(gl_image_check("tiny", err, sizeof(err)), 0);
	assert_int_equal(gl_image_check("docker.io/library/alpine:3.20", err,
	    sizeof(err)), 0);
	assert_int_equal(gl_image_check("Tiny", err, sizeof(err)), -1);
	assert_int_equal(gl_image_check("a b", err, sizeof(err)), -1);
	assert_int_equal(gl_image_check("x/y;rm", err, sizeof(err)), -1);
	assert_int_equal(gl_image_check("-tiny", err, sizeof(err)), -1);

	assert_int_equal(gl_spec(NULL, "", NULL, &v, &m, &d, err,
	    sizeof(err)), 0);
	assert_true(v == 0 && m == 0 && d == 0);
	assert_int_equal(gl_spec("2", "1G", "8G", &v, &m, &d, err,
	    sizeof(err)), 0);
	assert_true(v == 2 && m == 1024 && d == 8192);
	assert_int_equal(gl_spec("0", NULL, NULL, &v, &m, &d, err,
	    sizeof(err)), -1);
	assert_int_equal(gl_spec("2G", NULL, NULL, &v, &m, &d, err,
	    sizeof(err)), -1);
	assert_int_equal(gl_spec("65", NULL, NULL, &v, &m, &d, err,
	    sizeof(err)), -1);
	assert_int_equal(gl_spec(NULL, "64M", NULL, &v, &m, &d, err,
	    sizeof(err)), -1);
	assert_int_equal(gl_spec(NULL, "lots", NULL, &v, &m, &d, err,
	    sizeof(err)), -1);
	assert_int_equal(gl_spec(NULL, NULL, "100M", &v, &m, &d, err,
	    sizeof(err)), -1);
}

static void
config_json(void **state)
{
	json_t		*o, *back;
	json_error_t	 je;
	char		*s;

	(void)state;
	assert_non_null(o = gl_config_json("gl-1-2", "9.9"));
	assert_non_null(s = json_dumps(o, JSON_COMPACT));
	json_decref(o);
	/* What the runner reads, through a parser. */
	assert_non_null(back = json_loads(s, 0, &je));
	free(s);
	assert_string_equal(json_string_value(json_object_get(back,
	    "builds_dir")), "/root/builds");
	assert_string_equal(json_string_value(json_object_get(back,
	    "cache_dir")), "/root/cache");
	assert_true(json_is_false(json_object_get(back,
	    "builds_dir_is_shared")));
	assert_string_equal(json_string_value(json_object_get(back,
	    "hostname")), "gl-1-2");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(back, "driver"), "name")), "banger");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(back, "driver"), "version")), "9.9");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(back, "job_env"), "BANGER_VM")), "gl-1-2");
	assert_int_equal(json_object_size(back), 6);
	json_decref(back);

	/* No job ids: no hostname, no job_env; the rest as before. */
	assert_non_null(o = gl_config_json(NULL, "9.9"));
	assert_int_equal(json_object_size(o), 4);
	assert_null(json_object_get(o, "hostname"));
	assert_null(json_object_get(o, "job_env"));
	assert_true(json_is_false(json_object_get(o,
	    "builds_dir_is_shared")));
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_names),
		cmocka_unit_test(exit_codes),
		cmocka_unit_test(images_and_sizes),
		cmocka_unit_test(config_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
