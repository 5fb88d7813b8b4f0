/*
 * frame_peek() on partial and hostile headers; frame_send()/frame_recv()
 * over stream and SOCK_SEQPACKET socketpairs, including SCM_RIGHTS: an fd
 * nobody asked for must be closed, not leaked.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "frame.h"

static void
put32(uint8_t *p, uint32_t n)
{
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
}

/* A frame whose header says hdrlen and which carries len payload bytes. */
static void
mkframe(struct buf *b, uint32_t hdrlen, size_t len)
{
	uint8_t	 h[FRAME_HDR], c;
	size_t	 i;

	buf_reset(b);
	put32(h, hdrlen);
	assert_int_equal(buf_append(b, h, sizeof(h)), 0);
	for (i = 0; i < len; i++) {
		c = i * 31 + 1;
		assert_int_equal(buf_append(b, &c, 1), 0);
	}
}

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* sendmsg with any number of descriptors attached. */
static void
send_raw(int s, const void *p, size_t len, const int *fds, size_t nfds)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(8 * sizeof(int))];
	} cb;

	memset(&mh, 0, sizeof(mh));
	memset(&cb, 0, sizeof(cb));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		assert_true(nfds <= 8);
		mh.msg_control = cb.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(s, &mh, 0), (ssize_t)len);
}

static void
test_peek(void **state)
{
	uint8_t	 h[FRAME_HDR + 8];
	size_t	 plen, i;

	(void)state;
	memset(h, 0, sizeof(h));
	put32(h, 5);
	/* A partial header is never judged, whatever it holds. */
	for (i = 0; i < FRAME_HDR; i++)
		assert_int_equal(frame_peek(h, i, 100, &plen), FRAME_NEED);
	put32(h, 0xffffffff);
	for (i = 0; i < FRAME_HDR; i++)
		assert_int_equal(frame_peek(h, i, 100, &plen), FRAME_NEED);

	plen = 12345;
	put32(h, 0);
	assert_int_equal(frame_peek(h, sizeof(h), 100, &plen), FRAME_BAD);
	assert_int_equal(plen, 12345);
	put32(h, 101);
	assert_int_equal(frame_peek(h, sizeof(h), 100, &plen), FRAME_BAD);
	/* Only the header is needed to refuse an over-cap length. */
	assert_int_equal(frame_peek(h, FRAME_HDR, 100, &plen), FRAME_BAD);
	put32(h, 0xffffffff);
	assert_int_equal(frame_peek(h, FRAME_HDR, FRAME_MAX_CTL, &plen),
	    FRAME_BAD);
	put32(h, FRAME_MAX_PRIV + 1);
	assert_int_equal(frame_peek(h, FRAME_HDR, FRAME_MAX_PRIV, &plen),
	    FRAME_BAD);

	put32(h, 100);
	assert_int_equal(frame_peek(h, FRAME_HDR, 100, &plen), FRAME_OK);
	assert_int_equal(plen, 100);
	put32(h, 1);
	assert_int_equal(frame_peek(h, sizeof(h), 100, &plen), FRAME_OK);
	assert_int_equal(plen, 1);
	put32(h, FRAME_MAX_CTL);
	assert_int_equal(frame_peek(h, FRAME_HDR, FRAME_MAX_CTL, &plen),
	    FRAME_OK);
	assert_int_equal(plen, FRAME_MAX_CTL);
	/* Big-endian: 0x00000102 is 258, not 0x02010000. */
	put32(h, 258);
	assert_int_equal(frame_peek(h, FRAME_HDR, 1000, &plen), FRAME_OK);
	assert_int_equal(plen, 258);
}

static void
pair(int type, int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
}

static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };

