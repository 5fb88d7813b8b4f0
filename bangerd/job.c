/*
 * banger-fetch jobs: bangerd asks the launcher to run banger-fetch for a
 * VM, reads its status lines ("progress TEXT", "error TEXT", and from
 * mkdisk "disk-ready") from a pipe and hears of its exit from the
 * launcher.  A job's output is the product of files it read, so each
 * line is bounded and relayed as text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bangerd.h"
#include "log.h"

#define JOB_LINE_MAX	1024

static struct job *
job_find(struct bangerd *d, int64_t vm_id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &d->jobs, entry)
		if (j->vm_id == vm_id)
			return j;
	return NULL;
}

static void
job_line(struct job *j, const char *line)
{
	struct vm	*vm;
	job_ready_fn	 ready;

	if (strncmp(line, "progress ", 9) == 0) {
		if (j->vm_id == IMAGE_JOB_ID)
			client_progress(j->d->image_client, "%s", line + 9);
		else if ((vm = vm_find_id(j->d, j->vm_id)) != NULL)
			client_progress(vm->runner, "%s", line + 9);
	} else if (strncmp(line, "error ", 6) == 0)
		snprintf(j->error, sizeof(j->error), "%s", line + 6);
	else if (strcmp(line, "disk-ready") == 0) {
		if ((ready = j->ready) != NULL) {
			j->ready = NULL;	/* once */
			ready(j->d, j->vm_id);
		}
	} else
		log_warnx("banger-fetch: unexpected status line");
}

static void
job_read(struct bufferevent *bev, void *arg)
{
	struct job	*j = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		if (len > JOB_LINE_MAX)
			line[JOB_LINE_MAX] = '\0';
		job_line(j, line);
		free(line);
	}
	if (evbuffer_get_length(in) > JOB_LINE_MAX)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
job_event(struct bufferevent *bev, short what, void *arg)
{
	struct job	*j = arg;

	(void)bev;
	(void)what;
	/* EOF: the job's end comes from the launcher. */
	bufferevent_disable(j->status, EV_READ);
}

int
job_start(struct bangerd *d, int64_t vm_id, char **argv, size_t argc,
    int logfd, job_done_fn done)
{
	struct job	*j;
	int		 p[2], fds[2];

	if (d->fetch_bin[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (job_find(d, vm_id) != NULL) {
		errno = EBUSY;
		return -1;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	if (pipe2(p, O_CLOEXEC) == -1) {
		free(j);
		return -1;
	}
	fds[0] = logfd;
	fds[1] = p[1];
	if (launch_tool(d, LAUNCH_TOOL_FETCH, vm_id, fds, 2, argv, argc) ==
	    -1) {
		close(p[0]);
		close(p[1]);
		free(j);
		return -1;
	}
	close(p[1]);
	j->d = d;
	j->vm_id = vm_id;
	j->done = done;
	j->status = bufferevent_socket_new(d->base, p[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (j->status != NULL) {
		bufferevent_setcb(j->status, job_read, NULL, job_event, j);
		bufferevent_setwatermark(j->status, EV_READ, 0,
		    JOB_LINE_MAX * 4);
		bufferevent_enable(j->status, EV_READ);
	} else
		close(p[0]);
	TAILQ_INSERT_TAIL(&d->jobs, j, entry);
	return 0;
}

/* Call fn when vm_id's job says its disk may be opened (mkdisk). */
void
job_on_ready(struct bangerd *d, int64_t vm_id, job_ready_fn fn)
{
	struct job	*j;

	if ((j = job_find(d, vm_id)) != NULL)
		j->ready = fn;
}

void
job_exited(struct bangerd *d, struct launch_exited *ex)
{
	struct job	*j;
	int		 ok;

	if ((j = job_find(d, ex->vm_id)) == NULL)
		return;
	/* Take what the job said before it went away. */
	if (j->status != NULL)
		job_read(j->status, j);
	ok = ex->status == 0 && ex->signo == 0;
	if (!ok && j->error[0] == '\0')
		snprintf(j->error, sizeof(j->error), "banger-fetch exited "
		    "with %s %lld", ex->signo ? "signal" : "status",
		    ex->signo ? (long long)ex->signo : (long long)ex->status);
	TAILQ_REMOVE(&d->jobs, j, entry);
	if (j->status != NULL)
		bufferevent_free(j->status);
	j->done(d, j->vm_id, ok, j->error);
	free(j);
}
