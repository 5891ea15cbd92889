/*
 * route-webhook — git push webhooks (POST /api/webhook) from GitHub,
 * GitLab, Gitea/Gogs and Bitbucket. The sender is told apart by its event
 * header; when bosun-secret holds that provider's secret
 * (`webhook.github.secret`, `webhook.gitlab.secret`, `webhook.gitea.secret`,
 * `webhook.gogs.secret`, `webhook.bitbucket.uuid`), the HMAC-SHA256
 * signature or token must match (constant-time). A push refreshes at once
 * every application whose source is that repository and whose target
 * revision is the pushed branch (or HEAD for the default branch), and tells
 * the repo server to fetch again.
 */
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api-internal.h"
#include "doc.h"
#include "log.h"

#define WEBHOOK_MAX_BODY (1 << 20)
#define MAX_URLS 8

enum provider { GITHUB, GITLAB, GITEA, GOGS, BITBUCKET };

static const char *const provider_names[] = { "github", "gitlab", "gitea", "gogs", "bitbucket" };

static int hex_hmac_equal(const char *secret, const char *body, size_t len, const char *hex)
{
	unsigned char mac[32];
	unsigned int n = sizeof(mac);
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac, &n);
	char want[65];
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", mac[i]);
	if (!hex || strlen(hex) != 64)
		return 0;
	char got[65];
	for (int i = 0; i < 64; i++)
		got[i] = (char)tolower((unsigned char)hex[i]);
	got[64] = 0;
	return CRYPTO_memcmp(want, got, 64) == 0;
}

static int token_equal(const char *want, const char *got)
{
	if (!got || strlen(got) != strlen(want))
		return 0;
	return CRYPTO_memcmp(want, got, strlen(want)) == 0;
}

/* "https://github.com/Org/Repo.git", "git@github.com:org/repo" and
 * "ssh://git@github.com/org/repo/" all normalise to "github.com/org/repo". */
static void normalize_url(char *out, size_t size, const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *at = strchr(p, '@'), *slash = strchr(p, '/');
	if (at && (!slash || at < slash))
		p = at + 1;
	size_t n = 0;
	int host = 1;
	for (; *p && n + 1 < size; p++) {
		char c = *p;
		if (host && c == ':' && !isdigit((unsigned char)p[1]))
			c = '/';
		else if (host && c == ':') {    /* a port: drop it */
			while (isdigit((unsigned char)p[1]))
				p++;
			continue;
		}
		if (c == '/')
			host = 0;
		out[n++] = (char)tolower((unsigned char)c);
	}
	out[n] = 0;
	while (n && out[n - 1] == '/')
		out[--n] = 0;
	if (n > 4 && !strcmp(out + n - 4, ".git"))
		out[n - 4] = 0;
}

static void add_url(const char **urls, size_t *n, const char *u)
{
	if (u && *u && *n < MAX_URLS)
		urls[(*n)++] = u;
}

static void reply(struct http_response *resp, int status, json_t *doc)
{
	http_response_json(resp, status, doc);
	json_decref(doc);
}

static int revision_matches(const char *target, const char *branch, const char *dflt)
{
	if (!target || !*target || !strcmp(target, "HEAD"))
		return !dflt || !*dflt || (branch && !strcmp(branch, dflt));
	if (!branch)
		return 0;
	if (!strncmp(target, "refs/heads/", 11))
		target += 11;
	return !strcmp(target, branch);
}