static void
test_roundtrip(void **state)
{
	struct buf	 f = { 0 }, p = { 0 };
	size_t		 sizes[] = { 1, 2, 100, FRAME_MAX_PRIV };
	size_t		 t, i;
	int		 sv[2], fd;

	(void)state;
	for (t = 0; t < 2; t++) {
		pair(types[t], sv);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			mkframe(&f, sizes[i], sizes[i]);
			assert_int_equal(frame_send(sv[0], &f, -1), 0);
			fd = 1234;
			assert_int_equal(frame_recv(sv[1], FRAME_MAX_PRIV, &p,
			    &fd), 0);
			assert_int_equal(fd, -1);
			assert_int_equal(p.len, sizes[i]);
			assert_memory_equal(p.p, f.p + FRAME_HDR, p.len);
		}
		/* Back to back frames come out one at a time. */
		mkframe(&f, 3, 3);
		assert_int_equal(frame_send(sv[0], &f, -1), 0);
		mkframe(&f, 7, 7);
		assert_int_equal(frame_send(sv[0], &f, -1), 0);
		assert_int_equal(frame_recv(sv[1], 100, &p, NULL), 0);
		assert_int_equal(p.len, 3);
		assert_int_equal(frame_recv(sv[1], 100, &p, NULL), 0);
		assert_int_equal(p.len, 7);
		/* EOF between frames is clean: 0 with an empty payload. */
		close(sv[0]);
		assert_int_equal(frame_recv(sv[1], 100, &p, NULL), 0);
		assert_int_equal(p.len, 0);
		close(sv[1]);
	}
	buf_free(&f);
	buf_free(&p);
}

/* A stream peer that dribbles a frame out a byte at a time. */
static void
test_stream_slow_writer(void **state)
{
	struct buf	 f = { 0 }, p = { 0 };
	pid_t		 pid;
	size_t		 i;
	int		 sv[2], st;

	(void)state;
	pair(SOCK_STREAM, sv);
	mkframe(&f, 50, 50);
	if ((pid = fork()) == 0) {
		close(sv[1]);
		for (i = 0; i < f.len; i++) {
			if (write(sv[0], f.p + i, 1) != 1)
				_exit(1);
			usleep(200);
		}
		_exit(0);
	}
	assert_true(pid > 0);
	close(sv[0]);
	assert_int_equal(frame_recv(sv[1], 100, &p, NULL), 0);
	assert_int_equal(p.len, 50);
	assert_memory_equal(p.p, f.p + FRAME_HDR, 50);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(sv[1]);
	buf_free(&f);
	buf_free(&p);
}

static void
test_bad_lengths(void **state)
{
	struct buf	 f = { 0 }, p = { 0 };
	size_t		 t;
	int		 sv[2];

	(void)state;
	for (t = 0; t < 2; t++) {
		/* Over the cap: refused before any payload buffer exists. */
		pair(types[t], sv);
		mkframe(&f, 0xffffffff, 8);
		assert_int_equal(frame_send(sv[0], &f, -1), 0);
		errno = 0;
		assert_int_equal(frame_recv(sv[1], 16, &p, NULL), -1);
		assert_int_equal(errno, EPROTO);
		assert_true(p.len == 0);
		if (types[t] == SOCK_STREAM)
			assert_null(p.p);
		buf_free(&p);
		close(sv[0]);
		close(sv[1]);

		pair(types[t], sv);
		mkframe(&f, 17, 17);
		assert_int_equal(frame_send(sv[0], &f, -1), 0);
		assert_int_equal(frame_recv(sv[1], 16, &p, NULL), -1);
		assert_int_equal(errno, EPROTO);
		if (types[t] == SOCK_STREAM)
			assert_null(p.p);
		close(sv[0]);
		close(sv[1]);

		/* Zero length. */
		pair(types[t], sv);
		mkframe(&f, 0, 0);
		assert_int_equal(frame_send(sv[0], &f, -1), 0);
		assert_int_equal(frame_recv(sv[1], 16, &p, NULL), -1);
		assert_int_equal(errno, EPROTO);
		close(sv[0]);
		close(sv[1]);

		/* Exactly the cap is fine. */
		pair(types[t], sv);
		mkframe(&f, 16, 16);
		assert_int_equal(frame_send(sv[0], &f, -1), 0);
		assert_int_equal(frame_recv(sv[1], 16, &p, NULL), 0);
		assert_int_equal(p.len, 16);
		close(sv[0]);
		close(sv[1]);
	}
	buf_free(&f);
	buf_free(&p);
}

