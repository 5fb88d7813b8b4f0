/*
 * A saved state's record (snap-info.c): what snap_info_format() writes
 * parses back to the same values; anything else (a line missing, moved,
 * repeated, a number with a leading zero or too large, a short hash, a
 * byte appended) is refused whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "snap-info.h"

static void
sample(struct snap_info *si)
{
	size_t	 i;

	memset(si, 0, sizeof(*si));
	snprintf(si->vmm, sizeof(si->vmm), "qemu");
	snprintf(si->accel, sizeof(si->accel), "tcg");
	si->vcpus = 2;
	si->memory_mib = 3008;
	si->tsc_khz = 2999999;
	snprintf(si->version, sizeof(si->version), "0.1.0");
	si->kernel = (struct snap_fid){ 2049, 123456, 8000000, 1796621031ull *
	    1000000000u + 5 };
	si->initrd = (struct snap_fid){ 2049, 123457, 900000, 0 };
	snprintf(si->address, sizeof(si->address), "10.213.0.2");
	snprintf(si->name, sizeof(si->name), "box-1");
	si->state_size = 127944648;
	for (i = 0; i < 32; i++)
		si->state_sha[i] = (uint8_t)(i * 7 + 1);
}

static void
test_roundtrip(void **state)
{
	struct snap_info a, b;
	char		 buf[SNAP_INFO_MAX], again[SNAP_INFO_MAX];
	int		 n, m;

	(void)state;
	sample(&a);
	n = snap_info_format(&a, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(snap_info_parse(buf, (size_t)n, &b), 0);
	assert_string_equal(b.vmm, "qemu");
	assert_string_equal(b.accel, "tcg");
	assert_int_equal(b.vcpus, 2);
	assert_int_equal(b.memory_mib, 3008);
	assert_int_equal(b.tsc_khz, 2999999);
	assert_string_equal(b.version, "0.1.0");
	assert_memory_equal(&b.kernel, &a.kernel, sizeof(a.kernel));
	assert_memory_equal(&b.initrd, &a.initrd, sizeof(a.initrd));
	assert_memory_equal(&b.rootfs, &a.rootfs, sizeof(a.rootfs));
	assert_string_equal(b.address, "10.213.0.2");
	assert_string_equal(b.name, "box-1");
	assert_int_equal(b.state_size, 127944648);
	assert_memory_equal(b.state_sha, a.state_sha, 32);
	assert_int_equal(b.mem_size, 0);
	m = snap_info_format(&b, again, sizeof(again));
	assert_int_equal(m, n);
	assert_memory_equal(again, buf, (size_t)n);
}

/* The sample's text with one substring replaced must be refused. */
static void
refuse_edit(const char *from, const char *to)
{
	struct snap_info si;
	char		 buf[SNAP_INFO_MAX], out[SNAP_INFO_MAX + 64], *p;
	int		 n;

	sample(&si);
	n = snap_info_format(&si, buf, sizeof(buf));
	assert_true(n > 0);
	p = strstr(buf, from);
	assert_non_null(p);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - buf), buf, to,
	    p + strlen(from));
	if (snap_info_parse(out, strlen(out), &si) != -1)
		fail_msg("accepted after '%s' -> '%s'", from, to);
	/* Nothing half-filled is left behind. */
	assert_int_equal(si.vcpus, 0);
	assert_int_equal(si.vmm[0], '\0');
}

static void
test_refused(void **state)
{
	(void)state;
	refuse_edit("banger-snapshot 1\n", "banger-snapshot 2\n");
	refuse_edit("vmm qemu\n", "");
	refuse_edit("vmm qemu\n", "vmm qemu\nvmm qemu\n");
	refuse_edit("vmm qemu", "vmm QEMU");
	refuse_edit("vcpus 2\n", "vcpus 02\n");
	refuse_edit("vcpus 2\n", "vcpus 0\n");
	refuse_edit("vcpus 2\n", "vcpus 2 \n");
	refuse_edit("memory 3008\n", "memory 99999999999999999999999\n");
	refuse_edit("accel tcg\nvcpus 2\n", "vcpus 2\naccel tcg\n");
	refuse_edit("address 10.213.0.2", "address 10.213.0.02");
	refuse_edit("address 10.213.0.2", "address 10.213.0.256");
	refuse_edit("address 10.213.0.2", "address 10.213.0");
	refuse_edit("state 127944648 ", "state 0 ");
	refuse_edit("state 127944648 01", "state 127944648 0");
	refuse_edit("state 127944648 01", "state 127944648 0G");
	refuse_edit("state 127944648 01", "state 127944648 0A");
	refuse_edit("version 0.1.0", "version 0.1 0");
	refuse_edit("kernel 2049 ", "kernel 2049  ");
	refuse_edit("mem 0 ", "mem 1099511627777 ");
	refuse_edit("\nmem ", "\nmem\t");
	refuse_edit("name box-1\n", "name box/1\n");
	refuse_edit("name box-1\n", "name \n");
	refuse_edit("name box-1\n", "");
	refuse_edit("mem 0 00", "mem 0 01");
}

/* A NUL inside a word (strchr's terminator) is refused. */
static void
test_nul(void **state)
{
	struct snap_info si;
	char		 buf[SNAP_INFO_MAX];
	char		*p;
	int		 n;

	(void)state;
	sample(&si);
	n = snap_info_format(&si, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(p = strstr(buf, "version 0"));
	p[8] = '\0';
	assert_int_equal(snap_info_parse(buf, (size_t)n, &si), -1);
}

static void
test_trailing(void **state)
{
	struct snap_info si;
	char		 buf[SNAP_INFO_MAX + 2];
	int		 n;

	(void)state;
	sample(&si);
	n = snap_info_format(&si, buf, sizeof(buf));
	assert_true(n > 0);
	/* Cut anywhere: refused. */
	for (; n > 0; n--)
		assert_int_equal(snap_info_parse(buf, (size_t)n - 1, &si), -1);
	n = snap_info_format(&si, buf, sizeof(buf));
	buf[n] = 'x';
	assert_int_equal(snap_info_parse(buf, (size_t)n + 1, &si), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
