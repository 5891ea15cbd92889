/* cmd-cluster-rm.c — `bosun cluster rm SERVER...`: forgets clusters. */
#include "cli/cli.h"

extern const struct cmd_entry cmd_cluster_rm_entry;

static int cluster_rm_exec(int argc, char **argv)
{
	const char *args[32];
	int n;
	if (cli_parse(&cmd_cluster_rm_entry, argc, argv, NULL, args, 32, &n) < 0)
		return CLI_USAGE;
	if (n < 1)
		return cli_usage_error(&cmd_cluster_rm_entry, "expects a cluster SERVER URL");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct buf path = BUF_INIT;
		buf_adds(&path, "/api/v1/clusters/");
		cli_escape(&path, args[i]);
		if (cli_request(c, "DELETE", path.data, NULL, NULL, NULL))
			rc = CLI_FAIL;
		else
			printf("Cluster '%s' removed\n", args[i]);
		buf_release(&path);
	}
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_cluster_rm_entry = {
	.name = "cluster rm",
	.usage = "SERVER...",
	.summary = "remove registered clusters",
	.exec = cluster_rm_exec,
};
