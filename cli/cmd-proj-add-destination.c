/* cmd-proj-add-destination.c — `bosun proj add-destination PROJECT SERVER
 * NAMESPACE [--name]`: permits one more destination (globs). */
#include <string.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_proj_add_destination_entry;

struct dest {
	const char *server;
	const char *ns;
	int by_name;
};

int proj_dest_parse(const char *s, json_t **out)
{
	const char *comma = strrchr(s, ',');
	if (!comma || comma == s)
		return -1;
	char server[2048];
	snprintf(server, sizeof(server), "%.*s", (int)(comma - s), s);
	*out = json_pack("{s:s, s:s}", "server", server, "namespace", comma + 1);
	return 0;
}

static int add_dest(json_t *spec, void *arg)
{
	struct dest *d = arg;
	const char *key = d->by_name ? "name" : "server";
	json_t *list = json_object_get(spec, "destinations");
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(spec, "destinations", list);
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
		if (!strcmp(nz(doc_get_str(e, key)), d->server) &&
		    !strcmp(nz(doc_get_str(e, "namespace")), d->ns)) {
			fprintf(stderr, "bosun: destination '%s,%s' is already permitted\n",
				d->server, d->ns);
			return 1;
		}
	json_array_append_new(list, json_pack("{s:s, s:s}", key, d->server, "namespace", d->ns));
	return 0;
}

static int proj_add_destination_exec(int argc, char **argv)
{
	const char *args[3];
	int n, by_name = 0;
	struct cli_flag flags[] = {
		{ "name", 0, CLI_BOOL, &by_name },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_proj_add_destination_entry, argc, argv, flags, args, 3, &n) < 0)
		return CLI_USAGE;
	if (n != 3)
		return cli_usage_error(&cmd_proj_add_destination_entry,
				       "expects PROJECT, SERVER and NAMESPACE");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	struct dest d = { args[1], args[2], by_name };
	int rc = proj_update(c, args[0], add_dest, &d);
	cli_client_free(c);
	if (!rc)
		printf("Project '%s' updated\n", args[0]);
	return rc;
}

const struct cmd_entry cmd_proj_add_destination_entry = {
	.name = "proj add-destination",
	.usage = "PROJECT SERVER NAMESPACE [--name]",
	.summary = "permit a destination (cluster and namespace) in a project",
	.exec = proj_add_destination_exec,
};
