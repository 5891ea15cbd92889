/*
 * cli — what the `bosun` commands share: flag parsing, the config file and
 * its contexts, the API client that turns errors into one line on stderr,
 * the table printer, output formats, and the Application helpers that
 * several `app` commands use.
 *
 * Exit codes: 0 success, 1 failure (the server said no, the app did not
 * sync), 2 usage errors and, for `app diff`, errors (as argocd).
 */
#ifndef BOSUN_CLI_H
#define BOSUN_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "buf.h"
#include "cli/cmd.h"
#include "err.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* ------------------------------------------------------------ flags */

enum cli_flag_type {
	CLI_BOOL,       /* --x, --x=true|false; *(int *)dst */
	CLI_STR,        /* --x V, --x=V, -x V; *(const char **)dst */
	CLI_LIST,       /* repeatable string; (struct cli_list *)dst */
	CLI_INT,        /* *(long *)dst */
};

struct cli_list {
	const char *v[64];
	int n;
};

struct cli_flag {
	const char *name;       /* long name without "--" */
	char short_name;        /* 0 for none */
	enum cli_flag_type type;
	void *dst;
};

/* Global flags every command takes (--server, --auth-token, --insecure,
 * --plaintext); filled by cli_parse. */
struct cli_globals {
	const char *server;
	const char *auth_token;
	int insecure;
	int plaintext;
	const char *config;     /* --config: another config file */
};
extern struct cli_globals cli_globals;

/*
 * Parses argv (argv[0] is the command's last word) against flags plus the
 * global flags; positional arguments are collected into args (at most
 * max_args, which must be >= nargs_max) and their count into *nargs. "--"
 * ends flags. Returns 0, or prints "bosun <name>: <why>" and the usage line
 * to stderr and returns -1. The strings point into argv.
 */
int cli_parse(const struct cmd_entry *cmd, int argc, char **argv,
	      const struct cli_flag *flags, const char **args, int max_args, int *nargs);
/* Prints "usage: bosun <name> <usage>" to f. */
void cli_usage(const struct cmd_entry *cmd, FILE *f);
/* Usage error: prints "bosun <name>: <msg>" and the usage line; returns CLI_USAGE. */
int cli_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "bosun: <msg>" on stderr; returns CLI_FAIL. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "K=V": splits at the first '=' into key (copied to buf of size) and value. */
int cli_split_kv(const char *s, char *key, size_t size, const char **value);
/* "30", "30s", "5m", "2h", "1d" to seconds; -1 when malformed. */
long cli_parse_duration(const char *s);

/* ------------------------------------------------------------ config */

/*
 * The config file (YAML, mode 0600): `current-context` and `contexts`, a
 * list of {name, server, auth-token, insecure}. Default path
 * $XDG_CONFIG_HOME/bosun/config or ~/.config/bosun/config; --config or
 * $BOSUN_CONFIG override it.
 */
struct cli_context {
	const char *name;
	const char *server;
	const char *token;
	int insecure;
};

/* The path; the caller frees it. */
char *cli_config_path(void);
/* Loads the file into a new document; a missing file gives an empty one.
 * BERR_INVALID names file:line:column. */
int cli_config_load(json_t **out, const char *path, struct berr *err);
/* Writes atomically (temp file + rename), mode 0600, creating the directory
 * (mode 0700). */
int cli_config_save(const json_t *cfg, const char *path, struct berr *err);
/* The named context (NULL: the current one); 0 or BERR_NOTFOUND. Strings
 * borrow from cfg. */
int cli_config_context(const json_t *cfg, const char *name, struct cli_context *out);
/* Adds or replaces a context and makes it current. */
void cli_config_set_context(json_t *cfg, const struct cli_context *ctx);
/* Removes a context (and the current-context if it was); 0 or BERR_NOTFOUND. */
int cli_config_remove_context(json_t *cfg, const char *name);

/* ------------------------------------------------------------ client */

struct cli_client;

/*
 * Connects to the server chosen by --server / $BOSUN_SERVER / the current
 * context, with the token from --auth-token / $BOSUN_AUTH_TOKEN / the
 * context. need_auth: fail early when there is no token. Prints why and
 * returns CLI_FAIL when there is no server.
 */
