/* cmd-version.c — `bosun version`: the client's version and, unless
 * --client, the server's (GET /api/version, no login needed). */
#include <stdio.h>

#include "cli/cli.h"
#include "version.h"

extern const struct cmd_entry cmd_version_entry;

static int cmd_version_exec(int argc, char **argv)
{
	const char *args[1];
	int n, client_only = 0;
	const char *output = NULL;
	struct cli_flag flags[] = {
		{ "client", 0, CLI_BOOL, &client_only },
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_version_entry, argc, argv, flags, args, 0, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0 || fmt == OUT_WIDE || fmt == OUT_NAME)
		return cli_usage_error(&cmd_version_entry, "invalid output '%s': want json or yaml",
				       output);
	json_t *out = json_pack("{s:{s:s}}", "client", "Version", "v" BOSUN_VERSION);
	int rc = 0;
	if (fmt == OUT_TABLE)
		printf("bosun: v%s\n", BOSUN_VERSION);
	if (!client_only) {
		struct cli_client *c;
		json_t *v = NULL;
		rc = cli_connect(&c, 0);
		if (!rc) {
			rc = cli_request(c, "GET", "/api/version", NULL, &v, NULL);
			cli_client_free(c);
		}
		if (!rc && fmt == OUT_TABLE)
			printf("bosun-server: v%s (%s)\n",
			       json_string_value(json_object_get(v, "Version")) ?: "?",
			       json_string_value(json_object_get(v, "Platform")) ?: "?");
		if (v)
			json_object_set_new(out, "server", v);
	}
	if (fmt != OUT_TABLE)
		cli_print_doc(out, fmt);
	json_decref(out);
	return rc;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "[--client] [-o json|yaml]",
	.summary = "print the client and server versions",
	.exec = cmd_version_exec,
};
