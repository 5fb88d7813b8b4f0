/*
 * bangerd's state: sqlite3 in WAL mode, schema migrations, and the journal
 * of multi-step operations that reconcile.c finishes or rolls back.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bangerd.h"
#include "log.h"

/* Each entry moves the schema from version i to i + 1. */
static const char *migrations[] = {
	"CREATE TABLE vms ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE,"
	"  state TEXT NOT NULL,"
	"  vmm TEXT NOT NULL,"
	"  accel TEXT NOT NULL,"
	"  vcpus INTEGER NOT NULL,"
	"  memory_mib INTEGER NOT NULL,"
	"  address TEXT NOT NULL DEFAULT '',"
	"  tap TEXT NOT NULL DEFAULT '',"
	"  pid INTEGER NOT NULL DEFAULT 0,"
	"  rm INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE journal ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  vm_id INTEGER NOT NULL,"
	"  op TEXT NOT NULL,"
	"  started INTEGER NOT NULL);",
	"ALTER TABLE vms ADD COLUMN disk_mib INTEGER NOT NULL DEFAULT 8192;",
	"ALTER TABLE vms ADD COLUMN image TEXT NOT NULL DEFAULT 'tiny';",
	/*
	 * Every id ever given out, so that none is reused (see below).  One
	 * migration of two statements (parenthesised for clang's
	 * -Wstring-concatenation).
	 */
	("CREATE TABLE vm_ids (id INTEGER PRIMARY KEY);"
	"INSERT INTO vm_ids (id) SELECT id FROM vms;"),
	/* Published ports, canonical specs separated by spaces (ports.c). */
	"ALTER TABLE vms ADD COLUMN ports TEXT NOT NULL DEFAULT '';",
	/* The egress policy: a mode, then any domains (egress.c). */
	"ALTER TABLE vms ADD COLUMN egress TEXT NOT NULL DEFAULT 'open';",
};
#define NMIGRATIONS	(sizeof(migrations) / sizeof(migrations[0]))

static int
exec_sql(struct bangerd *d, const char *sql, char *err, size_t errlen)
{
	char	*msg = NULL;

	if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
migrate(struct bangerd *d, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 ver;
	size_t		 i;
	char		 sql[64];

	if (sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(d->db));
		return -1;
	}
	ver = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (ver < 0 || (size_t)ver > NMIGRATIONS) {
		snprintf(err, errlen, "database schema version %d is newer "
		    "than this bangerd (%zu)", ver, NMIGRATIONS);
		return -1;
	}
	for (i = ver; i < NMIGRATIONS; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", i + 1);
		if (exec_sql(d, "BEGIN IMMEDIATE", err, errlen) == -1)
			return -1;
		if (exec_sql(d, migrations[i], err, errlen) == -1 ||
		    exec_sql(d, sql, err, errlen) == -1) {
			(void)exec_sql(d, "ROLLBACK", err, 0);
			return -1;
		}
		if (exec_sql(d, "COMMIT", err, errlen) == -1)
			return -1;
		log_info("database migrated to schema %zu", i + 1);
	}
	return 0;
}

int
db_open(struct bangerd *d, char *err, size_t errlen)
{
	if (sqlite3_open_v2(d->paths.db, &d->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", d->paths.db,
		    d->db ? sqlite3_errmsg(d->db) : "cannot open");
		return -1;
	}
	(void)chmod(d->paths.db, 0600);
	sqlite3_busy_timeout(d->db, 2000);
	if (exec_sql(d, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON",
	    err, errlen) == -1)
		return -1;
	return migrate(d, err, errlen);
}

void
db_close(struct bangerd *d)
{
	if (d->db != NULL)
		sqlite3_close(d->db);
	d->db = NULL;
}

static int
step_done(struct bangerd *d, sqlite3_stmt *st, const char *what)
{
	int	 rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("db %s: %s", what, sqlite3_errmsg(d->db));
		return -1;
	}
	return 0;
}

/*
 * A new VM id: random, above the sequential ids older versions gave out,
 * and never given out before by this database.  banger-priv keys leases
 * by (uid, id) and bangerd names VMMs by id, and one user may run two
 * bangerds on two state directories (two HOMEs): sequential ids would
 * collide between them, so that one daemon's start-up would release or
 * kill what the other runs.
 */