int cli_connect(struct cli_client **out, int need_auth);
/* A client for an explicit server and token (login). */
int cli_client_open(struct cli_client **out, const char *server, const char *token,
		    int insecure);
void cli_client_free(struct cli_client *c);
const char *cli_client_server(const struct cli_client *c);

/*
 * Sends method path (under the server; path includes /api/v1) with an
 * optional JSON body and stores the JSON answer in *out (may be NULL). On
 * any failure prints one line on stderr with a hint (unreachable server
 * with its URL, 401 "run 'bosun login'", 403 the permission, 404 the
 * message) and returns CLI_FAIL; 0 on success. *status gets the HTTP status
 * when status is not NULL (0 when the server was not reached).
 */
int cli_request(struct cli_client *c, const char *method, const char *path,
		const json_t *body, json_t **out, long *status);
/* Same without printing: *msg (size BERR_MSG_MAX) gets the error line. */
int cli_request_quiet(struct cli_client *c, const char *method, const char *path,
		      const json_t *body, json_t **out, long *status, char *msg);
/* Streams a server-sent event endpoint, calling fn with each event's data
 * (parsed JSON); fn returns nonzero to stop. */
int cli_stream(struct cli_client *c, const char *path,
	       int (*fn)(json_t *data, void *arg), void *arg);

/* Appends s percent-encoded (for a path segment or query value). */
void cli_escape(struct buf *out, const char *s);

/*
 * The body of every "rm/delete NAME..." command: parses argv as cmd's
 * arguments, then DELETEs <collection>/<escaped name> for each and prints
 * "<Label> 'name' <done>". `what` completes the usage error ("a project
 * NAME"). Returns the command's exit status.
 */
int cli_delete_each(const struct cmd_entry *cmd, int argc, char **argv, const char *what,
		    const char *collection, const char *label, const char *done);

/* ------------------------------------------------------------ output */

/* Rows of cells printed aligned, two spaces between columns (argocd's
 * tabwriter); the last column is not padded. */
struct table {
	int ncols;
	int nrows;
	int cap;
	char **cells;           /* nrows * ncols, owned */
};

void table_init(struct table *t, int ncols);
/* Adds a row; NULL cells print empty. */
void table_add(struct table *t, ...);        /* ncols const char * */
void table_addv(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *f);
/* The aligned text into out. */
void table_format(const struct table *t, struct buf *out);
void table_free(struct table *t);

enum cli_output { OUT_TABLE, OUT_WIDE, OUT_JSON, OUT_YAML, OUT_NAME };
/* "", "wide", "json", "yaml", "name": 0 and *out, or -1. */
int cli_output_parse(const char *s, enum cli_output *out);
/* Prints doc as indented JSON or YAML. */
void cli_print_doc(const json_t *doc, enum cli_output fmt);

/* 1 when stdout is a terminal and NO_COLOR is not set. */
int cli_color(void);
/* Reads a line from the terminal without echo (prompt on stderr) into out;
 * falls back to plain stdin when it is not a terminal. -1 on EOF. */
int cli_read_secret(const char *prompt, char *out, size_t size);
/* Asks a yes/no question on stderr, reading stdin; 1 yes. */
int cli_confirm(const char *question);

/* "" for NULL. */
static inline const char *nz(const char *s)
{
	return s ? s : "";
}

/* ------------------------------------------------------------ applications */

/* Converts an Argo CD Application (argoproj.io/v1alpha1) to Bosun's
 * apiVersion in place and drops what the API does not take (status,
 * operation, metadata.namespace of argocd's namespace). 0 or BERR_INVALID
 * naming what is wrong (kind, missing name). */
int app_manifest_convert(json_t *app, struct berr *err);

/* Masks a Secret in place (other objects are left alone): stringData folds
 * into data, then secret_mask() (lib/secret.h, as the API masks): every
 * value becomes "++++++++", so masked and unmasked copies compare equal,
 * and kubectl's last-applied annotation, which holds the values too, is
 * masked inside. */
void app_mask_secret(json_t *obj);

