/* cmd-repo-rm.c — `bosun repo rm URL...`: forgets repositories. */
#include "cli/cli.h"

extern const struct cmd_entry cmd_repo_rm_entry;

static int repo_rm_exec(int argc, char **argv)
{
	return cli_delete_each(&cmd_repo_rm_entry, argc, argv, "a repository URL",
			       "/api/v1/repositories", "Repository", "removed");
}

const struct cmd_entry cmd_repo_rm_entry = {
	.name = "repo rm",
	.usage = "URL...",
	.summary = "remove registered repositories",
	.exec = repo_rm_exec,
};
