/*
 * Length-prefixed frames over stream sockets, SOCK_SEQPACKET sockets and
 * plain character devices (the guest's virtio-serial port).
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"

#define MAXFDS	(FRAME_MAXFDS + 2)	/* room to notice (and close) surplus ones */

int
frame_peek(const uint8_t *p, size_t avail, size_t max, size_t *plen)
{
	uint32_t	 n;

	if (avail < FRAME_HDR)
		return FRAME_NEED;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (n == 0 || n > max)
		return FRAME_BAD;
	*plen = n;
	return FRAME_OK;
}

int
frame_send(int fd, const struct buf *frame, int passfd)
{
	return frame_sendv(fd, frame, &passfd, passfd >= 0 ? 1 : 0);
}

int
frame_sendv(int fd, const struct buf *frame, const int *passfds, size_t nfds)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	struct cmsghdr	*cm;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(FRAME_MAXFDS * sizeof(int))];
	} cmsgbuf;
	size_t		 off = 0;
	ssize_t		 n;

	if (nfds > FRAME_MAXFDS) {
		errno = EINVAL;
		return -1;
	}
	while (off < frame->len) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = frame->p + off;
		iov.iov_len = frame->len - off;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (nfds > 0 && off == 0) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			mh.msg_control = cmsgbuf.buf;
			mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
			memcpy(CMSG_DATA(cm), passfds, nfds * sizeof(int));
		}
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n == -1 && errno == ENOTSOCK && nfds == 0)
			n = write(fd, iov.iov_base, iov.iov_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			/* A full virtio-serial queue: the host will drain it. */
			usleep(1000);
			continue;
		}
		if (n == -1)
			return -1;
		off += n;
	}
	return 0;
}

/* Collect SCM_RIGHTS descriptors from mh into fds[*nfds]. */
static void
take_fds(struct msghdr *mh, int *fds, size_t *nfds)
{
	struct cmsghdr	*cm;
	size_t		 i, n;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int	 fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (*nfds < MAXFDS)
				fds[(*nfds)++] = fd;
			else
				(void)close(fd);
		}
	}
}

/* One read: recvmsg on sockets, read on anything else. */
static ssize_t
recv_some(int fd, int issock, void *p, size_t len, int *fds, size_t *nfds,
    int *trunc)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(MAXFDS * sizeof(int))];
	} cmsgbuf;
	ssize_t		 n;

	if (!issock) {
		do {
			n = read(fd, p, len);
		} while (n == -1 && errno == EINTR);
		return n;
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	do {
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n >= 0) {
		take_fds(&mh, fds, nfds);
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			*trunc = 1;
	}
	return n;
}

/*
 * The descriptors that came with a frame: on success (ok) and no more than
 * the caller takes, hand them over; otherwise close them all.
 */
struct fdsink {
	int		*out;
	size_t		 max;
	size_t		*n;
};

static int
finish_fds(int *fds, size_t nfds, const struct fdsink *sink, int ok)
{
	size_t	 i;

	if (ok && sink != NULL && nfds <= sink->max) {
		for (i = 0; i < nfds; i++)
			sink->out[i] = fds[i];
		*sink->n = nfds;
		return 0;
	}
	for (i = 0; i < nfds; i++)
		(void)close(fds[i]);
	return -1;
}

int
frame_recv(int fd, size_t max, struct buf *payload, int *passfd)
{
	size_t	 n;

	if (passfd == NULL)
		return frame_recvv(fd, max, payload, NULL, 0, &n);
	*passfd = -1;
	return frame_recvv(fd, max, payload, passfd, 1, &n);
}

int
frame_recvv(int fd, size_t max, struct buf *payload, int *passfds,
    size_t maxfds, size_t *nfdsp)
{
	uint8_t		 hdr[FRAME_HDR];
	int		 fds[MAXFDS], type = 0, issock = 1, trunc = 0;
	size_t		 nfds = 0, got = 0, plen = 0;
	socklen_t	 sl = sizeof(type);
	ssize_t		 n;
	struct fdsink	 sink = { passfds, maxfds, nfdsp };

	buf_reset(payload);
	*nfdsp = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == -1) {
		if (errno != ENOTSOCK)
			return -1;
		issock = 0;
	}

	if (type == SOCK_SEQPACKET) {
		/* One packet is one frame: read it whole, refuse leftovers. */
		if (payload->cap < max + FRAME_HDR + 1) {
			uint8_t	*np;

			if ((np = realloc(payload->p, max + FRAME_HDR + 1))
			    == NULL)
				return -1;
			payload->p = np;
			payload->cap = max + FRAME_HDR + 1;
		}
		n = recv_some(fd, 1, payload->p, max + FRAME_HDR + 1, fds,
		    &nfds, &trunc);
		if (n == -1)
			return finish_fds(fds, nfds, NULL, 0);
		if (n == 0) {
			payload->len = 0;
			return finish_fds(fds, nfds, &sink, nfds == 0);
		}
		if (trunc || (size_t)n < FRAME_HDR ||
		    frame_peek(payload->p, n, max, &plen) != FRAME_OK ||
		    plen != (size_t)n - FRAME_HDR) {
			finish_fds(fds, nfds, NULL, 0);
			errno = EPROTO;
			return -1;
		}
		memmove(payload->p, payload->p + FRAME_HDR, plen);
		payload->len = plen;
		if (finish_fds(fds, nfds, &sink, 1) == -1) {
			errno = EPROTO;
			return -1;
		}
		return 0;
	}

	while (got < FRAME_HDR) {
		n = recv_some(fd, issock, hdr + got, FRAME_HDR - got, fds,
		    &nfds, &trunc);
		if (n == -1)
			return finish_fds(fds, nfds, NULL, 0);
		if (n == 0) {
			if (got == 0 && nfds == 0)
				return 0;	/* clean EOF */
			finish_fds(fds, nfds, NULL, 0);
			errno = EPROTO;
			return -1;
		}
		got += n;
	}
	if (frame_peek(hdr, FRAME_HDR, max, &plen) != FRAME_OK || trunc) {
		finish_fds(fds, nfds, NULL, 0);
		errno = EPROTO;
		return -1;
	}
	if (payload->cap < plen) {
		uint8_t	*np;

		if ((np = realloc(payload->p, plen)) == NULL)
			return finish_fds(fds, nfds, NULL, 0);
		payload->p = np;
		payload->cap = plen;
	}
	got = 0;
	while (got < plen) {
		n = recv_some(fd, issock, payload->p + got, plen - got, fds,
		    &nfds, &trunc);
		if (n == -1)
			return finish_fds(fds, nfds, NULL, 0);
		if (n == 0) {
			finish_fds(fds, nfds, NULL, 0);
			errno = EPROTO;
			return -1;
		}
		got += n;
	}
	payload->len = plen;
	if (trunc || finish_fds(fds, nfds, &sink, 1) == -1) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}
