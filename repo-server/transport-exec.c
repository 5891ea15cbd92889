/*
 * transport-exec.c — git's pack protocol over the pipes of a child process,
 * as a libgit2 smart subtransport (stateful: rpc = 0): OpenSSH's `ssh` for
 * ssh URLs, as git itself does, and `git upload-pack` for local
 * repositories.
 *
 * Local repositories: libgit2's local transport builds the pack itself and
 * is slow at it (a 10,000-commit history: 2.6 s where `git clone --mirror`
 * takes 0.4 s), so an absolute path or file:// URL is served by `git
 * upload-pack DIR` when git is installed, and by libgit2 otherwise.
 *
 * Why not libssh2 (libgit2's own ssh): Debian 12's libssh2 1.10 signs with
 * ssh-rsa (SHA-1) only, which OpenSSH servers refuse since 8.8, so RSA keys
 * fail against any current server; it also knows no host certificates and
 * its known_hosts handling is ours to write. `ssh` signs with rsa-sha2-256/
 * 512, takes ed25519, ecdsa and RSA keys in OpenSSH or PEM form, and checks
 * known_hosts (hashed entries, [host]:port, @revoked, @cert-authority) the
 * way users expect. The price is a process per fetch, small next to a
 * fetch. When no `ssh` can be found (BOSUN_SSH names another client),
 * mirror.c falls back to libssh2.
 *
 * Per subtransport a private 0700 directory (under the mirror store, or
 * $TMPDIR for connection tests) holds the key (0600), the known_hosts text
 * and, for a key with a passphrase, the passphrase and an askpass script
 * that prints it (SSH_ASKPASS_REQUIRE=force): no secret is ever on a command
 * line or in the environment. The directory is removed when the fetch ends.
 * ssh runs with `-F /dev/null` and explicit options, so neither the user's
 * ~/.ssh/config, agent nor default keys take part:
 *
 *   ssh -F /dev/null -T -x -a -o IdentitiesOnly=yes -o IdentityAgent=none
 *       -o IdentityFile=DIR/key -o UserKnownHostsFile=DIR/known_hosts
 *       -o StrictHostKeyChecking=yes (insecure: no, known hosts /dev/null)
 *       [-l USER] [-p PORT] -- HOST "git-upload-pack 'PATH'"
 *
 * stdin and stdout are pipes, stderr a file read back when something fails
 * to tell a refused host key from a refused user key or a missing
 * repository. Reads wait with poll() up to the session's deadline.
 */
#include "repo-server/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "err.h"

extern char **environ;

#define MAX_STDERR 8192
#define CONNECT_TIMEOUT_S 30

struct ssh_stream;

struct ssh_sub {
	git_smart_subtransport parent;
	struct transport_session *s;
	struct ssh_stream *current;
	char *dir;              /* private directory of the key files; NULL until made */
	char *host;             /* for messages */
	int local;              /* git upload-pack on this machine, not ssh */
};

struct ssh_stream {
	git_smart_subtransport_stream parent;
	struct ssh_sub *sub;
	pid_t pid;
	int to_ssh, from_ssh, err_fd;
	int exited, status;
};

static pthread_once_t find_once = PTHREAD_ONCE_INIT;
static char *ssh_program;       /* absolute paths, or NULL when there is none */
static char *git_program;

/* `want` itself when it holds a '/', else the first one on PATH. */
static char *find_program(const char *want)
{
	if (strchr(want, '/'))
		return access(want, X_OK) == 0 ? xstrdup(want) : NULL;
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin"), *save = NULL, *found = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		struct buf p = BUF_INIT;
		buf_addf(&p, "%s/%s", *d ? d : ".", want);
		if (access(p.data, X_OK) == 0)
			found = buf_detach(&p, NULL);
		buf_release(&p);
	}
	free(copy);
	return found;
}

static void find_programs(void)
{
	const char *ssh = getenv("BOSUN_SSH");
	ssh_program = find_program(ssh && *ssh ? ssh : "ssh");
	git_program = find_program("git");
}

int transport_ssh_available(void)
{
	pthread_once(&find_once, find_programs);
	return ssh_program != NULL;
}

