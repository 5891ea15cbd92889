/* cmd-account-can-i.c — `bosun account can-i ACTION RESOURCE OBJECT`:
 * prints yes or no, as argocd; exit 0 either way. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "doc.h"

extern const struct cmd_entry cmd_account_can_i_entry;

static int account_can_i_exec(int argc, char **argv)
{
	const char *args[3];
	int n;
	if (cli_parse(&cmd_account_can_i_entry, argc, argv, NULL, args, 3, &n) < 0)
		return CLI_USAGE;
	if (n != 3)
		return cli_usage_error(&cmd_account_can_i_entry,
				       "expects ACTION, RESOURCE and OBJECT (e.g. sync applications 'default/*')");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	struct buf path = BUF_INIT;
	buf_adds(&path, "/api/v1/account/can-i/");
	cli_escape(&path, args[1]);
	buf_addch(&path, '/');
	cli_escape(&path, args[0]);
	buf_addch(&path, '/');
	/* the object may hold '/' (project/app): its segments stay segments */
	const char *p = args[2];
	while (*p) {
		size_t len = strcspn(p, "/");
		char *seg = xstrndup(p, len);
		cli_escape(&path, seg);
		free(seg);
		p += len;
		if (*p == '/') {
			buf_addch(&path, '/');
			p++;
		}
	}
	json_t *res;
	int rc = cli_request(c, "GET", path.data, NULL, &res, NULL);
	buf_release(&path);
	cli_client_free(c);
	if (!rc) {
		printf("%s\n", nz(doc_get_str(res, "value")));
		json_decref(res);
	}
	return rc;
}

const struct cmd_entry cmd_account_can_i_entry = {
	.name = "account can-i",
	.usage = "ACTION RESOURCE OBJECT",
	.summary = "tell whether you may do ACTION on RESOURCE OBJECT",
	.exec = account_can_i_exec,
};
