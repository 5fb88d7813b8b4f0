/*
 * The stderr of bangerd's helpers (banger-priv, the launcher): pipes read
 * in the event loop into bangerd's own log.
 */
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "bangerd.h"
#include "log.h"

#define HELPER_LOG_LINE	1024	/* longer lines are cut */

/*
 * banger-priv and the launcher log to pipes: bound, clean and re-tag each
 * line, and bangerd's own log (capped and rotated) is the one file.
 */
static void
helper_log_read(struct bufferevent *bev, void *arg)
{
	struct bangerd	*d = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	const char	*tag = bev == d->priv_log ? "priv" :
	    bev == d->launch_log ? "launcher" : bev == d->web_log ? "web" :
	    "net";
	char		*line;
	size_t		 len, i;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		if (len > HELPER_LOG_LINE)
			line[len = HELPER_LOG_LINE] = '\0';
		for (i = 0; i < len; i++)
			if ((unsigned char)line[i] < 0x20 ||
			    (unsigned char)line[i] == 0x7f)
				line[i] = '?';
		log_info("%s: %s", tag, line);
		free(line);
	}
	if (evbuffer_get_length(in) > HELPER_LOG_LINE)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
helper_log_event(struct bufferevent *bev, short what, void *arg)
{
	struct bangerd	*d = arg;

	(void)what;
	if (bev == d->priv_log)
		d->priv_log = NULL;
	else if (bev == d->launch_log)
		d->launch_log = NULL;
	else if (bev == d->net_log)
		d->net_log = NULL;
	else if (bev == d->web_log)
		d->web_log = NULL;
	bufferevent_free(bev);
}

/* Read a helper's stderr pipe into bangerd's log; NULL on failure. */
struct bufferevent *
helper_log_open(struct bangerd *d, int fd)
{
	struct bufferevent	*bev;

	if ((bev = bufferevent_socket_new(d->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return NULL;
	}
	bufferevent_setcb(bev, helper_log_read, NULL, helper_log_event, d);
	bufferevent_setwatermark(bev, EV_READ, 0, HELPER_LOG_LINE * 4);
	bufferevent_enable(bev, EV_READ);
	return bev;
}
