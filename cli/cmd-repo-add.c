/* cmd-repo-add.c — `bosun repo add URL`: registers a git repository with
 * its credentials (write-only on the server; the API tests the connection
 * before it saves). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

extern const struct cmd_entry cmd_repo_add_entry;

/* Puts the text of file path into body[field]; the buffer is wiped. */
static int add_file(json_t *body, const char *field, const char *path, const char *what)
{
	struct buf text = BUF_INIT;
	int rc = 0;
	if (buf_read_file(&text, path, 1 << 16) < 0)
		rc = cli_error("cannot read %s '%s'", what, path);
	else
		json_object_set_new(body, field, json_string(text.data));
	memset(text.data, 0, text.len);
	buf_release(&text);
	return rc;
}

static int repo_add_exec(int argc, char **argv)
{
	const char *user = NULL, *password = NULL, *key_path = NULL, *name = NULL;
	const char *project = NULL, *type = NULL, *cert_path = NULL, *cert_key_path = NULL;
	const char *args[1];
	int n, insecure = 0, upsert = 0, lfs = 0;
	struct cli_flag flags[] = {
		{ "username", 0, CLI_STR, &user },
		{ "password", 0, CLI_STR, &password },
		{ "ssh-private-key-path", 0, CLI_STR, &key_path },
		{ "tls-client-cert-path", 0, CLI_STR, &cert_path },
		{ "tls-client-cert-key-path", 0, CLI_STR, &cert_key_path },
		{ "insecure-skip-server-verification", 0, CLI_BOOL, &insecure },
		{ "name", 0, CLI_STR, &name },
		{ "project", 0, CLI_STR, &project },
		{ "type", 0, CLI_STR, &type },
		{ "enable-lfs", 0, CLI_BOOL, &lfs },
		{ "upsert", 0, CLI_BOOL, &upsert },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_repo_add_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_repo_add_entry, "expects the repository URL");
	if (key_path && (user || password))
		return cli_usage_error(&cmd_repo_add_entry,
				       "--ssh-private-key-path excludes --username/--password");
	if (!cert_path != !cert_key_path)
		return cli_usage_error(&cmd_repo_add_entry, "--tls-client-cert-path and "
				       "--tls-client-cert-key-path go together");
	if (password && !user)
		return cli_usage_error(&cmd_repo_add_entry, "--password needs --username");
	json_t *body = json_pack("{s:s}", "repo", args[0]);
	char pbuf[1024] = "";
	int rc = 0;
	if (user) {
		json_object_set_new(body, "username", json_string(user));
		if (!password) {
			if (cli_read_secret("Password: ", pbuf, sizeof(pbuf)) < 0)
				rc = cli_error("no password given");
			password = pbuf;
		}
		json_object_set_new(body, "password", json_string(password));
	}
	if (key_path && !rc)
		rc = add_file(body, "sshPrivateKey", key_path, "SSH private key");
	if (cert_path && !rc)
		rc = add_file(body, "tlsClientCertData", cert_path, "TLS client certificate");
	if (cert_key_path && !rc)
		rc = add_file(body, "tlsClientCertKey", cert_key_path, "TLS client key");
	if (insecure)
		json_object_set_new(body, "insecure", json_true());
	if (lfs)
		json_object_set_new(body, "enableLfs", json_true());
	if (name)
		json_object_set_new(body, "name", json_string(name));
	if (project)
		json_object_set_new(body, "project", json_string(project));
	if (type)
		json_object_set_new(body, "type", json_string(type));
	memset(pbuf, 0, sizeof(pbuf));
	struct cli_client *c = NULL;
	if (!rc)
		rc = cli_connect(&c, 1);
	if (!rc)
		rc = cli_request(c, "POST", upsert ? "/api/v1/repositories?upsert=true"
					     : "/api/v1/repositories", body, NULL, NULL);
	if (!rc)
		printf("Repository '%s' added\n", args[0]);
	json_decref(body);
	cli_client_free(c);
	return rc;
}

const struct cmd_entry cmd_repo_add_entry = {
	.name = "repo add",
	.usage = "URL [--username U [--password P] | --ssh-private-key-path F] "
		 "[--tls-client-cert-path F --tls-client-cert-key-path F] "
		 "[--insecure-skip-server-verification] [--name N] [--project P] [--upsert]",
	.summary = "register a git repository",
	.exec = repo_add_exec,
};