static int
db_vm_new_id(struct bangerd *d, int64_t *id)
{
	sqlite3_stmt	*st;
	uint32_t	 r;
	int		 tries, rc;

	for (tries = 0; tries < 16; tries++) {
		while (getrandom(&r, sizeof(r), 0) != sizeof(r))
			if (errno != EINTR) {
				log_warn("getrandom");
				return -1;
			}
		*id = VM_ID_MIN + r % ((int64_t)PRIV_VMID_MAX - VM_ID_MIN +
		    1);
		if (sqlite3_prepare_v2(d->db, "INSERT INTO vm_ids (id) "
		    "VALUES (?)", -1, &st, NULL) != SQLITE_OK) {
			log_warnx("db id: %s", sqlite3_errmsg(d->db));
			return -1;
		}
		sqlite3_bind_int64(st, 1, *id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return 0;
		if (rc != SQLITE_CONSTRAINT) {
			log_warnx("db id: %s", sqlite3_errmsg(d->db));
			return -1;
		}
	}
	log_warnx("db id: no free VM id after %d tries", tries);
	return -1;
}

int
db_vm_insert(struct bangerd *d, struct vm *vm)
{
	sqlite3_stmt	*st;
	int64_t		 id;

	if (db_vm_new_id(d, &id) == -1)
		return -1;
	if (sqlite3_prepare_v2(d->db, "INSERT INTO vms (name, state, vmm, "
	    "accel, vcpus, memory_mib, rm, created, disk_mib, image, id, "
	    "egress) VALUES (?, ?, 'qemu', ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
	    &st, NULL) !=
	    SQLITE_OK) {
		log_warnx("db insert: %s", sqlite3_errmsg(d->db));
		return -1;
	}
	sqlite3_bind_int64(st, 10, id);
	sqlite3_bind_text(st, 1, vm->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vm_state_name(vm->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, accel_name(vm->accel), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, vm->vcpus);
	sqlite3_bind_int(st, 5, vm->memory_mib);
	sqlite3_bind_int(st, 6, vm->rm);
	sqlite3_bind_int64(st, 7, vm->created);
	sqlite3_bind_int64(st, 8, vm->disk_mib);
	sqlite3_bind_text(st, 9, vm->img.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, vm->egress_line, -1, SQLITE_STATIC);
	if (step_done(d, st, "insert") == -1)
		return -1;
	vm->id = id;
	return 0;
}

int
db_vm_update(struct bangerd *d, struct vm *vm)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(d->db, "UPDATE vms SET state = ?, address = ?,"
	    " tap = ?, pid = ?, ports = ?, egress = ? WHERE id = ?", -1, &st,
	    NULL) !=
	    SQLITE_OK) {
		log_warnx("db update: %s", sqlite3_errmsg(d->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, vm_state_name(vm->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, vm->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, vm->tap, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, vm->pid);
	sqlite3_bind_text(st, 5, vm->ports_line, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, vm->egress_line, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, vm->id);
	return step_done(d, st, "update");
}

int
db_vm_delete(struct bangerd *d, int64_t id)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(d->db, "DELETE FROM vms WHERE id = ?", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return step_done(d, st, "delete");
}

/*
 * 1 when this database ever gave out id (vm_ids keeps every id, deleted
 * VMs' too), 0 when not, -1 on error.  Reconcile releases a lease only for
 * an id of its own: a VM deleted while its lease could not be released
 * still has its id here, so the next start frees the lease.
 */
int
db_vm_id_issued(struct bangerd *d, int64_t id)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(d->db, "SELECT 1 FROM vm_ids WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The states as the database stores them. */
const char *
vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_CREATING:
		return "creating";
	case VM_STARTING:
		return "starting";
	case VM_RUNNING:
		return "running";
	case VM_STOPPING:
		return "stopping";
	case VM_STOPPED:
		return "stopped";
	case VM_DELETING:
		return "deleting";
	case VM_SUSPENDED:
		return "suspended";
	}
	return "unknown";
}

static enum vm_state
state_parse(const char *s)
{
	static const enum vm_state all[] = { VM_CREATING, VM_STARTING,
	    VM_RUNNING, VM_STOPPING, VM_STOPPED, VM_DELETING, VM_SUSPENDED };
	size_t	 i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, vm_state_name(all[i])) == 0)
			return all[i];
	return VM_STOPPED;
}