static void
test_truncated(void **state)
{
	struct buf	 f = { 0 }, p = { 0 };
	size_t		 t;
	int		 sv[2];

	(void)state;
	for (t = 0; t < 2; t++) {
		/* The header promises 10 bytes; 5 arrive, then EOF. */
		pair(types[t], sv);
		mkframe(&f, 10, 5);
		assert_int_equal(frame_send(sv[0], &f, -1), 0);
		close(sv[0]);
		errno = 0;
		assert_int_equal(frame_recv(sv[1], 100, &p, NULL), -1);
		assert_int_equal(errno, EPROTO);
		close(sv[1]);

		/* Half a header, then EOF. */
		pair(types[t], sv);
		assert_int_equal(write(sv[0], "\0\0", 2), 2);
		close(sv[0]);
		assert_int_equal(frame_recv(sv[1], 100, &p, NULL), -1);
		assert_int_equal(errno, EPROTO);
		close(sv[1]);
	}

	/* A packet longer than its header says is not a frame either. */
	pair(SOCK_SEQPACKET, sv);
	mkframe(&f, 5, 10);
	assert_int_equal(frame_send(sv[0], &f, -1), 0);
	assert_int_equal(frame_recv(sv[1], 100, &p, NULL), -1);
	assert_int_equal(errno, EPROTO);
	close(sv[0]);
	close(sv[1]);
	buf_free(&f);
	buf_free(&p);
}

