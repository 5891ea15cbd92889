/*
 * daemon.c — data dir, atomic files, signals, shared options (daemon.h).
 *
 * Files are written to "<path>.tmp.<pid>" then renamed, and fsync'd first,
 * because tests and scripts poll for ports.json and kubeconfig.yaml and must
 * never read them half-written, even after a crash.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

int daemon_ensure_dir(const char *dir, mode_t mode, struct berr *err)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return berr_set(err, BERR_INVALID, "path too long: '%s'", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST)
			return berr_set(err, BERR_IO, "cannot create directory '%s': %s",
					path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return berr_set(err, BERR_IO, "cannot create directory '%s': %s",
				path, strerror(errno));
	return 0;
}

int daemon_write_file(const char *path, const void *data, size_t len,
		      mode_t mode, struct berr *err)
{
	struct buf tmp = BUF_INIT;
	buf_addf(&tmp, "%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		berr_set(err, BERR_IO, "cannot write '%s': %s", path, strerror(errno));
		buf_release(&tmp);
		return BERR_IO;
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	int ok = !left && fchmod(fd, mode) == 0 && fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!ok || rename(tmp.data, path) < 0) {
		if (ok)
			saved = errno;
		unlink(tmp.data);
		buf_release(&tmp);
		return berr_set(err, BERR_IO, "cannot write '%s': %s", path, strerror(saved));
	}
	buf_release(&tmp);
	return 0;
}

int daemon_write_ports(const char *data_dir, const struct daemon_ports *ports,
		       struct berr *err)
{
	json_t *o = json_object();
	if (ports->api >= 0)
		json_object_set_new(o, "api", json_integer(ports->api));
	if (ports->cluster >= 0)
		json_object_set_new(o, "cluster", json_integer(ports->cluster));
	if (ports->repo_server >= 0)
		json_object_set_new(o, "repoServer", json_integer(ports->repo_server));
	if (ports->controller >= 0)
		json_object_set_new(o, "controller", json_integer(ports->controller));
	char *text = json_dumps(o, JSON_SORT_KEYS);
	json_decref(o);
	struct buf path = BUF_INIT;
	buf_addf(&path, "%s/ports.json", data_dir);
	int rc = daemon_write_file(path.data, text, strlen(text), 0644, err);
	buf_release(&path);
	free(text);
	return rc;
}

static sigset_t stop_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return set;
}

void daemon_block_signals(void)
{
	sigset_t set = stop_signals();
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int daemon_wait_for_signal(void)
{
	sigset_t set = stop_signals();
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	return sig;
}

int daemon_parse_port(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 65535)
		return -1;
	return (int)v;
}

long daemon_parse_duration_ms(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v >= 0) || v > 1e9)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return (long)(v * 1000);
	if (!strcmp(end, "ms"))
		return (long)v;
	if (!strcmp(end, "m"))
		return (long)(v * 60000);
	return -1;
}

/* Bytes with an optional K/M/G (and i, B) suffix: "512", "64K", "256MiB". */
static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	unsigned long long mult = 1;
	if (*end == 'K' || *end == 'k')
		mult = 1ULL << 10, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1ULL << 20, end++;
	else if (*end == 'G' || *end == 'g')
		mult = 1ULL << 30, end++;
	if (*end == 'i')
		end++;
	if (*end && strcmp(end, "B"))
		return -1;
	if (v > ~0ULL / mult)
		return -1;
	*out = (size_t)(v * mult);
	return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || !*s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Stores v as o says; -1 when v is not a value of its kind. */
static int store_option(const struct daemon_opt *o, const char *v)
{
	long n;
	switch (o->kind) {
	case DAEMON_OPT_STRING:
		*(const char **)o->out = v;
		return 0;
	case DAEMON_OPT_PORT:
		return (*(int *)o->out = daemon_parse_port(v)) < 0 ? -1 : 0;
	case DAEMON_OPT_DURATION:
		return (*(long *)o->out = daemon_parse_duration_ms(v)) < 0 ? -1 : 0;
	case DAEMON_OPT_INT:
		if (parse_long(v, o->min, o->max, &n) < 0)
			return -1;
		*(int *)o->out = (int)n;
		return 0;
	case DAEMON_OPT_LONG:
		return parse_long(v, o->min, o->max, (long *)o->out);
	case DAEMON_OPT_UINT:
		if (parse_long(v, o->min, o->max, &n) < 0)
			return -1;
		*(unsigned *)o->out = (unsigned)n;
		return 0;
	case DAEMON_OPT_SIZE:
		return parse_size(v, (size_t *)o->out);
	}
	return -1;
}

int daemon_parse_options(const char *role, int argc, char **argv, const struct daemon_opt *opts)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		const struct daemon_opt *o = opts;
		while (o->name && (strlen(o->name) != n || strncmp(o->name, a, n)))
			o++;
		if (!o->name) {
			fprintf(stderr, "bosund %s: unknown option '%.*s'\n", role, (int)n, a);
			return -1;
		}
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!v) {
			fprintf(stderr, "bosund %s: option '%s' needs a value\n", role, o->name);
			return -1;
		}
		if (store_option(o, v) < 0) {
			fprintf(stderr, "bosund %s: invalid value '%s' for '%s'\n", role, v, o->name);
			return -1;
		}
	}
	return 0;
}

/* Value of "--name=value" or "--name value"; advances *i past it. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "bosund: option '%s' needs a value\n", name);
		return "";
	}
	return argv[++*i];
}

int daemon_common_options(int argc, char **argv, const char **data_dir)
{
	enum log_level level = LOG_INFO;
	enum log_format format = LOG_TEXT;
	const char *lv = getenv("BOSUN_LOG_LEVEL"), *fv = getenv("BOSUN_LOG_FORMAT");
	int out = 1;
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = option_value(argc, argv, &i, "--data-dir"))) {
			*data_dir = v;
		} else if ((v = option_value(argc, argv, &i, "--log-level"))) {
			lv = v;
		} else if ((v = option_value(argc, argv, &i, "--log-format"))) {
			fv = v;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (!*v)
			return -1;
	}
	if (lv && log_parse_level(lv, &level) < 0) {
		fprintf(stderr, "bosund: unknown log level '%s' (debug, info, warn, error)\n", lv);
		return -1;
	}
	if (fv && log_parse_format(fv, &format) < 0) {
		fprintf(stderr, "bosund: unknown log format '%s' (text, json)\n", fv);
		return -1;
	}
	log_setup(level, format);
	argv[out] = NULL;
	return out;
}
