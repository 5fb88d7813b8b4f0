/* Sessions' guest-side pieces: names, bounded logs, the status file. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv.h"

static void
names(void **state)
{
	static const char *const good[] = { "a", "web", "build-1", "x.y_z",
	    "A9", "abcdefghijklmnopqrstuvwxyz012345", NULL };
	static const char *const bad[] = { "", ".", "..", ".hidden", "-f",
	    "a/b", "a b", "tab\t", "ümlaut", "semi;colon",
	    "abcdefghijklmnopqrstuvwxyz0123456", "new\nline", NULL };
	int	 i;

	(void)state;
	for (i = 0; good[i] != NULL; i++)
		assert_true(sv_name_ok(good[i]));
	for (i = 0; bad[i] != NULL; i++)
		assert_false(sv_name_ok(bad[i]));
	assert_int_equal(sv_stdin_mode("pipe"), SV_STDIN_PIPE);
	assert_int_equal(sv_stdin_mode("pty"), SV_STDIN_PTY);
	assert_int_equal(sv_stdin_mode("none"), SV_STDIN_NONE);
	assert_int_equal(sv_stdin_mode("tty"), -1);
	assert_int_equal(sv_stdin_mode(""), -1);
	assert_string_equal(sv_stdin_name(SV_STDIN_PTY), "pty");
}

static char	 tmpdir[64];

static int
mkdir_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-sv.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
rm_tmp(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	struct stat	 sb;
	unsigned char	*p;
	int		 fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	assert_int_equal(fstat(fd, &sb), 0);
	p = malloc((size_t)sb.st_size + 1);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return p;
}

/*
 * A stream of 3.5 bounds written in uneven chunks: each file is at most
 * the bound, the rotated one exactly it, and .1 then the current file
 * are the stream's newest bytes.
 */
static void
log_rotation(void **state)
{
	struct sv_log	 l;
	unsigned char	*stream, *a, *b;
	char		 path[128], old[140];
	size_t		 total, off = 0, k, alen, blen, max = 1000;

	(void)state;
	total = max * 7 / 2;
	stream = malloc(total);
	assert_non_null(stream);
	for (k = 0; k < total; k++)
		stream[k] = (unsigned char)(k * 7 + k / 13);
	snprintf(path, sizeof(path), "%s/out.log", tmpdir);
	snprintf(old, sizeof(old), "%s.1", path);
	assert_int_equal(sv_log_open(&l, path, (off_t)max), 0);
	for (k = 1; off < total; k = k * 3 % 517 + 1) {
		if (k > total - off)
			k = total - off;
		assert_int_equal(sv_log_write(&l, stream + off, k), 0);
		off += k;
		assert_true(l.size <= (off_t)max);
	}
	sv_log_close(&l);
	a = slurp(old, &alen);
	b = slurp(path, &blen);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(alen, max);
	assert_int_equal(blen, total - 3 * max);
	assert_memory_equal(a, stream + total - alen - blen, alen);
	assert_memory_equal(b, stream + total - blen, blen);
	free(a);
	free(b);
	free(stream);
}

/* One write far over the bound splits across files; only two are kept. */
static void
log_one_big_write(void **state)
{
	struct sv_log	 l;
	unsigned char	 buf[2500], *a, *b;
	char		 path[128], old[140], older[150];
	size_t		 i, alen, blen;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)i;
	snprintf(path, sizeof(path), "%s/big.log", tmpdir);
	snprintf(old, sizeof(old), "%s.1", path);
	snprintf(older, sizeof(older), "%s.2", path);
	assert_int_equal(sv_log_open(&l, path, 1000), 0);
	assert_int_equal(sv_log_write(&l, buf, sizeof(buf)), 0);
	sv_log_close(&l);
	a = slurp(old, &alen);
	b = slurp(path, &blen);
	assert_int_equal(alen, 1000);
	assert_int_equal(blen, 500);
	assert_memory_equal(a, buf + 1000, 1000);
	assert_memory_equal(b, buf + 2000, 500);
	assert_int_equal(access(older, F_OK), -1);
	free(a);
	free(b);
	/* A new open starts the log afresh. */
	assert_int_equal(sv_log_open(&l, path, 1000), 0);
	assert_int_equal(l.size, 0);
	sv_log_close(&l);
	b = slurp(path, &blen);
	assert_int_equal(blen, 0);
	free(b);
}