/*
 * Every VM row, oldest first, as plain records: making VM objects of them
 * is the caller's business (vm_load() in vm.c), so that the storage layer
 * calls nothing above it.
 */
int
db_vm_load(struct bangerd *d, struct vm_row **rowsp, size_t *np)
{
	sqlite3_stmt	*st;
	struct vm_row	*rows = NULL, *r, *nr;
	size_t		 n = 0, cap = 0;
	const char	*s;
	int		 rc;

	*rowsp = NULL;
	*np = 0;
	if (sqlite3_prepare_v2(d->db, "SELECT id, name, state, accel, vcpus, "
	    "memory_mib, address, tap, pid, rm, created, disk_mib, image, "
	    "ports, egress FROM vms ORDER BY id",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nr = reallocarray(rows, cap, sizeof(*rows))) ==
			    NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			rows = nr;
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->name, sizeof(r->name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		r->state = state_parse((const char *)
		    sqlite3_column_text(st, 2));
		s = (const char *)sqlite3_column_text(st, 3);
		r->accel = strcmp(s, "kvm") == 0 ? ACCEL_KVM : ACCEL_TCG;
		r->vcpus = sqlite3_column_int(st, 4);
		r->memory_mib = sqlite3_column_int(st, 5);
		snprintf(r->address, sizeof(r->address), "%s",
		    (const char *)sqlite3_column_text(st, 6));
		snprintf(r->tap, sizeof(r->tap), "%s",
		    (const char *)sqlite3_column_text(st, 7));
		r->pid = sqlite3_column_int64(st, 8);
		r->rm = sqlite3_column_int(st, 9);
		r->created = sqlite3_column_int64(st, 10);
		r->disk_mib = sqlite3_column_int64(st, 11);
		snprintf(r->image, sizeof(r->image), "%s",
		    (const char *)sqlite3_column_text(st, 12));
		snprintf(r->ports, sizeof(r->ports), "%s",
		    (const char *)sqlite3_column_text(st, 13));
		snprintf(r->egress, sizeof(r->egress), "%s",
		    (const char *)sqlite3_column_text(st, 14));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(rows);
		return -1;
	}
	*rowsp = rows;
	*np = n;
	return 0;
}

int64_t
db_journal_begin(struct bangerd *d, int64_t vm_id, const char *op)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(d->db, "INSERT INTO journal (vm_id, op, "
	    "started) VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, vm_id);
	sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time(NULL));
	if (step_done(d, st, "journal") == -1)
		return -1;
	return sqlite3_last_insert_rowid(d->db);
}

int
db_journal_end(struct bangerd *d, int64_t jid)
{
	sqlite3_stmt	*st;

	if (jid <= 0)
		return 0;
	if (sqlite3_prepare_v2(d->db, "DELETE FROM journal WHERE id = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, jid);
	return step_done(d, st, "journal end");
}

/* Unfinished operations, oldest first: vm ids and op names. */
int
db_journal_pending(struct bangerd *d, int64_t **ids, char (**ops)[16],
    size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	*ids = NULL;
	*ops = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(d->db, "SELECT vm_id, op FROM journal ORDER "
	    "BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = reallocarray(*ids, cap, sizeof(**ids));
			*ops = reallocarray(*ops, cap, sizeof(**ops));
			if (*ids == NULL || *ops == NULL) {
				sqlite3_finalize(st);
				return -1;
			}
		}
		(*ids)[*n] = sqlite3_column_int64(st, 0);
		snprintf((*ops)[*n], sizeof((*ops)[*n]), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		(*n)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Called once reconcile has dealt with every pending operation. */
int
db_journal_clear(struct bangerd *d)
{
	char	 err[128];

	if (exec_sql(d, "DELETE FROM journal", err, sizeof(err)) == -1) {
		log_warnx("db journal clear: %s", err);
		return -1;
	}
	return 0;
}