const char *transport_local_path(const char *url)
{
	pthread_once(&find_once, find_programs);
	if (!git_program)
		return NULL;
	const char *path = !strncmp(url, "file://", 7) ? url + 7 : url;
	/* relative paths and %-escapes are left to libgit2 */
	return path[0] == '/' && !strchr(path, '%') ? path : NULL;
}

int transport_ssh_url(const char *url)
{
	if (!strncmp(url, "ssh://", 6) || !strncmp(url, "git+ssh://", 10)
	    || !strncmp(url, "ssh+git://", 10))
		return 1;
	if (strstr(url, "://") || url[0] == '/')
		return 0;
	const char *colon = strchr(url, ':');
	return colon && colon > url && !memchr(url, '/', colon - url);
}

/* --- the URL --------------------------------------------------------------- */

struct ssh_target {
	char *user, *host, *port, *path;
};

static void target_free(struct ssh_target *t)
{
	free(t->user);
	free(t->host);
	free(t->port);
	free(t->path);
}

/* ssh://[user@]host[:port]/path, or scp-like [user@]host:path. */
static int parse_url(struct ssh_target *t, const char *url, struct transport_session *s)
{
	const char *p = strstr(url, "://"), *end;
	memset(t, 0, sizeof(*t));
	if (p) {
		p += 3;
		end = p + strcspn(p, "/");
	} else {
		p = url;
		end = strchr(url, ':');
	}
	const char *at = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			at = q;
	if (at) {
		if (at > p)
			t->user = xstrndup(p, at - p);
		p = at + 1;
	}
	const char *host_end = end;
	if (*p == '[') {
		const char *close = memchr(p, ']', end - p);
		if (!close)
			return transport_fail(s, BERR_INVALID, "unbalanced '[' in the host");
		t->host = xstrndup(p + 1, close - p - 1);
		host_end = close + 1;
	} else if (strstr(url, "://")) {
		const char *colon = memchr(p, ':', end - p);
		if (colon)
			host_end = colon;
		t->host = xstrndup(p, host_end - p);
	} else {
		t->host = xstrndup(p, end - p);
	}
	if (strstr(url, "://") && host_end < end && *host_end == ':' && host_end + 1 < end)
		t->port = xstrndup(host_end + 1, end - host_end - 1);
	if (strstr(url, "://"))
		t->path = xstrdup(!strncmp(end, "/~", 2) ? end + 1 : end);
	else
		t->path = xstrdup(end + 1);
	if (!*t->host || !*t->path)
		return transport_fail(s, BERR_INVALID, "no host or no path in the ssh URL");
	if (t->host[0] == '-' || (t->user && t->user[0] == '-'))
		return transport_fail(s, BERR_INVALID, "a host or user starting with '-' is refused");
	if (t->port && strspn(t->port, "0123456789") != strlen(t->port))
		return transport_fail(s, BERR_INVALID, "port '%s' is not a number", t->port);
	for (const char *q = t->path; *q; q++)
		if ((unsigned char)*q < 0x20)
			return transport_fail(s, BERR_INVALID, "a control character in the path");
	return 0;
}

/* --- the private directory ---------------------------------------------------- */

static int write_secret(struct ssh_sub *sub, const char *name, const char *text,
			int newline, mode_t mode)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/%s", sub->dir, name);
	int fd = open(p.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	buf_release(&p);
	if (fd < 0)
		return transport_fail(sub->s, BERR_IO, "cannot write ssh key files: %s", strerror(errno));
	size_t len = strlen(text);
	int ok = write(fd, text, len) == (ssize_t)len;
	if (ok && newline && (len == 0 || text[len - 1] != '\n'))
		ok = write(fd, "\n", 1) == 1;
	if (close(fd) < 0)
		ok = 0;
	if (!ok)
		return transport_fail(sub->s, BERR_IO, "cannot write ssh key files");
	return 0;
}

