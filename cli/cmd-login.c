/* cmd-login.c — `bosun login SERVER`: asks the API server for a session
 * token and saves it as a context in the config file (mode 0600). The
 * password is prompted without echo when not given. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_login_entry;

/* The context name: the server as typed, without its scheme. */
static void context_name(char *out, size_t size, const char *server)
{
	const char *p = strstr(server, "://");
	snprintf(out, size, "%s", p ? p + 3 : server);
	size_t n = strlen(out);
	while (n && out[n - 1] == '/')
		out[--n] = 0;
}

static int login_exec(int argc, char **argv)
{
	const char *user = NULL, *password = NULL, *name = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "username", 0, CLI_STR, &user },
		{ "password", 0, CLI_STR, &password },
		{ "name", 0, CLI_STR, &name },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_login_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_login_entry, "expects the SERVER to log in to");
	char ubuf[256], pbuf[1024];
	if (!user) {
		fprintf(stderr, "Username: ");
		fflush(stderr);
		if (!fgets(ubuf, sizeof(ubuf), stdin))
			return cli_error("no username given");
		ubuf[strcspn(ubuf, "\r\n")] = 0;
		user = ubuf;
	}
	if (!password) {
		if (cli_read_secret("Password: ", pbuf, sizeof(pbuf)) < 0)
			return cli_error("no password given");
		password = pbuf;
	}
	struct cli_client *c;
	if (cli_client_open(&c, args[0], NULL, cli_globals.insecure))
		return CLI_FAIL;
	json_t *body = json_pack("{s:s, s:s}", "username", user, "password", password);
	json_t *res = NULL;
	int rc = cli_request(c, "POST", "/api/v1/session", body, &res, NULL);
	json_decref(body);
	memset(pbuf, 0, sizeof(pbuf));
	const char *token = json_string_value(json_object_get(res, "token"));
	if (!rc && !token)
		rc = cli_error("the server at '%s' answered without a token", cli_client_server(c));
	if (!rc) {
		char cname[512];
		context_name(cname, sizeof(cname), name ? name : args[0]);
		char *path = cli_config_path();
		json_t *cfg;
		struct berr err = BERR_INIT;
		if (cli_config_load(&cfg, path, &err) < 0) {
			rc = cli_error("%s", err.msg);
		} else {
			struct cli_context ctx = { cname, cli_client_server(c), token,
						   cli_globals.insecure };
			cli_config_set_context(cfg, &ctx);
			if (cli_config_save(cfg, path, &err) < 0)
				rc = cli_error("%s", err.msg);
			json_decref(cfg);
		}
		free(path);
		if (!rc)
			printf("'%s:login' logged in successfully\nContext '%s' updated\n", user,
			       cname);
	}
	json_decref(res);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_login_entry = {
	.name = "login",
	.usage = "SERVER [--username U] [--password P] [--name CONTEXT] [--insecure] [--plaintext]",
	.summary = "log in to a Bosun API server and save the context",
	.exec = login_exec,
};
