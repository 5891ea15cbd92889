/* cmd-app-unset.c — `bosun app unset NAME ...`: removes settings that
 * `app set` adds (value files, Helm parameters, sync options, release
 * name, prune and self-heal, directory recursion). */
#include <string.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_app_unset_entry;

struct unset {
	struct cli_list values, params, options;
	int prune, self_heal, release_name, recurse;
};

/* Removes the entries of list whose text (or .name) is one of names. */
static int drop(json_t *list, const struct cli_list *names, int by_name, int prefix)
{
	int removed = 0;
	for (size_t i = json_array_size(list); i-- > 0;) {
		json_t *e = json_array_get(list, i);
		const char *s = by_name ? doc_get_str(e, "name") : json_string_value(e);
		for (int k = 0; s && k < names->n; k++) {
			size_t len = strlen(names->v[k]);
			if (!strcmp(s, names->v[k]) ||
			    (prefix && !strncmp(s, names->v[k], len) && s[len] == '=')) {
				json_array_remove(list, i);
				removed++;
				break;
			}
		}
	}
	return removed;
}

static void prune_empty(json_t *parent, const char *key)
{
	json_t *v = json_object_get(parent, key);
	if ((json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v)))
		json_object_del(parent, key);
}

static int unset_edit(json_t *spec, void *arg)
{
	struct unset *u = arg;
	json_t *src = json_object_get(spec, "source");
	json_t *helm = json_object_get(src, "helm");
	drop(json_object_get(helm, "valueFiles"), &u->values, 0, 0);
	drop(json_object_get(helm, "parameters"), &u->params, 1, 0);
	drop(doc_get(spec, "syncPolicy.syncOptions"), &u->options, 0, 1);
	if (u->release_name)
		json_object_del(helm, "releaseName");
	json_t *automated = doc_get(spec, "syncPolicy.automated");
	if (u->prune)
		json_object_del(automated, "prune");
	if (u->self_heal)
		json_object_del(automated, "selfHeal");
	if (u->recurse)
		json_object_del(json_object_get(src, "directory"), "recurse");
	/* what became empty goes: an empty `helm` would still make the
	 * source a Helm source */
	prune_empty(helm, "valueFiles");
	prune_empty(helm, "parameters");
	prune_empty(src, "helm");
	prune_empty(src, "directory");
	prune_empty(json_object_get(spec, "syncPolicy"), "syncOptions");
	return 0;
}


static int app_unset_exec(int argc, char **argv)
{
	struct unset u = { 0 };
	const char *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "values", 0, CLI_LIST, &u.values },
		{ "helm-set", 0, CLI_LIST, &u.params },
		{ "sync-option", 0, CLI_LIST, &u.options },
		{ "auto-prune", 0, CLI_BOOL, &u.prune },
		{ "self-heal", 0, CLI_BOOL, &u.self_heal },
		{ "release-name", 0, CLI_BOOL, &u.release_name },
		{ "directory-recurse", 0, CLI_BOOL, &u.recurse },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_unset_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_app_unset_entry, "expects the application NAME");
	if (!u.values.n && !u.params.n && !u.options.n && !u.prune && !u.self_heal &&
	    !u.release_name && !u.recurse)
		return cli_usage_error(&cmd_app_unset_entry, "nothing to unset");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	int rc = app_update_spec(c, args[0], unset_edit, &u);
	cli_client_free(c);
	if (!rc)
		printf("application '%s' updated\n", args[0]);
	return rc;
}

const struct cmd_entry cmd_app_unset_entry = {
	.name = "app unset",
	.usage = "NAME [--values F]... [--helm-set NAME]... [--sync-option NAME]... "
		 "[--auto-prune] [--self-heal] [--release-name] [--directory-recurse]",
	.summary = "remove settings of an application",
	.exec = app_unset_exec,
};
