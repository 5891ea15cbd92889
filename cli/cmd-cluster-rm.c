/* cmd-cluster-rm.c — `bosun cluster rm SERVER...`: forgets clusters. */
#include "cli/cli.h"

extern const struct cmd_entry cmd_cluster_rm_entry;

static int cluster_rm_exec(int argc, char **argv)
{
	return cli_delete_each(&cmd_cluster_rm_entry, argc, argv, "a cluster SERVER URL",
			       "/api/v1/clusters", "Cluster", "removed");
}

const struct cmd_entry cmd_cluster_rm_entry = {
	.name = "cluster rm",
	.usage = "SERVER...",
	.summary = "remove registered clusters",
	.exec = cluster_rm_exec,
};