static int
child_status(int code, int sig)
{
	pid_t	 pid;
	int	 st;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (sig != 0) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void
status_format(void **state)
{
	char	 buf[SV_STATUS_MAX];
	int	 kind, val;

	(void)state;
	assert_int_equal(sv_status_format(child_status(0, 0), buf,
	    sizeof(buf)), 7);
	assert_string_equal(buf, "exit 0\n");
	sv_status_format(child_status(255, 0), buf, sizeof(buf));
	assert_string_equal(buf, "exit 255\n");
	sv_status_format(child_status(0, SIGTERM), buf, sizeof(buf));
	assert_string_equal(buf, "signal 15\n");
	assert_int_equal(sv_status_format(child_status(3, 0), buf, 4), -1);

	/* Round trip through the file. */
	assert_int_equal(sv_status_write(tmpdir, child_status(42, 0)), 0);
	assert_int_equal(sv_status_read(tmpdir, &kind, &val), 0);
	assert_int_equal(kind, SV_ST_EXIT);
	assert_int_equal(val, 42);
	assert_int_equal(sv_status_write(tmpdir, child_status(0, SIGKILL)),
	    0);
	assert_int_equal(sv_status_read(tmpdir, &kind, &val), 0);
	assert_int_equal(kind, SV_ST_SIGNAL);
	assert_int_equal(val, SIGKILL);
}

static void
status_parse(void **state)
{
	static const char *const bad[] = { "", "exit", "exit \n", "exit 1",
	    "exit 256\n", "exit -1\n", "exit 01\n", "exit 1 \n", " exit 1\n",
	    "exit 1\n\n", "exit 1000\n", "signal 0\n", "signal 65\n",
	    "signal\n", "Exit 1\n", "exit +1\n", "exit 0x1\n", "killed 9\n",
	    NULL };
	int	 i, kind, val;

	(void)state;
	assert_int_equal(sv_status_parse("exit 0\n", 7, &kind, &val), 0);
	assert_int_equal(kind, SV_ST_EXIT);
	assert_int_equal(val, 0);
	assert_int_equal(sv_status_parse("signal 64\n", 10, &kind, &val), 0);
	assert_int_equal(kind, SV_ST_SIGNAL);
	assert_int_equal(val, 64);
	for (i = 0; bad[i] != NULL; i++)
		assert_int_equal(sv_status_parse(bad[i], strlen(bad[i]), &kind,
		    &val), -1);
	/* A NUL inside is no digit. */
	assert_int_equal(sv_status_parse("exit 1\0\n", 8, &kind, &val), -1);
}

static void
json_strings(void **state)
{
	char	*out;
	size_t	 len;
	FILE	*f;

	(void)state;
	f = open_memstream(&out, &len);
	assert_non_null(f);
	sv_json_str(f, "a\"b\\c\n\x01\x7f" "d\xc3\xa9");
	fclose(f);
	assert_string_equal(out, "\"a\\\"b\\\\c\\u000a\\u0001\\u007fd\xc3\xa9\"");
	free(out);
}

static void
frames(void **state)
{
	unsigned char	 b[3 + SV_FRAME_MAX + 1];
	size_t		 plen;
	int		 type;

	(void)state;
	memset(b, 0, sizeof(b));
	b[0] = SV_F_INPUT;
	b[1] = 0;
	b[2] = 5;
	assert_int_equal(sv_frame_get(b, 2, &type, &plen), 0);
	assert_int_equal(sv_frame_get(b, 7, &type, &plen), 0);
	assert_int_equal(sv_frame_get(b, 8, &type, &plen), 8);
	assert_int_equal(type, SV_F_INPUT);
	assert_int_equal(plen, 5);
	b[1] = SV_FRAME_MAX >> 8;
	b[2] = SV_FRAME_MAX & 0xff;
	assert_int_equal(sv_frame_get(b, 3 + SV_FRAME_MAX, &type, &plen),
	    3 + SV_FRAME_MAX);
	b[2]++;
	assert_int_equal(sv_frame_get(b, sizeof(b), &type, &plen), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(log_rotation),
		cmocka_unit_test(log_one_big_write),
		cmocka_unit_test(status_format),
		cmocka_unit_test(status_parse),
		cmocka_unit_test(json_strings),
		cmocka_unit_test(frames),
	};

	return cmocka_run_group_tests(tests, mkdir_tmp, rm_tmp);
}