static void webhook(struct api_ctx *ctx, struct http_request *req, struct http_response *resp)
{
	if (req->body_len > WEBHOOK_MAX_BODY)
		return http_response_error(resp, 413, "webhook body is larger than %d bytes",
					   WEBHOOK_MAX_BODY);
	enum provider pv;
	const char *event;
	if ((event = http_request_header(req, "X-Gitea-Event")))
		pv = GITEA;
	else if ((event = http_request_header(req, "X-Gogs-Event")))
		pv = GOGS;
	else if ((event = http_request_header(req, "X-GitHub-Event")))
		pv = GITHUB;
	else if ((event = http_request_header(req, "X-Gitlab-Event")))
		pv = GITLAB;
	else if ((event = http_request_header(req, "X-Event-Key")))
		pv = BITBUCKET;
	else
		return http_response_error(resp, 400, "unknown webhook: no event header");
	struct berr err = BERR_INIT;
	if (api_settings_get(ctx->api, &ctx->st, &err) < 0)
		return api_error(resp, &err);
	char key[64];
	snprintf(key, sizeof(key), pv == BITBUCKET ? "webhook.%s.uuid" : "webhook.%s.secret",
		 provider_names[pv]);
	const char *secret = api_secret_value(ctx->st, key);
	if (secret && *secret) {
		int ok = 0;
		const char *sig;
		switch (pv) {
		case GITHUB:
			sig = http_request_header(req, "X-Hub-Signature-256");
			ok = sig && !strncmp(sig, "sha256=", 7) &&
			     hex_hmac_equal(secret, req->body, req->body_len, sig + 7);
			break;
		case GITEA:
		case GOGS:
			sig = http_request_header(req, pv == GITEA ? "X-Gitea-Signature"
							      : "X-Gogs-Signature");
			ok = hex_hmac_equal(secret, req->body, req->body_len, sig);
			break;
		case GITLAB:
			ok = token_equal(secret, http_request_header(req, "X-Gitlab-Token"));
			break;
		case BITBUCKET:
			ok = token_equal(secret, http_request_header(req, "X-Hook-UUID"));
			break;
		}
		if (!ok) {
			log_warn("webhook signature mismatch", "provider", provider_names[pv],
				 "remote", req->remote_addr, NULL);
			return http_response_error(resp, 401, "%s webhook: signature or token mismatch",
						   provider_names[pv]);
		}
	}
	int push = (pv == GITLAB) ? !strcmp(event, "Push Hook") || !strcmp(event, "Tag Push Hook")
		   : (pv == BITBUCKET) ? !strcmp(event, "repo:push") : !strcmp(event, "push");
	if (!push)
		return reply(resp, 200, json_pack("{s:s, s:s}", "status", "ignored", "event", event));
	json_t *body;
	if (api_body_object(req, resp, &body) < 0)
		return;
	const char *urls[MAX_URLS];
	size_t nurls = 0;
	const char *ref = api_str(body, "ref"), *dflt = NULL;
	const char *branch = NULL;
	if (pv == GITLAB) {
		json_t *p = json_object_get(body, "project");
		add_url(urls, &nurls, api_str(p, "web_url"));
		add_url(urls, &nurls, api_str(p, "git_http_url"));
		add_url(urls, &nurls, api_str(p, "git_ssh_url"));
		dflt = api_str(p, "default_branch");
	} else if (pv == BITBUCKET) {
		json_t *r = json_object_get(body, "repository");
		add_url(urls, &nurls, doc_get_str(r, "links.html.href"));
		json_t *ch = doc_get(body, "push.changes[0].new");
		if (json_is_object(ch) && api_str(ch, "type") && !strcmp(api_str(ch, "type"), "branch"))
			branch = api_str(ch, "name");
		dflt = doc_get_str(r, "mainbranch.name");
	} else {
		json_t *r = json_object_get(body, "repository");
		const char *keys[] = { "html_url", "clone_url", "ssh_url", "git_url", "url" };
		for (size_t i = 0; i < 5; i++)
			add_url(urls, &nurls, api_str(r, keys[i]));
		dflt = api_str(r, "default_branch");
	}
	if (ref && !strncmp(ref, "refs/heads/", 11))
		branch = ref + 11;
	if (nurls == 0) {
		json_decref(body);
		return http_response_error(resp, 400, "%s push without a repository URL",
					   provider_names[pv]);
	}
	char norm[MAX_URLS][1024];
	for (size_t i = 0; i < nurls; i++)
		normalize_url(norm[i], sizeof(norm[i]), urls[i]);
	struct kube_ref aref = api_ref(ctx->api, "Application", NULL);
	json_t *list;
	if (kube_client_list(ctx->api->kc, &list, &aref, NULL, &err) < 0) {
		json_decref(body);
		return api_error(resp, &err);
	}
	json_t *refreshed = json_array();
	size_t i;
	json_t *app;
	json_array_foreach(json_object_get(list, "items"), i, app) {
		const char *repo = doc_get_str(app, "spec.source.repoURL");
		if (!repo)
			continue;
		char n[1024];
		normalize_url(n, sizeof(n), repo);
		int match = 0;
		for (size_t u = 0; u < nurls && !match; u++)
			match = !strcmp(n, norm[u]);
		if (!match || !revision_matches(doc_get_str(app, "spec.source.targetRevision"),
						branch, dflt))
			continue;
		const char *name = doc_get_str(app, "metadata.name");
		struct kube_ref r = api_ref(ctx->api, "Application", name);
		static const char patch[] =
			"{\"metadata\":{\"annotations\":{\"bosun.io/refresh\":\"normal\"}}}";
		json_t *res = NULL;
		if (kube_client_patch(ctx->api->kc, &res, &r, KUBE_PATCH_MERGE, patch,
				      sizeof(patch) - 1, NULL, NULL) == 0)
			json_array_append_new(refreshed, json_string(name));
		json_decref(res);
		if (ctx->api->repo && json_array_size(refreshed) == 1) {
			json_t *inv = json_pack("{s:s}", "repoURL", repo), *out = NULL;
			long status;
			api_repo_server_post(ctx->api, "/v1/invalidate", inv, &out, &status, NULL);
			json_decref(inv);
			json_decref(out);
		}
	}
	log_info("webhook push", "provider", provider_names[pv], "branch", branch ? branch : "",
		 NULL);
	json_decref(list);
	json_decref(body);
	reply(resp, 200, json_pack("{s:s, s:o}", "status", "ok", "refreshed", refreshed));
}

const struct api_route api_routes_webhook[] = {
	{ "POST", "/api/webhook", webhook, API_PUBLIC },
	{ NULL, NULL, NULL, 0 },
};
