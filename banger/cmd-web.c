/*
 * banger web: the web view's address with its token, for the browser.
 * The view is bangerd's (banger-web, started when config.toml sets
 * web_listen_addr); this starts bangerd if needed, reads the token from
 * its 0600 file and prints the URL, but only once the listener on that
 * address is the user's own (weblisten.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "banger.h"
#include "config.h"
#include "exitcode.h"
#include "paths.h"
#include "webaddr.h"
#include "webtoken.h"

#define WEB_WAIT_MS	10000	/* for banger-web to listen */

static const struct cmd_opt web_opts[] = {
	{ NULL, 0, NULL, NULL }
};

static int
cmd_web_exec(const struct cmd_entry *e, struct args *a)
{
	struct paths	 p;
	struct config	 cfg;
	struct web_addr	 wa;
	struct client	 c;
	char		 err[1024], tok[WEB_TOKEN_LEN + 1];
	unsigned	 uid = 0;
	int		 rc, waited;

	(void)e;
	(void)a;
	if (paths_init(&p, err, sizeof(err)) == -1 ||
	    config_load(p.config_file, getenv("HOME"), &cfg, err,
	    sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return BEX_FAIL;
	}
	if (cfg.web_listen_addr[0] == '\0') {
		config_free(&cfg);
		cli_warnx("the web view is off: set web_listen_addr (e.g. "
		    "web_listen_addr = \"127.0.0.1:8080\") in %s",
		    p.config_file);
		return BEX_FAIL;
	}
	rc = web_addr_parse(cfg.web_listen_addr, &wa, err, sizeof(err));
	config_free(&cfg);
	if (rc == -1) {
		cli_warnx("web_listen_addr %s", err);
		return BEX_FAIL;
	}
	if ((rc = client_open_or_report(&c, 1)) != 0)
		return rc;
	client_close(&c);
	for (waited = 0; (rc = weblisten_uid(&wa, &uid)) == 0 &&
	    waited < WEB_WAIT_MS; waited += 100)
		usleep(100 * 1000);
	if (rc == 0) {
		cli_warnx("nothing listens on %s: bangerd reads "
		    "web_listen_addr when it starts (banger daemon stop, "
		    "then run banger web again); its log says more",
		    wa.hostport);
		return BEX_FAIL;
	}
	if (uid != getuid()) {
		cli_warnx("%s is held by uid %u, not by your banger-web: "
		    "another user may be waiting for your token; choose "
		    "another web_listen_addr", wa.hostport, uid);
		return BEX_FAIL;
	}
	if (web_token_read(p.web_token, tok, err, sizeof(err)) == -1) {
		cli_warnx("web token %s", err);
		return BEX_FAIL;
	}
	printf("http://%s/?token=%s\n", wa.hostport, tok);
	return BEX_OK;
}

const struct cmd_entry cmd_web_entry = {
	.name = "web",
	.usage = "",
	.summary = "print the web view's address, with its token",
	.opts = web_opts,
	.min_pos = 0,
	.max_pos = 0,
	.exec = cmd_web_exec,
};
