/*
 * Docker credential helpers (credHelpers, credsStore) for `image pull`:
 * the helper is the user's own program, so the CLI, which runs as the
 * user and outside any sandbox, runs it (`docker-credential-NAME get`,
 * the registry on stdin) and hands banger-fetch what it answered as a
 * one-entry auth file of its own (0600, in the runtime directory,
 * removed when the pull is over).  banger-fetch never runs a program a
 * file names.  The answer is less trusted bytes: bounded and parsed
 * strictly.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "banger.h"
#include "credhelper.h"
#include "fdutil.h"
#include "paths.h"

#define HELPER_OUT_MAX	(64 * 1024)	/* bytes of a helper's answer */
#define HELPER_NAME_MAX	64

/* A helper's name: what docker-credential- may be followed by. */
static int
helper_name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return i > 0 && i <= HELPER_NAME_MAX && s[0] != '.';
}

/*
 * key of an auths or credHelpers object names host, in docker's forms
 * (a scheme, a "/v1/" tail; Docker Hub's three names).
 */
int
cred_key_names(const char *key, const char *host)
{
	char	 k[300];
	size_t	 n;

	if (strncasecmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncasecmp(key, "http://", 7) == 0)
		key += 7;
	snprintf(k, sizeof(k), "%s", key);
	n = strlen(k);
	if (n > 4 && strcmp(k + n - 4, "/v1/") == 0)
		k[n - 4] = '\0';
	else if (n > 3 && strcmp(k + n - 3, "/v1") == 0)
		k[n - 3] = '\0';
	else if (n > 1 && k[n - 1] == '/')
		k[n - 1] = '\0';
	if (strcasecmp(k, host) == 0)
		return 1;
	return strcmp(host, "registry-1.docker.io") == 0 &&
	    (strcasecmp(k, "docker.io") == 0 ||
	    strcasecmp(k, "index.docker.io") == 0);
}

/*
 * The helper the credentials file at path names for host, into name:
 * credHelpers' entry for it (in any of docker's spellings; "" meaning
 * the file itself), else credsStore.  1 if there is one, 0 if none, -1
 * when the file names a bad one.
 */
