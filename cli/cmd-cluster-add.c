/* cmd-cluster-add.c — `bosun cluster add CONTEXT`: registers the cluster of
 * a kubeconfig context as a destination, sending its server, bearer token
 * and TLS material (the API stores them write-only). */
#include <string.h>

#include "base64.h"
#include "cli/cli.h"
#include "kube.h"

extern const struct cmd_entry cmd_cluster_add_entry;

static void set_b64(json_t *obj, const char *key, const char *pem)
{
	if (!pem)
		return;
	struct buf b = BUF_INIT;
	b64_encode(&b, pem, strlen(pem));
	json_object_set_new(obj, key, json_string(b.data));
	buf_release(&b);
}

/* Argo CD's execProviderConfig from a kubeconfig's exec plugin: the command
 * runs wherever the controller runs, so it must be installed there too. */
static json_t *exec_provider(const struct kube_exec *e)
{
	json_t *args = json_array(), *env = json_object();
	for (size_t i = 0; e->args[i]; i++)
		json_array_append_new(args, json_string(e->args[i]));
	for (size_t i = 0; e->env[i]; i++) {
		const char *eq = strchr(e->env[i], '=');
		char *name = xstrndup(e->env[i], (size_t)(eq - e->env[i]));
		json_object_set_new(env, name, json_string(eq + 1));
		free(name);
	}
	json_t *p = json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", e->api_version, "command",
			      e->command, "args", args, "env", env);
	if (e->install_hint)
		json_object_set_new(p, "installHint", json_string(e->install_hint));
	return p;
}

static int cluster_add_exec(int argc, char **argv)
{
	const char *kubeconfig = NULL, *name = NULL, *project = NULL, *args[1];
	int n, upsert = 0, skip_verify = 0;
	struct cli_flag flags[] = {
		{ "kubeconfig", 0, CLI_STR, &kubeconfig },
		{ "name", 0, CLI_STR, &name },
		{ "project", 0, CLI_STR, &project },
		{ "upsert", 0, CLI_BOOL, &upsert },
		{ "insecure-skip-tls-verify", 0, CLI_BOOL, &skip_verify },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_cluster_add_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	if (n != 1)
		return cli_usage_error(&cmd_cluster_add_entry, "expects the kubeconfig CONTEXT");
	struct kube_config *kc;
	struct berr err = BERR_INIT;
	if (kube_config_load(&kc, kubeconfig, args[0], &err) < 0)
		return cli_error("%s", err.msg);
	json_t *tls = json_pack("{s:b}", "insecure", kc->insecure_skip_verify || skip_verify);
	set_b64(tls, "caData", kc->ca_pem);
	set_b64(tls, "certData", kc->client_cert_pem);
	set_b64(tls, "keyData", kc->client_key_pem);
	json_t *config = json_pack("{s:o}", "tlsClientConfig", tls);
	if (kc->token)
		json_object_set_new(config, "bearerToken", json_string(kc->token));
	else if (kc->exec)
		json_object_set_new(config, "execProviderConfig", exec_provider(kc->exec));
	json_t *body = json_pack("{s:s, s:s, s:o}", "server", kc->server, "name",
				 name ? name : args[0], "config", config);
	if (project)
		json_object_set_new(body, "project", json_string(project));
	if (upsert)
		json_object_set_new(body, "upsert", json_true());
	struct cli_client *c;
	int rc = cli_connect(&c, 1);
	if (!rc) {
		rc = cli_request(c, "POST", "/api/v1/clusters", body, NULL, NULL);
		cli_client_free(c);
	}
	if (!rc)
		printf("Cluster '%s' added\n", kc->server);
	json_decref(body);
	kube_config_free(kc);
	return rc;
}

const struct cmd_entry cmd_cluster_add_entry = {
	.name = "cluster add",
	.usage = "CONTEXT [--kubeconfig F] [--name N] [--project P] [--upsert]",
	.summary = "register the cluster of a kubeconfig context",
	.exec = cluster_add_exec,
};
