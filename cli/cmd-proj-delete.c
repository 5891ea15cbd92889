/* cmd-proj-delete.c — `bosun proj delete NAME...` (refused by the server
 * while applications use the project). */
#include "cli/cli.h"

extern const struct cmd_entry cmd_proj_delete_entry;

static int proj_delete_exec(int argc, char **argv)
{
	return cli_delete_each(&cmd_proj_delete_entry, argc, argv, "a project NAME",
			       "/api/v1/projects", "Project", "deleted");
}

const struct cmd_entry cmd_proj_delete_entry = {
	.name = "proj delete",
	.usage = "NAME...",
	.summary = "delete projects",
	.exec = proj_delete_exec,
};
