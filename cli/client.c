/*
 * client.c — the CLI's one way to the API server. It picks the server and
 * token (flag, then environment, then the config file's current context),
 * sends JSON through lib/http's client and turns every failure into one
 * line on stderr that says what to do next: which URL could not be
 * reached, "run 'bosun login'" on 401, the missing permission on 403, the
 * server's own message otherwise. Commands then only return CLI_FAIL.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "http.h"
#include "version.h"

struct cli_client {
	struct http_client *http;
	char *server;
	char *token;
};

/* "host:port" gets https:// (http:// with --plaintext); trailing '/' goes. */
static char *normalise_server(const char *s)
{
	struct buf b = BUF_INIT;
	if (!strstr(s, "://"))
		buf_adds(&b, cli_globals.plaintext ? "http://" : "https://");
	buf_adds(&b, s);
	while (b.len > 0 && b.data[b.len - 1] == '/')
		buf_truncate(&b, b.len - 1);
	return buf_detach(&b, NULL);
}

int cli_client_open(struct cli_client **out, const char *server, const char *token,
		    int insecure)
{
	struct cli_client *c = xcalloc(1, sizeof(*c));
	c->server = normalise_server(server);
	c->token = token && *token ? xstrdup(token) : NULL;
	struct http_client_options o = {
		.base_url = c->server,
		.bearer_token = c->token,
		.insecure_skip_verify = insecure || cli_globals.insecure,
		.user_agent = "bosun-cli/" BOSUN_VERSION,
		.connect_timeout_ms = 10000,
		.timeout_ms = 120000,
	};
	struct berr err = BERR_INIT;
	if (http_client_new(&c->http, &o, &err) < 0) {
		cli_client_free(c);
		*out = NULL;
		return cli_error("%s", err.msg);
	}
	*out = c;
	return 0;
}

int cli_connect(struct cli_client **out, int need_auth)
{
	*out = NULL;
	const char *server = cli_globals.server, *token = cli_globals.auth_token;
	if (!server || !*server)
		server = getenv("BOSUN_SERVER");
	if (!token || !*token)
		token = getenv("BOSUN_AUTH_TOKEN");
	json_t *cfg = NULL;
	struct cli_context ctx = { 0 };
	char *path = cli_config_path();
	struct berr err = BERR_INIT;
	if (cli_config_load(&cfg, path, &err) < 0) {
		free(path);
		return cli_error("%s", err.msg);
	}
	free(path);
	int have_ctx = cli_config_context(cfg, NULL, &ctx) == 0;
	if (server && *server && have_ctx) {
		/* a token saved for this same server still applies */
		char *a = normalise_server(server), *b = normalise_server(ctx.server);
		have_ctx = !strcmp(a, b);
		free(a);
		free(b);
	}
	if (!server || !*server)
		server = have_ctx ? ctx.server : NULL;
	if ((!token || !*token) && have_ctx)
		token = ctx.token;
	int rc;
	if (!server || !*server) {
		rc = cli_error("no server: run 'bosun login SERVER' or set BOSUN_SERVER");
	} else if (need_auth && (!token || !*token)) {
		rc = cli_error("not logged in to '%s': run 'bosun login %s'", server, server);
	} else {
		rc = cli_client_open(out, server, token, have_ctx && ctx.insecure);
	}
	json_decref(cfg);
	return rc;
}

void cli_client_free(struct cli_client *c)
{
	if (!c)
		return;
	http_client_free(c->http);
	free(c->server);
	if (c->token) {
		memset(c->token, 0, strlen(c->token));
		free(c->token);
	}
	free(c);
}

const char *cli_client_server(const struct cli_client *c)
{
	return c->server;
}

void cli_escape(struct buf *out, const char *s)
{
	http_url_escape(out, s);
}

static void describe(struct cli_client *c, long status, const json_t *doc,
		     const struct http_client_response *rs, char *msg)
{
	const char *m = json_string_value(json_object_get(doc, "message"));
	if (!m)
		m = json_string_value(json_object_get(doc, "error"));
	char text[512];
	if (!m) {
		snprintf(text, sizeof(text), "%.*s", (int)(rs->body.len < 200 ? rs->body.len : 200),
			 rs->body.data);
		text[strcspn(text, "\r\n")] = 0;
		m = *text ? text : "no message";
	}
	/* 403 messages already name the missing permission */
	if (status == 401)
		snprintf(msg, BERR_MSG_MAX, "%s (run 'bosun login %s')", m, c->server);
	else
		snprintf(msg, BERR_MSG_MAX, "%s", m);
}