static int
same_file(int a, int b)
{
	struct stat	 sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void
test_fd_passing(void **state)
{
	struct buf	 f = { 0 }, p = { 0 };
	size_t		 t;
	char		 c;
	int		 sv[2], pp[2], fd, before, two[2];

	(void)state;
	assert_int_equal(pipe(pp), 0);
	for (t = 0; t < 2; t++) {
		pair(types[t], sv);
		mkframe(&f, 4, 4);

		/* Asked for and sent: it arrives and is the same pipe. */
		assert_int_equal(frame_send(sv[0], &f, pp[0]), 0);
		fd = -1;
		assert_int_equal(frame_recv(sv[1], 100, &p, &fd), 0);
		assert_int_equal(p.len, 4);
		assert_true(fd >= 0 && fd != pp[0]);
		assert_true(same_file(fd, pp[0]));
		assert_int_equal(write(pp[1], "z", 1), 1);
		assert_int_equal(read(fd, &c, 1), 1);
		assert_int_equal(c, 'z');
		close(fd);

		close(sv[0]);
		close(sv[1]);
		pair(types[t], sv);

		/* Not asked for: refused, and the descriptor is closed. */
		before = count_fds();
		assert_int_equal(frame_send(sv[0], &f, pp[0]), 0);
		errno = 0;
		assert_int_equal(frame_recv(sv[1], 100, &p, NULL), -1);
		assert_int_equal(errno, EPROTO);
		assert_int_equal(count_fds(), before);

		close(sv[0]);
		close(sv[1]);
		pair(types[t], sv);

		/* Two when at most one was asked for: both closed. */
		two[0] = pp[0];
		two[1] = pp[1];
		before = count_fds();
		send_raw(sv[0], f.p, f.len, two, 2);
		fd = 1234;
		assert_int_equal(frame_recv(sv[1], 100, &p, &fd), -1);
		assert_int_equal(errno, EPROTO);
		assert_int_equal(count_fds(), before);

		close(sv[0]);
		close(sv[1]);
		pair(types[t], sv);

		/* A descriptor riding on a bad frame is closed as well. */
		before = count_fds();
		mkframe(&f, 0xffff, 4);
		send_raw(sv[0], f.p, f.len, two, 1);
		fd = 1234;
		assert_int_equal(frame_recv(sv[1], 100, &p, &fd), -1);
		assert_int_equal(count_fds(), before);
		close(sv[0]);
		close(sv[1]);
	}
	close(pp[0]);
	close(pp[1]);
	buf_free(&f);
	buf_free(&p);
}

/* Two descriptors in one frame, in order; a third is refused. */
static void
test_fd_vector(void **state)
{
	struct buf	 f = { 0 }, p = { 0 };
	size_t		 t, n;
	int		 sv[2], pp[2], got[FRAME_MAXFDS], three[3], before;

	(void)state;
	assert_int_equal(pipe(pp), 0);
	for (t = 0; t < 2; t++) {
		pair(types[t], sv);
		mkframe(&f, 6, 6);
		assert_int_equal(frame_sendv(sv[0], &f, pp, 2), 0);
		n = 99;
		assert_int_equal(frame_recvv(sv[1], 100, &p, got, 2, &n), 0);
		assert_int_equal(n, 2);
		assert_int_equal(p.len, 6);
		assert_true(same_file(got[0], pp[0]));
		assert_true(same_file(got[1], pp[1]));
		close(got[0]);
		close(got[1]);

		/* None sent: none stored, and that is fine. */
		assert_int_equal(frame_sendv(sv[0], &f, NULL, 0), 0);
		assert_int_equal(frame_recvv(sv[1], 100, &p, got, 2, &n), 0);
		assert_int_equal(n, 0);

		/* One more than the caller takes: all closed, EPROTO. */
		before = count_fds();
		assert_int_equal(frame_sendv(sv[0], &f, pp, 2), 0);
		errno = 0;
		assert_int_equal(frame_recvv(sv[1], 100, &p, got, 1, &n), -1);
		assert_int_equal(errno, EPROTO);
		assert_int_equal(count_fds(), before);

		/* Far more than anyone takes (a truncated control
		 * message): refused, and nothing leaks. */
		{
			int	 many[8], j;

			for (j = 0; j < 8; j++)
				many[j] = pp[j % 2];
			before = count_fds();
			send_raw(sv[0], f.p, f.len, many, 8);
			errno = 0;
			assert_int_equal(frame_recvv(sv[1], 100, &p, got, 2,
			    &n), -1);
			assert_int_equal(errno, EPROTO);
			assert_int_equal(count_fds(), before);
		}

		/* The sender refuses more than FRAME_MAXFDS. */
		three[0] = three[1] = three[2] = pp[0];
		errno = 0;
		assert_int_equal(frame_sendv(sv[0], &f, three, 3), -1);
		assert_int_equal(errno, EINVAL);
		close(sv[0]);
		close(sv[1]);
	}
	close(pp[0]);
	close(pp[1]);
	buf_free(&f);
	buf_free(&p);
}

/* Pipes stand in for the guest's character device. */
static void
test_not_a_socket(void **state)
{
	struct buf	 f = { 0 }, p = { 0 };
	int		 pp[2], fd;

	(void)state;
	assert_int_equal(pipe(pp), 0);
	mkframe(&f, 9, 9);
	assert_int_equal(frame_send(pp[1], &f, -1), 0);
	assert_int_equal(frame_recv(pp[0], 100, &p, &fd), 0);
	assert_int_equal(p.len, 9);
	assert_int_equal(fd, -1);
	/* There is no way to pass a descriptor here. */
	assert_int_equal(frame_send(pp[1], &f, pp[0]), -1);
	close(pp[1]);
	assert_int_equal(frame_recv(pp[0], 100, &p, NULL), 0);
	assert_int_equal(p.len, 0);
	close(pp[0]);
	buf_free(&f);
	buf_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_stream_slow_writer),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_fd_passing),
		cmocka_unit_test(test_fd_vector),
		cmocka_unit_test(test_not_a_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
