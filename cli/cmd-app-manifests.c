/* cmd-app-manifests.c — `bosun app manifests NAME`: the manifests git
 * renders (--source git, the default) or the live objects (--source live),
 * as a YAML stream. Secrets come masked from the server. */
#include <string.h>

#include "cli/cli.h"
#include "yaml.h"

extern const struct cmd_entry cmd_app_manifests_entry;

static void print_text(const char *text, int *first)
{
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	if (!doc)
		return;
	app_mask_secret(doc);
	struct buf b = BUF_INIT;
	yaml_write_flags(&b, doc, YAML_WRITE_JSON_NUMBERS);
	printf("%s%s", *first ? "" : "---\n", b.data);
	*first = 0;
	buf_release(&b);
	json_decref(doc);
}

static int app_manifests_exec(int argc, char **argv)
{
	const char *source = "git", *revision = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "source", 0, CLI_STR, &source },
		{ "revision", 0, CLI_STR, &revision },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_manifests_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_app_manifests_entry, "expects the application NAME");
	int live = !strcmp(source, "live");
	if (!live && strcmp(source, "git"))
		return cli_usage_error(&cmd_app_manifests_entry,
				       "invalid --source '%s': want git or live", source);
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	struct buf path = BUF_INIT;
	app_path(&path, args[0], live ? "/managed-resources" : "/manifests");
	if (revision && !live) {
		buf_adds(&path, "?revision=");
		cli_escape(&path, revision);
	}
	json_t *res;
	int rc = app_request(c, "GET", path.data, NULL, &res, args[0]);
	buf_release(&path);
	cli_client_free(c);
	if (rc)
		return rc;
	int first = 1;
	size_t i;
	json_t *m;
	if (live)
		json_array_foreach(json_object_get(res, "items"), i, m)
			print_text(json_string_value(json_object_get(m, "liveState")), &first);
	else
		json_array_foreach(json_object_get(res, "manifests"), i, m)
			print_text(json_string_value(m), &first);
	json_decref(res);
	return 0;
}

const struct cmd_entry cmd_app_manifests_entry = {
	.name = "app manifests",
	.usage = "NAME [--source git|live] [--revision R]",
	.summary = "print an application's manifests from git or the cluster",
	.exec = app_manifests_exec,
};