int cli_request_quiet(struct cli_client *c, const char *method, const char *path,
		      const json_t *body, json_t **out, long *status, char *msg)
{
	if (out)
		*out = NULL;
	if (status)
		*status = 0;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	const char *headers[] = { "Content-Type: application/json",
				  "Accept: application/json", NULL };
	struct http_client_request rq = { .method = method, .path = path, .headers = headers,
					  .body = text, .body_len = text ? strlen(text) : 0 };
	struct http_client_response rs = HTTP_CLIENT_RESPONSE_INIT;
	struct berr err = BERR_INIT;
	int rc = http_client_do(c->http, &rs, &rq, &err);
	if (text) {
		memset(text, 0, strlen(text));  /* may hold passwords */
		free(text);
	}
	if (rc < 0) {
		snprintf(msg, BERR_MSG_MAX, "cannot reach the API server at '%s': %s", c->server,
			 err.msg);
		http_client_response_release(&rs);
		return CLI_FAIL;
	}
	if (status)
		*status = rs.status;
	json_t *doc = rs.body.len ? json_loadb(rs.body.data, rs.body.len, 0, NULL) : NULL;
	if (rs.status < 200 || rs.status >= 300) {
		describe(c, rs.status, doc, &rs, msg);
		json_decref(doc);
		http_client_response_release(&rs);
		return CLI_FAIL;
	}
	if (!doc && rs.body.len) {
		snprintf(msg, BERR_MSG_MAX, "the API server at '%s' answered %s %s with malformed JSON",
			 c->server, method, path);
		http_client_response_release(&rs);
		return CLI_FAIL;
	}
	http_client_response_release(&rs);
	if (out)
		*out = doc ? doc : json_object();
	else
		json_decref(doc);
	return 0;
}

int cli_request(struct cli_client *c, const char *method, const char *path,
		const json_t *body, json_t **out, long *status)
{
	char msg[BERR_MSG_MAX];
	int rc = cli_request_quiet(c, method, path, body, out, status, msg);
	if (rc)
		cli_error("%s", msg);
	return rc;
}

struct sse {
	struct buf data;
	int (*fn)(json_t *data, void *arg);
	void *arg;
};

static int on_line(const char *line, size_t len, void *arg)
{
	struct sse *s = arg;
	if (len == 0) {
		int stop = 0;
		if (s->data.len) {
			json_t *doc = json_loadb(s->data.data, s->data.len, 0, NULL);
			if (doc)
				stop = s->fn(doc, s->arg);
			json_decref(doc);
		}
		buf_reset(&s->data);
		return stop;
	}
	if (len >= 5 && !strncmp(line, "data:", 5)) {
		line += 5;
		len -= 5;
		if (len && *line == ' ')
			line++, len--;
		if (s->data.len)
			buf_addch(&s->data, '\n');
		buf_add(&s->data, line, len);
	}
	return 0;
}

int cli_stream(struct cli_client *c, const char *path,
	       int (*fn)(json_t *data, void *arg), void *arg)
{
	const char *headers[] = { "Accept: text/event-stream", NULL };
	struct http_client_request rq = { .method = "GET", .path = path, .headers = headers,
					  .timeout_ms = 0 };
	struct http_client_response rs = HTTP_CLIENT_RESPONSE_INIT;
	struct berr err = BERR_INIT;
	struct sse s = { BUF_INIT, fn, arg };
	int rc = http_client_stream(c->http, &rs, &rq, on_line, &s, &err);
	buf_release(&s.data);
	if (rc < 0) {
		http_client_response_release(&rs);
		return cli_error("cannot reach the API server at '%s': %s", c->server, err.msg);
	}
	if (rs.status < 200 || rs.status >= 300) {
		char msg[BERR_MSG_MAX];
		json_t *doc = json_loadb(rs.body.data, rs.body.len, 0, NULL);
		describe(c, rs.status, doc, &rs, msg);
		json_decref(doc);
		http_client_response_release(&rs);
		return cli_error("%s", msg);
	}
	http_client_response_release(&rs);
	return 0;
}

int cli_delete_each(const struct cmd_entry *cmd, int argc, char **argv, const char *what,
		    const char *collection, const char *label, const char *done)
{
	const char *args[32];
	int n;
	if (cli_parse(cmd, argc, argv, NULL, args, 32, &n) < 0)
		return CLI_USAGE;
	if (n < 1)
		return cli_usage_error(cmd, "expects %s", what);
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct buf path = BUF_INIT;
		buf_addf(&path, "%s/", collection);
		cli_escape(&path, args[i]);
		if (cli_request(c, "DELETE", path.data, NULL, NULL, NULL))
			rc = CLI_FAIL;
		else
			printf("%s '%s' %s\n", label, args[i], done);
		buf_release(&path);
	}
	cli_client_free(c);
	return rc;
}
