/* cmd-version.c — `bosun version`: the client's version. */
#include <stdio.h>

#include "cli/cmd.h"
#include "version.h"

static int cmd_version_exec(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("bosun: v%s\n", BOSUN_VERSION);
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.summary = "print the client version",
	.exec = cmd_version_exec,
};
