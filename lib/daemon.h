/*
 * daemon — what every `bosund` role does alike: its options (the shared
 * ones, then its own from a table), the data dir, files written atomically
 * (ports.json, kubeconfig.yaml, admin-password), and waiting for
 * SIGINT/SIGTERM to shut down cleanly.
 *
 * Threads: call daemon_block_signals() in main before starting any thread,
 * so that only daemon_wait_for_signal() receives SIGINT/SIGTERM.
 */
#ifndef BOSUN_DAEMON_H
#define BOSUN_DAEMON_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Creates dir (and parents) with mode if missing. */
int daemon_ensure_dir(const char *dir, mode_t mode, struct berr *err);

/* Writes data to path through a temporary file and rename(2), so readers
 * never see a half-written file; the file gets `mode` (0600 for secrets). */
int daemon_write_file(const char *path, const void *data, size_t len,
		      mode_t mode, struct berr *err);

/*
 * Writes <data_dir>/ports.json: {"api":N,"cluster":N,"repoServer":N,
 * "controller":N} with only the parts given (a port < 0 is left out).
 */
struct daemon_ports {
	int api, cluster, repo_server, controller;
};
#define DAEMON_PORTS_NONE { -1, -1, -1, -1 }
int daemon_write_ports(const char *data_dir, const struct daemon_ports *ports,
		       struct berr *err);

void daemon_block_signals(void);
/* Blocks until SIGINT or SIGTERM arrives; returns the signal number. */
int daemon_wait_for_signal(void);

/*
 * Parses the options every role shares: --data-dir, --log-level,
 * --log-format. Consumes them from argv in place (other options stay, in
 * order) and returns the new argc, or -1 after printing an error.
 */
int daemon_common_options(int argc, char **argv, const char **data_dir);

/* What a role's own option takes, and where it goes. */
enum daemon_opt_kind {
	DAEMON_OPT_STRING,      /* const char **: the argument as it is */
	DAEMON_OPT_PORT,        /* int *: 0..65535 */
	DAEMON_OPT_DURATION,    /* long *: milliseconds, from "1.5s", "250ms", "2m" or seconds */
	DAEMON_OPT_INT,         /* int *: an integer in [min, max] */
	DAEMON_OPT_LONG,        /* long *: an integer in [min, max] */
	DAEMON_OPT_UINT,        /* unsigned *: an integer in [min, max] */
	DAEMON_OPT_SIZE,        /* size_t *: bytes, "512", "64K", "256MiB", "4G" */
};

struct daemon_opt {
	const char *name;       /* "--port"; NULL ends a table */
	enum daemon_opt_kind kind;
	void *out;
	long min, max;          /* the integer kinds */
};

/*
 * Parses a role's own options after daemon_common_options(): `--name VALUE`
 * or `--name=VALUE`, each one of `opts`. Returns 0, 1 when -h or --help was
 * asked (nothing parsed), or -1 after an error on stderr that names the
 * role and the option ("bosund ROLE: invalid value 'x' for '--port'").
 */
int daemon_parse_options(const char *role, int argc, char **argv, const struct daemon_opt *opts);

/* Parses a port number (0..65535) from s; -1 when it is not one. */
int daemon_parse_port(const char *s);

/* Parses a duration: "1.5s", "250ms", "2m", or a bare number of seconds.
 * Returns milliseconds, or -1 when s is not a duration. */
long daemon_parse_duration_ms(const char *s);

#endif
