/* cmd-completion.c — `bosun completion bash|zsh`: a completion script
 * generated from the command table, so it never falls behind it. */
#include <string.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_completion_entry;

/* The distinct words at position `word` of commands whose earlier words
 * are `prefix` (space-separated names). */
static void words(struct buf *out, const char *prefix)
{
	size_t plen = strlen(prefix);
	struct buf seen = BUF_INIT;
	buf_adds(&seen, " ");
	for (int i = 0; cmd_table[i]; i++) {
		const char *name = cmd_table[i]->name;
		if (plen && (strncmp(name, prefix, plen) || name[plen] != ' '))
			continue;
		const char *w = plen ? name + plen + 1 : name;
		size_t wl = strcspn(w, " ");
		char word[64];
		snprintf(word, sizeof(word), " %.*s ", (int)wl, w);
		if (strstr(seen.data, word))
			continue;
		buf_adds(&seen, word + 1);
		buf_addf(out, "%s%.*s", out->len ? " " : "", (int)wl, w);
	}
	buf_release(&seen);
}

static int completion_exec(int argc, char **argv)
{
	const char *args[1];
	int n;
	if (cli_parse(&cmd_completion_entry, argc, argv, NULL, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1 || (strcmp(args[0], "bash") && strcmp(args[0], "zsh")))
		return cli_usage_error(&cmd_completion_entry, "expects bash or zsh");
	struct buf top = BUF_INIT;
	words(&top, "");
	if (!strcmp(args[0], "zsh"))
		printf("autoload -U +X bashcompinit && bashcompinit\n");
	printf("# bosun completion for %s: source <(bosun completion %s)\n", args[0], args[0]);
	printf("_bosun() {\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} words\n"
	       "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\twords=\"%s\"\n"
	       "\telse\n\t\tcase \"${COMP_WORDS[1]}\" in\n", top.data);
	const char *p = top.data;
	while (*p) {
		size_t len = strcspn(p, " ");
		char group[64];
		snprintf(group, sizeof(group), "%.*s", (int)len, p);
		struct buf sub = BUF_INIT;
		words(&sub, group);
		if (sub.len)
			printf("\t\t%s) [ \"$COMP_CWORD\" -eq 2 ] && words=\"%s\" ;;\n", group, sub.data);
		buf_release(&sub);
		p += len;
		while (*p == ' ')
			p++;
	}
	printf("\t\tesac\n\tfi\n\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\n"
	       "complete -o default -F _bosun bosun\n");
	buf_release(&top);
	return 0;
}

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.usage = "bash|zsh",
	.summary = "print a shell completion script",
	.exec = completion_exec,
};
