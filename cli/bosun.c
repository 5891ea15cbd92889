/*
 * bosun — the command-line client. main() finds the command in the table
 * (cli/cmd.c) and runs it; everything else lives in the cmd-*.c files.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		cmd_print_usage(NULL);
		return argc < 2 ? 2 : 0;
	}
	int used = 0;
	const struct cmd_entry *c = cmd_find(argc - 1, argv + 1, &used);
	if (!c)
		return 2;
	return c->exec(argc - used, argv + used);
}
