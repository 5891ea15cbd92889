/*
 * cmd.c — the table of every `bosun` command and the lookup by name.
 *
 * The table is sorted by name; adding a command is a new cmd-*.c file and
 * one line here. Lookup matches word by word so "app sy" finds "app sync"
 * and "a" alone is reported as ambiguous when several commands start so.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

extern const struct cmd_entry cmd_account_can_i_entry;
extern const struct cmd_entry cmd_account_generate_token_entry;
extern const struct cmd_entry cmd_account_list_entry;
extern const struct cmd_entry cmd_account_update_password_entry;
extern const struct cmd_entry cmd_alerts_entry;
extern const struct cmd_entry cmd_app_create_entry;
extern const struct cmd_entry cmd_app_delete_entry;
extern const struct cmd_entry cmd_app_diff_entry;
extern const struct cmd_entry cmd_app_get_entry;
extern const struct cmd_entry cmd_app_history_entry;
extern const struct cmd_entry cmd_app_list_entry;
extern const struct cmd_entry cmd_app_manifests_entry;
extern const struct cmd_entry cmd_app_resources_entry;
extern const struct cmd_entry cmd_app_rollback_entry;
extern const struct cmd_entry cmd_app_set_entry;
extern const struct cmd_entry cmd_app_sync_entry;
extern const struct cmd_entry cmd_app_terminate_op_entry;
extern const struct cmd_entry cmd_app_unset_entry;
extern const struct cmd_entry cmd_app_wait_entry;
extern const struct cmd_entry cmd_cluster_add_entry;
extern const struct cmd_entry cmd_cluster_list_entry;
extern const struct cmd_entry cmd_cluster_rm_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_context_entry;
extern const struct cmd_entry cmd_login_entry;
extern const struct cmd_entry cmd_logout_entry;
extern const struct cmd_entry cmd_proj_add_destination_entry;
extern const struct cmd_entry cmd_proj_add_source_entry;
extern const struct cmd_entry cmd_proj_create_entry;
extern const struct cmd_entry cmd_proj_delete_entry;
extern const struct cmd_entry cmd_proj_get_entry;
extern const struct cmd_entry cmd_proj_list_entry;
extern const struct cmd_entry cmd_repo_add_entry;
extern const struct cmd_entry cmd_repo_get_entry;
extern const struct cmd_entry cmd_repo_list_entry;
extern const struct cmd_entry cmd_repo_rm_entry;
extern const struct cmd_entry cmd_template_entry;
extern const struct cmd_entry cmd_version_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_account_can_i_entry,
	&cmd_account_generate_token_entry,
	&cmd_account_list_entry,
	&cmd_account_update_password_entry,
	&cmd_alerts_entry,
	&cmd_app_create_entry,
	&cmd_app_delete_entry,
	&cmd_app_diff_entry,
	&cmd_app_get_entry,
	&cmd_app_history_entry,
	&cmd_app_list_entry,
	&cmd_app_manifests_entry,
	&cmd_app_resources_entry,
	&cmd_app_rollback_entry,
	&cmd_app_set_entry,
	&cmd_app_sync_entry,
	&cmd_app_terminate_op_entry,
	&cmd_app_unset_entry,
	&cmd_app_wait_entry,
	&cmd_cluster_add_entry,
	&cmd_cluster_list_entry,
	&cmd_cluster_rm_entry,
	&cmd_completion_entry,
	&cmd_context_entry,
	&cmd_login_entry,
	&cmd_logout_entry,
	&cmd_proj_add_destination_entry,
	&cmd_proj_add_source_entry,
	&cmd_proj_create_entry,
	&cmd_proj_delete_entry,
	&cmd_proj_get_entry,
	&cmd_proj_list_entry,
	&cmd_repo_add_entry,
	&cmd_repo_get_entry,
	&cmd_repo_list_entry,
	&cmd_repo_rm_entry,
	&cmd_template_entry,
	&cmd_version_entry,
	NULL,
};

/* Number of words in name that argv matches as exact words or prefixes
 * (all of name's words must match), 0 when it does not match, -1 when argv
 * ran out while matching the leading words of a longer name ("a" or "app"
 * against "app sync"). */
static int match_words(const char *name, int argc, char **argv, int *exact)
{
	int i = 0;
	*exact = 1;
	const char *p = name;
	while (*p) {
		if (i >= argc)
			return i ? -1 : 0;
		size_t wl = strcspn(p, " ");
		size_t al = strlen(argv[i]);
		if (al == 0 || al > wl || strncmp(p, argv[i], al))
			return 0;
		if (al != wl)
			*exact = 0;
		p += wl;
		while (*p == ' ')
			p++;
		i++;
	}
	return i;
}

const struct cmd_entry *cmd_find(int argc, char **argv, int *consumed)
{
	const struct cmd_entry *found = NULL;
	int nfound = 0, npartial = 0, words = 0, exact;
	for (int i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *c = cmd_table[i];
		int n = match_words(c->name, argc, argv, &exact);
		if (!n && c->alias && argc > 0 && !strcmp(c->alias, argv[0]))
			n = 1, exact = 1;
		if (n < 0)
			npartial++;
		if (n <= 0)
			continue;
		if (exact) {
			*consumed = n;
			return c;
		}
		found = c;
		words = n;
		nfound++;
	}
	if (nfound == 1 && !npartial) {
		*consumed = words;
		return found;
	}
	if (nfound + npartial == 0) {
		fprintf(stderr, "bosun: unknown command: %s\n", argc ? argv[0] : "");
		return NULL;
	}
	fprintf(stderr, "bosun: ambiguous command: %s, could be:", argv[0]);
	const char *sep = " ";
	for (int i = 0; cmd_table[i]; i++)
		if (match_words(cmd_table[i]->name, argc, argv, &exact)) {
			fprintf(stderr, "%s%s", sep, cmd_table[i]->name);
			sep = ", ";
		}
	fputc('\n', stderr);
	return NULL;
}

void cmd_print_usage(const char *prefix)
{
	printf("usage: bosun <command> [options]\n\ncommands:\n");
	for (int i = 0; cmd_table[i]; i++) {
		const struct cmd_entry *c = cmd_table[i];
		if (prefix && strncmp(c->name, prefix, strlen(prefix)))
			continue;
		printf("  %-28s %s\n", c->name, c->summary);
	}
}
