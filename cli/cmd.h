/*
 * cmd — the command table of the `bosun` CLI, after tmux.
 *
 * Each command lives in its own file (cli/cmd-app-sync.c, ...) and defines
 * one `const struct cmd_entry` with designated initialisers. Commands with
 * two words ("app sync") are named with a space. cmd_find() accepts an exact
 * name or a unique prefix of each word and reports ambiguity.
 */
#ifndef BOSUN_CLI_CMD_H
#define BOSUN_CLI_CMD_H

struct cmd_entry {
	const char *name;       /* "version", "app sync" */
	const char *alias;      /* optional: "ls" */
	const char *usage;      /* arguments after the name */
	const char *summary;
	int (*exec)(int argc, char **argv);  /* argv[0] is the last name word */
};

extern const struct cmd_entry *const cmd_table[];

/*
 * Finds the command named by the leading words of argv; sets *consumed to the
 * number of words used. Returns NULL and prints why (unknown, ambiguous).
 */
const struct cmd_entry *cmd_find(int argc, char **argv, int *consumed);
void cmd_print_usage(const char *prefix);

#endif
