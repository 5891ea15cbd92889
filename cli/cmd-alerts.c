/* cmd-alerts.c — `bosun alerts`: drift, failed-sync and degraded-health
 * alerts as a table; --follow streams new ones, one line each, until
 * interrupted. */
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_alerts_entry;

static int print_alert(json_t *a, void *arg)
{
	(void)arg;
	printf("%s  %-14s %-20s %s\n", nz(doc_get_str(a, "time")), nz(doc_get_str(a, "type")),
	       nz(doc_get_str(a, "app")), nz(doc_get_str(a, "message")));
	fflush(stdout);
	return 0;
}

static const char *type_reason(const char *t)
{
	if (!strcmp(t, "drift"))
		return "Drift";
	if (!strcmp(t, "sync-failed"))
		return "SyncFailed";
	if (!strcmp(t, "health-degraded"))
		return "HealthDegraded";
	if (!strcmp(t, "deployed"))
		return "Deployed";
	return NULL;
}

static int alerts_exec(int argc, char **argv)
{
	const char *app = NULL, *type = NULL, *since = NULL, *output = NULL, *args[1];
	int n, follow = 0;
	struct cli_flag flags[] = {
		{ "app", 0, CLI_STR, &app },
		{ "type", 0, CLI_STR, &type },
		{ "since", 0, CLI_STR, &since },
		{ "follow", 'f', CLI_BOOL, &follow },
		{ "watch", 'w', CLI_BOOL, &follow },
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_alerts_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0 || fmt == OUT_NAME)
		return cli_usage_error(&cmd_alerts_entry, "invalid output '%s'", output);
	const char *reason = type ? type_reason(type) : NULL;
	if (type && !reason)
		return cli_usage_error(&cmd_alerts_entry,
				       "invalid --type '%s': want drift, sync-failed or health-degraded",
				       type);
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	struct buf path = BUF_INIT;
	int rc;
	if (follow) {
		buf_adds(&path, "/api/v1/stream/alerts?lastEventId=0");
		if (app) {
			buf_adds(&path, "&app=");
			cli_escape(&path, app);
		}
		rc = cli_stream(c, path.data, print_alert, NULL);
	} else {
		buf_adds(&path, "/api/v1/alerts?");
		if (app) {
			buf_adds(&path, "app=");
			cli_escape(&path, app);
			buf_addch(&path, '&');
		}
		if (reason)
			buf_addf(&path, "type=%s&", reason);
		if (since) {
			long secs = cli_parse_duration(since);
			buf_adds(&path, "since=");
			if (secs >= 0) {
				char t[32];
				time_t when = time(NULL) - secs;
				strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", gmtime(&when));
				cli_escape(&path, t);
			} else {
				cli_escape(&path, since);
			}
		}
		json_t *res;
		rc = cli_request(c, "GET", path.data, NULL, &res, NULL);
		if (!rc && (fmt == OUT_JSON || fmt == OUT_YAML)) {
			cli_print_doc(json_object_get(res, "items"), fmt);
		} else if (!rc) {
			struct table t;
			table_init(&t, 5);
			table_add(&t, "TIME", "TYPE", "APP", "COUNT", "MESSAGE");
			size_t i;
			json_t *a;
			json_array_foreach(json_object_get(res, "items"), i, a) {
				char count[24];
				snprintf(count, sizeof(count), "%lld",
					 (long long)doc_get_int(a, "count", 1));
				table_add(&t, doc_get_str(a, "time"), doc_get_str(a, "type"),
					  doc_get_str(a, "app"), count, doc_get_str(a, "message"));
			}
			table_print(&t, stdout);
			table_free(&t);
		}
		if (!rc)
			json_decref(res);
	}
	buf_release(&path);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_alerts_entry = {
	.name = "alerts",
	.usage = "[--app NAME] [--type drift|sync-failed|health-degraded] [--since DURATION|TIME] "
		 "[--follow] [-o json|yaml]",
	.summary = "list drift and failure alerts, or follow them live",
	.exec = alerts_exec,
};
