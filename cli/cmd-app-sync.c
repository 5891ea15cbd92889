/* cmd-app-sync.c — `bosun app sync NAME`: asks for a sync, then follows it
 * (one line per resource as it changes, hooks and waves in order) until it
 * ends and the app is healthy; exit 0 only then. --async returns at once. */
#include <string.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_sync_entry;

/* "GROUP:KIND:NAME" or "GROUP:KIND:NAMESPACE/NAME". */
static int parse_resource(const char *s, json_t **out)
{
	const char *c1 = strchr(s, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || c2 == c1 + 1 || !c2[1] || strchr(c2 + 1, ':'))
		return -1;
	char group[256], kind[256], ns[256] = "";
	snprintf(group, sizeof(group), "%.*s", (int)(c1 - s), s);
	snprintf(kind, sizeof(kind), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	const char *name = c2 + 1, *slash = strchr(name, '/');
	if (slash) {
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - name), name);
		name = slash + 1;
	}
	if (!*name)
		return -1;
	*out = json_pack("{s:s, s:s, s:s, s:s}", "group", group, "kind", kind, "namespace", ns,
			 "name", name);
	return 0;
}

int app_finish_operation(struct cli_client *c, const char *name, const json_t *before,
			 long timeout, int health)
{
	json_t *app;
	unsigned what = WAIT_OPERATION | (health ? WAIT_HEALTH | WAIT_SUSPENDED : 0);
	char old[64];
	app_operation_id(old, sizeof(old), before);
	int rc = app_wait(c, name, what, timeout, old, &app);
	if (app) {
		putchar('\n');
		app_print_operation(app, stdout);
		putchar('\n');
		app_print_resources(app, stdout);
		const char *phase = doc_get_str(app, "status.operationState.phase");
		if (!rc && phase && strcmp(phase, "Succeeded"))
			rc = cli_error("operation of '%s' ended %s: %s", name, phase,
				       nz(doc_get_str(app, "status.operationState.message")));
	}
	json_decref(app);
	return rc;
}

static int app_sync_exec(int argc, char **argv)
{
	const char *revision = NULL, *timeout_s = NULL, *args[1];
	struct cli_list resources = { 0 }, options = { 0 };
	int n, prune = 0, dry = 0, async = 0;
	struct cli_flag flags[] = {
		{ "prune", 0, CLI_BOOL, &prune },
		{ "dry-run", 0, CLI_BOOL, &dry },
		{ "revision", 0, CLI_STR, &revision },
		{ "resource", 0, CLI_LIST, &resources },
		{ "sync-option", 0, CLI_LIST, &options },
		{ "async", 0, CLI_BOOL, &async },
		{ "timeout", 0, CLI_STR, &timeout_s },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_sync_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_app_sync_entry, "expects the application NAME");
	long timeout = timeout_s ? cli_parse_duration(timeout_s) : 0;
	if (timeout < 0)
		return cli_usage_error(&cmd_app_sync_entry, "invalid --timeout '%s'", timeout_s);
	json_t *body = json_pack("{s:b, s:b}", "prune", prune, "dryRun", dry);
	if (revision)
		json_object_set_new(body, "revision", json_string(revision));
	if (resources.n) {
		json_t *list = json_array();
		for (int i = 0; i < resources.n; i++) {
			json_t *r;
			if (parse_resource(resources.v[i], &r) < 0) {
				json_decref(list);
				json_decref(body);
				return cli_usage_error(&cmd_app_sync_entry,
						       "invalid --resource '%s': want GROUP:KIND:NAME",
						       resources.v[i]);
			}
			json_array_append_new(list, r);
		}
		json_object_set_new(body, "resources", list);
	}
	if (options.n) {
		json_t *list = json_array();
		for (int i = 0; i < options.n; i++)
			json_array_append_new(list, json_string(options.v[i]));
		json_object_set_new(body, "syncOptions", list);
	}
	struct cli_client *c;
	if (cli_connect(&c, 1)) {
		json_decref(body);
		return CLI_FAIL;
	}
	struct buf path = BUF_INIT;
	app_path(&path, args[0], "/sync");
	json_t *before = NULL;
	int rc = app_request(c, "POST", path.data, body, &before, args[0]);
	buf_release(&path);
	json_decref(body);
	if (!rc && async)
		printf("sync of '%s' requested\n", args[0]);
	else if (!rc)
		rc = app_finish_operation(c, args[0], before, timeout, !dry);
	json_decref(before);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_app_sync_entry = {
	.name = "app sync",
	.usage = "NAME [--prune] [--dry-run] [--revision R] [--resource GROUP:KIND:NAME]... "
		 "[--sync-option K=V]... [--async] [--timeout DURATION]",
	.summary = "sync an application and follow it until it is done",
	.exec = app_sync_exec,
};
