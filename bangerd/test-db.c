/* Unit tests for bangerd's database: migrations, VM rows, the journal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bangerd.h"

static char	 tmpdir[64];

static void
open_db(struct bangerd *d)
{
	char	 err[256];

	memset(d, 0, sizeof(*d));
	TAILQ_INIT(&d->vms);
	TAILQ_INIT(&d->clients);
	snprintf(d->paths.db, sizeof(d->paths.db), "%s/bangerd.db", tmpdir);
	snprintf(d->paths.vms_dir, sizeof(d->paths.vms_dir), "%s/vms",
	    tmpdir);
	assert_int_equal(db_open(d, err, sizeof(err)), 0);
}

static void
close_db(struct bangerd *d)
{
	while (!TAILQ_EMPTY(&d->vms))
		vm_free(TAILQ_FIRST(&d->vms));
	db_close(d);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/banger-test-db.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/bangerd.db", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/bangerd.db-wal", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/bangerd.db-shm", tmpdir);
	unlink(p);
	return rmdir(tmpdir);
}

static void
test_roundtrip(void **state)
{
	struct bangerd	 d, d2;
	struct vm	*vm, *got;
	int64_t		 id;

	(void)state;
	open_db(&d);
	vm = vm_new(&d);
	snprintf(vm->name, sizeof(vm->name), "alpha");
	vm->rm = 1;
	vm->vcpus = 3;
	vm->memory_mib = 768;
	vm->accel = ACCEL_KVM;
	assert_int_equal(db_vm_insert(&d, vm), 0);
	/* Random, so that two state directories of one user differ. */
	assert_true(vm->id >= VM_ID_MIN && vm->id <= PRIV_VMID_MAX);
	id = vm->id;
	vm->state = VM_RUNNING;
	vm->pid = 1234;
	snprintf(vm->address, sizeof(vm->address), "10.213.0.9");
	snprintf(vm->tap, sizeof(vm->tap), "bgtap3");
	assert_int_equal(db_vm_update(&d, vm), 0);
	/* Names are unique. */
	got = vm_new(&d);
	snprintf(got->name, sizeof(got->name), "alpha");
	assert_int_equal(db_vm_insert(&d, got), -1);
	close_db(&d);

	/* Reopening migrates nothing and loads the row as written. */
	open_db(&d2);
	assert_int_equal(vm_load(&d2), 0);
	got = vm_find(&d2, "alpha");
	assert_non_null(got);
	assert_int_equal(got->id, id);
	assert_int_equal(got->state, VM_RUNNING);
	assert_int_equal(got->pid, 1234);
	assert_int_equal(got->rm, 1);
	assert_int_equal(got->vcpus, 3);
	assert_int_equal(got->memory_mib, 768);
	assert_int_equal(got->accel, ACCEL_KVM);
	assert_string_equal(got->address, "10.213.0.9");
	assert_string_equal(got->tap, "bgtap3");
	assert_int_equal(db_vm_delete(&d2, id), 0);
	close_db(&d2);

	/* Ids are never reused: leases are keyed by them. */
	open_db(&d);
	vm = vm_new(&d);
	snprintf(vm->name, sizeof(vm->name), "beta");
	assert_int_equal(db_vm_insert(&d, vm), 0);
	assert_true(vm->id != id);
	assert_true(vm->id >= VM_ID_MIN && vm->id <= PRIV_VMID_MAX);
	assert_int_equal(db_vm_delete(&d, vm->id), 0);
	/*
	 * Deleted VMs' ids stay issued, so that reconcile still releases a
	 * lease their deletion could not; an id never given out is not ours.
	 */
	assert_int_equal(db_vm_id_issued(&d, id), 1);
	assert_int_equal(db_vm_id_issued(&d, vm->id), 1);
	assert_int_equal(db_vm_id_issued(&d, VM_ID_MIN - 1), 0);
	/* A taken id cannot be given out again. */
	assert_int_equal(sqlite3_exec(d.db, "INSERT INTO vm_ids (id) VALUES "
	    "(1048575)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(d.db, "INSERT INTO vm_ids (id) "
	    "VALUES (1048575)", NULL, NULL, NULL), SQLITE_OK);
	close_db(&d);
}

static void
test_journal(void **state)
{
	struct bangerd	 d;
	int64_t		*ids, j1, j2;
	char		(*ops)[16];
	size_t		 n;

	(void)state;
	open_db(&d);
	j1 = db_journal_begin(&d, 7, "create");
	j2 = db_journal_begin(&d, 8, "delete");
	assert_true(j1 > 0 && j2 > j1);
	assert_int_equal(db_journal_end(&d, j1), 0);
	assert_int_equal(db_journal_pending(&d, &ids, &ops, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 8);
	assert_string_equal(ops[0], "delete");
	free(ids);
	free(ops);
	assert_int_equal(db_journal_clear(&d), 0);
	assert_int_equal(db_journal_pending(&d, &ids, &ops, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	free(ops);
	close_db(&d);
}

static void
test_newer_schema(void **state)
{
	struct bangerd	 d;
	char		 err[256];

	(void)state;
	open_db(&d);
	assert_int_equal(sqlite3_exec(d.db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	close_db(&d);
	memset(&d, 0, sizeof(d));
	snprintf(d.paths.db, sizeof(d.paths.db), "%s/bangerd.db", tmpdir);
	assert_int_equal(db_open(&d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "newer"));
	/* Put it back for the other tests' teardown. */
	assert_int_equal(sqlite3_exec(d.db, "PRAGMA user_version = 3", NULL,
	    NULL, NULL), SQLITE_OK);
	db_close(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_newer_schema),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