static int make_dir(struct ssh_sub *sub)
{
	const char *root = sub->s->tmp_dir;
	if (!root || !*root)
		root = getenv("TMPDIR");
	if (!root || !*root)
		root = "/tmp";
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/ssh-XXXXXX", root);
	if (!mkdtemp(p.data)) {
		int e = errno;
		buf_release(&p);
		return transport_fail(sub->s, BERR_IO, "cannot create a directory for ssh key "
				      "files in '%s': %s", root, strerror(e));
	}
	sub->dir = buf_detach(&p, NULL);
	const struct repo_creds *cr = sub->local ? NULL : sub->s->creds;
	if (cr && cr->ssh_private_key && *cr->ssh_private_key
	    && write_secret(sub, "key", cr->ssh_private_key, 1, 0600) < 0)
		return -1;
	if (cr && cr->ssh_known_hosts && !cr->insecure
	    && write_secret(sub, "known_hosts", cr->ssh_known_hosts, 1, 0600) < 0)
		return -1;
	if (cr && cr->ssh_passphrase && *cr->ssh_passphrase) {
		struct buf script = BUF_INIT;
		buf_addf(&script, "#!/bin/sh\nexec cat '%s/passphrase'\n", sub->dir);
		int rc = write_secret(sub, "passphrase", cr->ssh_passphrase, 1, 0600);
		if (rc == 0)
			rc = write_secret(sub, "askpass", script.data, 0, 0700);
		buf_release(&script);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void remove_dir(struct ssh_sub *sub)
{
	if (!sub->dir)
		return;
	static const char *const names[] = { "key", "known_hosts", "passphrase", "askpass", "stderr" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct buf p = BUF_INIT;
		buf_addf(&p, "%s/%s", sub->dir, names[i]);
		unlink(p.data);
		buf_release(&p);
	}
	rmdir(sub->dir);
	free(sub->dir);
	sub->dir = NULL;
}

/* --- the process --------------------------------------------------------------- */

/* Appends `s` to a shell word in single quotes, as git quotes the path. */
static void sq_quote(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

struct argv {
	char **v;
	size_t n, cap;
};

static void arg(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct argv *a, const char *fmt, ...)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 32;
		a->v = xrealloc(a->v, a->cap * sizeof(char *));
	}
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	a->v[a->n++] = buf_detach(&b, NULL);
	a->v[a->n] = NULL;
}

static void argv_free(struct argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* -oOPTION="DIR/NAME", quoted for ssh's option parser and with '%' doubled
 * so ssh expands no token inside a data dir's path. */
static void path_option(struct argv *a, const char *option, const char *dir, const char *name)
{
	struct buf b = BUF_INIT;
	buf_addf(&b, "-o%s=\"", option);
	for (const char *p = dir; *p; p++)
		buf_adds(&b, *p == '%' ? "%%" : *p == '"' ? "" : (char[2]){ *p, 0 });
	buf_addf(&b, "/%s\"", name);
	arg(a, "%s", b.data);
	buf_release(&b);
}

static void build_args(struct argv *a, struct ssh_sub *sub, const struct ssh_target *t)
{
	const struct repo_creds *cr = sub->s->creds;
	int has_key = cr && cr->ssh_private_key && *cr->ssh_private_key;
	int has_pass = cr && cr->ssh_passphrase && *cr->ssh_passphrase;
	long connect = CONNECT_TIMEOUT_S;
	if (sub->s->deadline > 0) {
		double left = sub->s->deadline - clock_s();
		if (left < connect)
			connect = left < 1 ? 1 : (long)left;
	}
	arg(a, "%s", ssh_program);
	arg(a, "-F");
	arg(a, "/dev/null");
	arg(a, "-T");
	arg(a, "-x");
	arg(a, "-a");
	arg(a, "-oBatchMode=%s", has_pass ? "no" : "yes");
	arg(a, "-oIdentitiesOnly=yes");
	arg(a, "-oIdentityAgent=none");
	if (has_key) {
		path_option(a, "IdentityFile", sub->dir, "key");
	} else {
		arg(a, "-oPubkeyAuthentication=no");
	}
	arg(a, "-oPasswordAuthentication=no");
	arg(a, "-oKbdInteractiveAuthentication=no");
	arg(a, "-oNumberOfPasswordPrompts=1");
	if (cr && cr->insecure) {
		arg(a, "-oStrictHostKeyChecking=no");
		arg(a, "-oUserKnownHostsFile=/dev/null");
	} else {
		arg(a, "-oStrictHostKeyChecking=yes");
		if (cr && cr->ssh_known_hosts)
			path_option(a, "UserKnownHostsFile", sub->dir, "known_hosts");
		else
			arg(a, "-oUserKnownHostsFile=/dev/null");
	}
	arg(a, "-oGlobalKnownHostsFile=/dev/null");
	arg(a, "-oUpdateHostKeys=no");
	arg(a, "-oCheckHostIP=no");
	arg(a, "-oControlMaster=no");
	arg(a, "-oControlPath=none");
	arg(a, "-oClearAllForwardings=yes");
	arg(a, "-oConnectTimeout=%ld", connect);
	arg(a, "-oServerAliveInterval=15");
	arg(a, "-oServerAliveCountMax=4");
	arg(a, "-oLogLevel=ERROR");
	const char *user = t->user ? t->user : cr && cr->username && *cr->username
		? cr->username : "git";
	arg(a, "-l");
	arg(a, "%s", user);
	if (t->port) {
		arg(a, "-p");
		arg(a, "%s", t->port);
	}
	arg(a, "--");
	arg(a, "%s", t->host);
	struct buf cmd = BUF_INIT;
	buf_adds(&cmd, "git-upload-pack ");
	sq_quote(&cmd, t->path);
	arg(a, "%s", cmd.data);
	buf_release(&cmd);
}

/* environ without what could steer ssh elsewhere, plus the askpass set-up. */
static char **child_env(struct ssh_sub *sub, struct argv *keep)
{
	static const char *const drop[] = { "SSH_AUTH_SOCK=", "SSH_ASKPASS=",
					    "SSH_ASKPASS_REQUIRE=", "DISPLAY=", "GIT_DIR=",
					    "GIT_WORK_TREE=", "GIT_OBJECT_DIRECTORY=",
					    "GIT_ALTERNATE_OBJECT_DIRECTORIES=", "GIT_NAMESPACE=",
					    "GIT_PROTOCOL=", "GIT_CONFIG_PARAMETERS=",
					    "GIT_CONFIG_COUNT=", "GIT_INDEX_FILE=" };
	for (char **e = environ; *e; e++) {
		int skip = 0;
		for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
			if (!strncmp(*e, drop[i], strlen(drop[i])))
				skip = 1;
		if (!skip)
			arg(keep, "%s", *e);
	}
	const struct repo_creds *cr = sub->s->creds;
	if (cr && cr->ssh_passphrase && *cr->ssh_passphrase) {
		arg(keep, "SSH_ASKPASS=%s/askpass", sub->dir);
		arg(keep, "SSH_ASKPASS_REQUIRE=force");
	}
	if (!keep->v)
		arg(keep, "PATH=/usr/bin:/bin");
	return keep->v;
}

static int spawn(struct ssh_stream *st, const struct ssh_target *t)
{
	struct ssh_sub *sub = st->sub;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	struct buf errpath = BUF_INIT;
	struct argv args = { 0 }, env = { 0 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	int rc = -1;

	buf_addf(&errpath, "%s/stderr", sub->dir);
	st->err_fd = open(errpath.data, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	buf_release(&errpath);
	if (st->err_fd < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		transport_fail(sub->s, BERR_IO, "cannot set up pipes for ssh: %s", strerror(errno));
		goto out;
	}
	if (sub->local) {
		arg(&args, "%s", git_program);
		arg(&args, "upload-pack");
		arg(&args, "%s", t->path);
	} else {
		build_args(&args, sub, t);
	}
	child_env(sub, &env);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, st->err_fd, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int e = posix_spawn(&st->pid, args.v[0], &fa, &attr, args.v, env.v);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e) {
		transport_fail(sub->s, BERR_IO, "cannot run '%s': %s", args.v[0], strerror(e));
		st->pid = 0;
		goto out;
	}
	st->to_ssh = in[1];
	st->from_ssh = out[0];
	in[1] = out[0] = -1;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	argv_free(&args);
	argv_free(&env);
	return rc;
}

/* Waits for ssh to end, at most `ms` milliseconds; 1 when it has. */
static int reap(struct ssh_stream *st, int ms)
{
	if (st->exited || !st->pid)
		return 1;
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(st->pid, &st->status, WNOHANG);
		if (r == st->pid || (r < 0 && errno == ECHILD)) {
			st->exited = 1;
			return 1;
		}
		if (waited >= ms)
			return 0;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* What ssh said on stderr, NUL-terminated, control characters blanked. */
static void read_stderr(struct ssh_stream *st, char *out, size_t cap)
{
	ssize_t n = pread(st->err_fd, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\r' || *p == '\t')
			*p = ' ';
}

/* The last non-empty line of `text`, trimmed, in `line`. */
static void last_line(char *line, size_t cap, const char *text)
{
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	while (start < end && *start == ' ')
		start++;
	snprintf(line, cap, "%.*s", (int)(end - start), start);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

/* ssh or the remote side failed: says why from stderr and the exit status. */
static int ssh_error(struct ssh_stream *st)
{
	struct ssh_sub *sub = st->sub;
	struct transport_session *s = sub->s;
	const struct repo_creds *cr = s->creds;
	char err[MAX_STDERR], line[256];
	if (s->code)
		return -1;
	if (!reap(st, 2000)) {
		kill(st->pid, SIGKILL);
		reap(st, 1000);
	}
	read_stderr(st, err, sizeof(err));
	last_line(line, sizeof(line), err);
	if (strstr(err, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
		return transport_fail(s, BERR_AUTH, "host key of '%s' does not match its "
				      "known_hosts entry", sub->host);
	if (strstr(err, "REVOKED HOST KEY"))
		return transport_fail(s, BERR_AUTH, "host key of '%s' is revoked in known_hosts",
				      sub->host);
	if (strstr(err, "Host key verification failed"))
		return transport_fail(s, BERR_AUTH, cr && cr->ssh_known_hosts
				      ? "host key of '%s' is not in known_hosts"
				      : "host key of '%s' cannot be checked: give its known_hosts "
				      "entry, or set insecure", sub->host);
	if (strstr(err, "Load key") || strstr(err, "invalid format")
	    || strstr(err, "incorrect passphrase"))
		return transport_fail(s, BERR_INVALID, "the SSH private key cannot be used%s: %s",
				      cr && cr->ssh_passphrase ? " (or its passphrase is wrong)" : "",
				      line);
	if (strstr(err, "Permission denied"))
		return transport_fail(s, BERR_AUTH, "authentication failed: %s",
				      cr && cr->ssh_private_key && *cr->ssh_private_key
				      ? "the server refused the key"
				      : "the repository requires credentials and none were given");
	if (strstr(err, "not a git repository") || strstr(err, "does not appear to be a git")
	    || strstr(err, "does not exist"))
		return transport_fail(s, BERR_NOTFOUND, "repository not found: %s", line);
	if (line[0])
		return transport_fail(s, BERR_IO, "%s", line);
	if (st->exited && WIFEXITED(st->status))
		return transport_fail(s, BERR_IO, "ssh exited with status %d",
				      WEXITSTATUS(st->status));
	return transport_fail(s, BERR_IO, "ssh ended the connection");
}

/* --- the stream ------------------------------------------------------------------- */

static int wait_fd(struct ssh_stream *st, int fd, short events)
{
	struct transport_session *s = st->sub->s;
	for (;;) {
		int ms = -1;
		if (s->deadline > 0) {
			double left = s->deadline - clock_s();
			if (left <= 0) {
				s->timed_out = 1;
				return transport_fail(s, BERR_LIMIT, "timed out");
			}
			ms = (int)(left * 1000) + 1;
		}
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return transport_fail(s, BERR_IO, "poll: %s", strerror(errno));
	}
}

static int stream_read(git_smart_subtransport_stream *stream, char *buffer,
		       size_t size, size_t *bytes_read)
{
	struct ssh_stream *st = (struct ssh_stream *)stream;
	*bytes_read = 0;
	for (;;) {
		if (wait_fd(st, st->from_ssh, POLLIN) < 0)
			return -1;
		ssize_t n = read(st->from_ssh, buffer, size);
		if (n > 0) {
			*bytes_read = (size_t)n;
			return 0;
		}
		if (n == 0) {
			/* the end: fine if ssh and the remote git ended well */
			if (reap(st, 2000) && WIFEXITED(st->status) && WEXITSTATUS(st->status) == 0)
				return 0;
			return ssh_error(st);
		}
		if (errno != EINTR && errno != EAGAIN)
			return transport_fail(st->sub->s, BERR_IO, "reading from ssh: %s",
					      strerror(errno));
	}
}

/* write() with SIGPIPE held back for this thread: a dead ssh gives EPIPE. */
static ssize_t write_nosigpipe(int fd, const char *p, size_t len)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	ssize_t n = write(fd, p, len);
	int e = errno;
	if (n < 0 && e == EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}

static int stream_write(git_smart_subtransport_stream *stream, const char *data, size_t len)
{
	struct ssh_stream *st = (struct ssh_stream *)stream;
	while (len > 0) {
		if (wait_fd(st, st->to_ssh, POLLOUT) < 0)
			return -1;
		ssize_t n = write_nosigpipe(st->to_ssh, data, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno == EPIPE ? ssh_error(st)
				: transport_fail(st->sub->s, BERR_IO, "writing to ssh: %s",
						 strerror(errno));
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void stream_free(git_smart_subtransport_stream *stream)
{
	struct ssh_stream *st = (struct ssh_stream *)stream;
	if (st->to_ssh >= 0)
		close(st->to_ssh);      /* the remote upload-pack sees EOF and ends */
	if (st->from_ssh >= 0)
		close(st->from_ssh);
	if (st->pid && !reap(st, 2000)) {
		kill(st->pid, SIGKILL);
		reap(st, 5000);
	}
	if (st->err_fd >= 0)
		close(st->err_fd);
	if (st->sub->current == st)
		st->sub->current = NULL;
	free(st);
}

/* --- the subtransport -------------------------------------------------------------- */

static int sub_action(git_smart_subtransport_stream **out, git_smart_subtransport *t,
		      const char *url, git_smart_service_t action)
{
	struct ssh_sub *sub = (struct ssh_sub *)t;
	*out = NULL;
	if (action == GIT_SERVICE_UPLOADPACK) {
		if (!sub->current)
			return transport_fail(sub->s, BERR_IO, "upload-pack without a connection");
		*out = &sub->current->parent;
		return 0;
	}
	if (action != GIT_SERVICE_UPLOADPACK_LS)
		return transport_fail(sub->s, BERR_UNSUPPORTED, "pushing is not supported");
	struct ssh_target target = { 0 };
	int rc = 0;
	if (sub->local) {
		const char *path = transport_local_path(url);
		if (!path)
			return transport_fail(sub->s, BERR_UNSUPPORTED, "git is not installed");
		target.path = xstrdup(path);
	} else if (!transport_ssh_available()) {
		return transport_fail(sub->s, BERR_UNSUPPORTED, "OpenSSH's ssh is not installed");
	} else {
		rc = parse_url(&target, url, sub->s);
	}
	if (rc == 0 && !sub->dir)
		rc = make_dir(sub);
	if (rc < 0) {
		target_free(&target);
		return -1;
	}
	free(sub->host);
	sub->host = xstrdup(target.host ? target.host : "localhost");
	struct ssh_stream *st = xcalloc(1, sizeof(*st));
	st->parent.subtransport = t;
	st->parent.read = stream_read;
	st->parent.write = stream_write;
	st->parent.free = stream_free;
	st->sub = sub;
	st->to_ssh = st->from_ssh = st->err_fd = -1;
	rc = spawn(st, &target);
	target_free(&target);
	if (rc < 0) {
		stream_free(&st->parent);
		return -1;
	}
	sub->current = st;
	*out = &st->parent;
	return 0;
}

static int sub_close(git_smart_subtransport *t)
{
	(void)t;
	return 0;
}

static void sub_free(git_smart_subtransport *t)
{
	struct ssh_sub *sub = (struct ssh_sub *)t;
	if (sub->current)
		stream_free(&sub->current->parent);
	remove_dir(sub);
	free(sub->host);
	free(sub);
}

static struct ssh_sub *sub_new(void *param, int local)
{
	struct ssh_sub *sub = xcalloc(1, sizeof(*sub));
	sub->parent.action = sub_action;
	sub->parent.close = sub_close;
	sub->parent.free = sub_free;
	sub->s = param;
	sub->local = local;
	return sub;
}

int transport_ssh_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	(void)owner;
	*out = &sub_new(param, 0)->parent;   /* a missing ssh shows at the first action */
	return 0;
}

int transport_local_new(git_smart_subtransport **out, git_transport *owner, void *param)
{
	(void)owner;
	*out = &sub_new(param, 1)->parent;   /* a missing git shows at the first action */
	return 0;
}
