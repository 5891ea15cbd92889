/*
 * bosun — the command-line client. main() finds the command in the table
 * (cli/cmd.c) and runs it; everything else lives in the cmd-*.c files.
 * Global flags may come before the command too (`bosun --server S app
 * list`): they are moved behind the command's words so that every command
 * parses them the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"

/* 1 for a global flag that takes a value, 0 for a boolean one, -1 when s
 * is no global flag. */
static int global_flag(const char *s)
{
	static const char *const with_value[] = { "--server", "--auth-token", "--config", NULL };
	static const char *const booleans[] = { "--insecure", "--plaintext", NULL };
	for (int i = 0; with_value[i]; i++) {
		size_t n = strlen(with_value[i]);
		if (!strncmp(s, with_value[i], n) && (!s[n] || s[n] == '='))
			return s[n] ? 0 : 1;
	}
	for (int i = 0; booleans[i]; i++) {
		size_t n = strlen(booleans[i]);
		if (!strncmp(s, booleans[i], n) && (!s[n] || s[n] == '='))
			return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int lead = 1;
	while (lead < argc && global_flag(argv[lead]) >= 0)
		lead += 1 + (global_flag(argv[lead]) == 1 && lead + 1 < argc);
	if (lead >= argc || !strcmp(argv[lead], "-h") || !strcmp(argv[lead], "--help") ||
	    !strcmp(argv[lead], "help")) {
		cmd_print_usage(NULL);
		printf("\nglobal flags (before or after the command):\n"
		       "  --server URL  --auth-token TOKEN  --insecure  --plaintext  --config FILE\n"
		       "environment: BOSUN_SERVER, BOSUN_AUTH_TOKEN, BOSUN_CONFIG, NO_COLOR\n");
		return lead >= argc ? 2 : 0;
	}
	/* a group word alone ("bosun app") lists the group's commands */
	if (lead + 1 == argc) {
		size_t len = strlen(argv[lead]);
		for (int i = 0; cmd_table[i]; i++)
			if (!strncmp(cmd_table[i]->name, argv[lead], len) &&
			    cmd_table[i]->name[len] == ' ') {
				char prefix[64];
				snprintf(prefix, sizeof(prefix), "%s ", argv[lead]);
				cmd_print_usage(prefix);
				return 2;
			}
	}
	int used = 0;
	const struct cmd_entry *c = cmd_find(argc - lead, argv + lead, &used);
	if (!c)
		return 2;
	/* argv for the command: its last name word, the global flags given
	 * before it, then the rest */
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return 1;
	int n = 0;
	args[n++] = argv[lead + used - 1];
	for (int i = 1; i < lead; i++)
		args[n++] = argv[i];
	for (int i = lead + used; i < argc; i++)
		args[n++] = argv[i];
	int rc = c->exec(n, args);
	free(args);
	return rc;
}