/* Application flags shared by `app create` and `app set`. */
struct app_flags {
	const char *repo, *path, *revision, *dest_server, *dest_name, *dest_namespace;
	const char *project, *sync_policy, *release_name;
	int auto_prune, self_heal, directory_recurse;
	struct cli_list sync_options, values, helm_set;
};
/* The struct cli_flag rows for app_flags (ended by a zero row); flags has
 * room for at least 16. Returns the number written. */
int app_flags_table(struct cli_flag *flags, struct app_flags *af);
/* Applies the flags that were given to spec (created when missing). */
int app_flags_apply(json_t *spec, const struct app_flags *af, struct berr *err);

/* cli_request for an application's routes: a 404 names the applications
 * whose names are close to name ("did you mean 'guestbook'?"). */
int app_request(struct cli_client *c, const char *method, const char *path, const json_t *body,
		json_t **out, const char *name);
/* Appends " (did you mean 'a', 'b'?)" for the names close to name. */
void app_suggest(struct buf *out, const char *name, const json_t *names);
/* GET the application; CLI_FAIL with the message printed. */
int app_fetch(struct cli_client *c, const char *name, const char *refresh, json_t **out);
/* The argocd `app get` summary block and resource table. */
void app_print_summary(const json_t *app, const char *server_url, int show_operation,
		       FILE *f);
void app_print_resources(const json_t *app, FILE *f);
/* The Operation/Phase/Message block of `app get --show-operation`. */
void app_print_operation(const json_t *app, FILE *f);
/* "/api/v1/applications/<name escaped><suffix>" into out. */
void app_path(struct buf *out, const char *name, const char *suffix);

/* Which run of an operation the app's status.operationState is, into out
 * ("" when there is none): the generation the controller read the operation
 * at, which no two runs share (startedAt has only seconds). */
void app_operation_id(char *out, size_t size, const json_t *app);

/* What app_wait waits for. */
enum { WAIT_SYNC = 1, WAIT_HEALTH = 2, WAIT_OPERATION = 4, WAIT_SUSPENDED = 8 };
/*
 * Polls the application until every condition holds or timeout_s passes
 * (0: no limit). With progress non-NULL it prints a line for each resource
 * of the operation as its state changes, skipping an operation state whose
 * app_operation_id equals progress (the one before ours; "" skips none). 0 when
 * reached; CLI_FAIL on timeout, when an operation ended Failed/Error, or
 * when waiting for health and the idle app is Degraded (each with what it
 * said). *final gets the last state (final may be NULL).
 */
int app_wait(struct cli_client *c, const char *name, unsigned what, long timeout_s,
	     const char *progress, json_t **final);

/* After a sync or rollback was requested (before: the app the request
 * answered, whose old operation state is not ours): follows it with progress lines,
 * prints the operation and resources, and (health) waits for health too.
 * 0 only when it Succeeded. */
int app_finish_operation(struct cli_client *c, const char *name, const json_t *before,
			 long timeout, int health);

/* GETs the app, calls edit on its spec (0 to write, else stop with that
 * code; it printed why) and PUTs the spec back, retrying on 409. */
int app_update_spec(struct cli_client *c, const char *name,
		    int (*edit)(json_t *spec, void *arg), void *arg);

/* Appends a unified diff (3 lines of context) of a_text to b_text under
 * "--- a_name" / "+++ b_name" headers, coloured when color; returns 1 when
 * they differ, 0 when not (and appends nothing). */
int textdiff_unified(struct buf *out, const char *a_text, const char *b_text,
		     const char *a_name, const char *b_name, int color);

/* ------------------------------------------------------------ repos, projects */

/* The argocd repository table (or -o json/yaml/name) of a list of repos. */
void repo_print(const json_t *items, enum cli_output fmt);
/* The argocd project table of a list of projects. */
void proj_print(const json_t *items, enum cli_output fmt);
/* "SERVER,NAMESPACE" to {"server", "namespace"}; -1 when malformed. */
int proj_dest_parse(const char *s, json_t **out);
/*
 * GETs project name, calls edit on its spec and PUTs it back, retrying when
 * it changed meanwhile. edit returns 0 to write, 1 to stop with a failure
 * (it printed why), -1 to stop with success. 0 or CLI_FAIL.
 */
int proj_update(struct cli_client *c, const char *name,
		int (*edit)(json_t *spec, void *arg), void *arg);

#endif