static int
helper_for(const char *path, const char *host, char *name, size_t len)
{
	json_t		*j, *h, *v;
	const char	*s = NULL, *key;
	int		 rc = 0;

	if ((j = json_load_file(path, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;	/* banger-fetch says what is wrong with it */
	if (json_is_object(h = json_object_get(j, "credHelpers")))
		json_object_foreach(h, key, v)
			if (s == NULL && cred_key_names(key, host))
				s = json_is_string(v) ? json_string_value(v) :
				    "-";
	if (s == NULL && (v = json_object_get(j, "credsStore")) != NULL)
		s = json_is_string(v) ? json_string_value(v) : "-";
	if (s != NULL && s[0] != '\0') {
		rc = helper_name_ok(s) ? 1 : -1;
		if (rc == -1)
			cli_warnx("%s names a credential helper that is not "
			    "a plain name: \"%.64s\"", path, s);
		else
			snprintf(name, len, "%s", s);
	}
	json_decref(j);
	return rc;
}

/*
 * `docker-credential-NAME get` with server on its stdin: its stdout (at
 * most HELPER_OUT_MAX bytes, NUL-terminated) in out, 0; 1 when it has
 * no credentials for server; -1 after a message (not found, failed, too
 * much).
 */
static int
helper_run(const char *name, const char *server, char *out, size_t len,
    size_t *got)
{
	char	 prog[HELPER_NAME_MAX + 32];
	int	 in[2], outp[2], st;
	size_t	 n = 0;
	ssize_t	 r;
	pid_t	 pid;

	snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(outp, O_CLOEXEC) == -1) {
		cli_warn("pipe");
		return -1;
	}
	if ((pid = fork()) == -1) {
		cli_warn("fork");
		return -1;
	}
	if (pid == 0) {
		if (dup2(in[0], 0) == -1 || dup2(outp[1], 1) == -1)
			_exit(127);
		execlp(prog, prog, "get", (char *)NULL);
		fprintf(stderr, "banger: %s: %s\n", prog, errno == ENOENT ?
		    "no such program in PATH (your docker or podman "
		    "configuration names this credential helper)" :
		    strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	/* A helper that does not read its stdin must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	(void)write_all(in[1], server, strlen(server));
	close(in[1]);
	while ((r = read(outp[0], out + n, len - 1 - n)) > 0 && n + (size_t)r <
	    len - 1)
		n += (size_t)r;
	if (r > 0)
		n += (size_t)r;
	close(outp[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	out[n] = '\0';
	*got = n;
	if (n >= len - 1) {
		cli_warnx("%s get: more than %zu bytes of answer", prog,
		    len - 1);
		return -1;
	}
	/* Docker's answer for a registry the store has nothing for. */
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && strncmp(out,
	    "credentials not found in native keychain", 40) == 0)
		return 1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		cli_warnx("%s get %s failed (%s %d)%s%.200s", prog, server,
		    WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ?
		    WEXITSTATUS(st) : WTERMSIG(st), n > 0 ? ": " : "", out);
		return -1;
	}
	return 0;
}

/* The helper's answer {"Username", "Secret", ...}: user and secret. */
static int
answer_parse(const char *buf, size_t len, const char *prog, char **user,
    char **secret)
{
	json_error_t	 je;
	json_t		*j, *u, *s;
	int		 rc = -1;

	if ((j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(j)) {
		cli_warnx("%s get: its answer is not a JSON object", prog);
		json_decref(j);
		return -1;
	}
	u = json_object_get(j, "Username");
	s = json_object_get(j, "Secret");
	if (!json_is_string(u) || !json_is_string(s) ||
	    json_string_length(s) == 0 || json_string_length(u) > 1024 ||
	    json_string_length(s) > 16384 || strchr(json_string_value(u),
	    ':') != NULL) {
		cli_warnx("%s get: its answer has no usable Username and "
		    "Secret", prog);
		goto out;
	}
	/* An identity token is for an OAuth exchange banger does not do. */
	if (strcmp(json_string_value(u), "<token>") == 0) {
		cli_warnx("%s get: it gave an identity token, which banger "
		    "cannot use yet (only a user name and a secret)", prog);
		goto out;
	}
	if ((*user = strdup(json_string_value(u))) == NULL ||
	    (*secret = strdup(json_string_value(s))) == NULL) {
		free(*user);
		cli_warnx("out of memory");
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* A new 0600 file in the runtime directory holding the auths entry. */
static int
write_auth(const char *host, const char *user, const char *secret,
    char *tmp, size_t len)
{
	struct paths	 p;
	json_t		*j;
	char		 err[256], *up, *b64, *text = NULL;
	size_t		 n;
	int		 fd, rc = -1;

	if (paths_init(&p, err, sizeof(err)) == -1) {
		cli_warnx("%s", err);
		return -1;
	}
	n = strlen(user) + 1 + strlen(secret);
	if ((up = malloc(n + 1)) == NULL || (b64 = malloc(4 * ((n + 2) /
	    3) + 1)) == NULL) {
		free(up);
		cli_warnx("out of memory");
		return -1;
	}
	snprintf(up, n + 1, "%s:%s", user, secret);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)up, (int)n);
	explicit_bzero(up, n);
	free(up);
	j = json_pack("{s:{s:{s:s}}}", "auths", host, "auth", b64);
	explicit_bzero(b64, strlen(b64));
	free(b64);
	if (j == NULL || (text = json_dumps(j, 0)) == NULL) {
		json_decref(j);
		cli_warnx("out of memory");
		return -1;
	}
	json_decref(j);
	snprintf(tmp, len, "%s/auth-XXXXXX", p.runtime_dir);
	/* Only into a directory that is the user's alone (as client.c). */
	if (mkdir(p.runtime_dir, 0700) == -1 && errno != EEXIST)
		cli_warn("%s", p.runtime_dir);
	else if (paths_check_private(p.runtime_dir, getuid(), err,
	    sizeof(err)) != 0)
		cli_warnx("%s", err);
	else if ((fd = mkstemp(tmp)) == -1)
		cli_warn("%s", tmp);
	else {
		if (fchmod(fd, 0600) == 0 && write_all(fd, text,
		    strlen(text)) == (ssize_t)strlen(text))
			rc = 0;
		else
			cli_warn("%s", tmp);
		close(fd);
		if (rc == -1)
			(void)unlink(tmp);
	}
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc == -1)
		tmp[0] = '\0';
	return rc;
}

int
cred_helper_auth(const char *path, const char *host, char *tmp, size_t len)
{
	char		 name[HELPER_NAME_MAX + 1], prog[HELPER_NAME_MAX + 32];
	char		 server[300], *buf, *user = NULL, *secret = NULL;
	size_t		 got;
	int		 rc;

	tmp[0] = '\0';
	if ((rc = helper_for(path, host, name, sizeof(name))) != 1)
		return rc == 0 ? 1 : -1;
	/* Docker Hub's helpers answer to its old name. */
	if (strcmp(host, "registry-1.docker.io") == 0)
		snprintf(server, sizeof(server), "https://index.docker.io/v1/");
	else
		snprintf(server, sizeof(server), "%s", host);
	snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	if ((buf = malloc(HELPER_OUT_MAX + 1)) == NULL) {
		cli_warnx("out of memory");
		return -1;
	}
	if ((rc = helper_run(name, server, buf, HELPER_OUT_MAX + 1, &got)) ==
	    1)
		rc = 2;		/* none for this registry: anonymous */
	else if (rc == 0 && answer_parse(buf, got, prog, &user, &secret) ==
	    -1)
		rc = -1;
	else if (rc == 0)
		rc = write_auth(host, user, secret, tmp, len);
	explicit_bzero(buf, HELPER_OUT_MAX + 1);
	free(buf);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	free(user);
	return rc;
}
