/*
 * bosund — the daemon binary. Its main only dispatches to a role, as k3s's
 * does: each role's entry point lives in its part's folder. `bosund` with no
 * role is `bosund all`.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cmd/all.h"
#include "controller/controller.h"
#include "orchestrator/orchestrator.h"
#include "repo-server/repo-server.h"
#include "version.h"

struct role {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int run_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("bosund %s\n", BOSUN_VERSION);
	return 0;
}

static const struct role roles[] = {
	{ "all", all_main, "every part in one process (the default)" },
	{ "api", api_main, "the REST API, live events and the web UI" },
	{ "cluster", orchestrator_main, "run the bundled Kubernetes-compatible cluster" },
	{ "controller", controller_main, "reconcile applications: compare, sync, drift alerts" },
	{ "repo-server", repo_server_main, "git mirrors and manifest rendering" },
	{ "version", run_version, "print the version" },
	{ NULL, NULL, NULL },
};

static int usage(FILE *f)
{
	fprintf(f, "usage: bosund <role> [options]\n\nroles:\n");
	for (const struct role *r = roles; r->name; r++)
		fprintf(f, "  %-12s %s\n", r->name, r->summary);
	fprintf(f, "\nEvery role takes --data-dir DIR, --log-level debug|info|warn|error and\n"
		   "--log-format text|json; `bosund ROLE --help` lists its own options.\n");
	return f == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "all";
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help"))
		return usage(stdout);
	if (name[0] == '-')     /* options only: the default role */
		name = "all";
	else {
		argc--;
		argv++;
	}
	for (const struct role *r = roles; r->name; r++)
		if (!strcmp(r->name, name))
			return r->run(argc, argv);
	fprintf(stderr, "bosund: unknown role '%s'\n", name);
	return usage(stderr);
}
