/*
 * accounts — local accounts as Argo CD keeps them: `accounts.<name>:
 * "login, apiKey"` (capabilities) and `accounts.<name>.enabled` in
 * bosun-cm; the PBKDF2 hash, its change time and the API tokens' ids in
 * bosun-secret (`accounts.<name>.password`, `.passwordMtime`, `.tokens`),
 * beside the JWT signing key `server.secretkey`. `admin` always exists
 * (unless `admin.enabled` is "false") with both capabilities.
 *
 * A session token carries a fingerprint of the password hash it was issued
 * under (an HMAC, so it reveals nothing), so changing the password ends
 * every earlier session at once, on every replica. An API token is valid
 * while its id is listed in the account's tokens. Logout revokes a session
 * in this replica's memory until it would have expired anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "api/api-internal.h"
#include "daemon.h"
#include "log.h"
#include "timefmt.h"

#define MAX_TOKENS_PER_ACCOUNT 100
#define REVOKED_MAX 65536

/* ------------------------------------------------------------ accounts */

static const char *capabilities_of(const struct api_settings *st, const char *name)
{
	char key[API_NAME_MAX + 16];
	snprintf(key, sizeof(key), "accounts.%s", name);
	const char *caps = api_cm_value(st, key);
	if (!caps && !strcmp(name, "admin"))
		return "login, apiKey";
	return caps;
}

int api_account_exists(const struct api_settings *st, const char *name)
{
	if (!*name || strlen(name) >= API_NAME_MAX || strchr(name, '.'))
		return 0;
	return capabilities_of(st, name) != NULL;
}

int api_account_enabled(const struct api_settings *st, const char *name)
{
	if (!api_account_exists(st, name))
		return 0;
	char key[API_NAME_MAX + 24];
	if (!strcmp(name, "admin"))
		snprintf(key, sizeof(key), "admin.enabled");
	else
		snprintf(key, sizeof(key), "accounts.%s.enabled", name);
	const char *v = api_cm_value(st, key);
	return !v || strcmp(v, "false");
}

int api_account_has_capability(const struct api_settings *st, const char *name,
			       const char *cap)
{
	const char *caps = capabilities_of(st, name);
	if (!caps)
		return 0;
	size_t n = strlen(cap);
	for (const char *p = caps; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ')
			e++;
		if ((size_t)(e - p) == n && !strncmp(p, cap, n))
			return 1;
		p = e;
	}
	return 0;
}

json_t *api_account_names(const struct api_settings *st)
{
	json_t *names = json_array();
	if (api_account_exists(st, "admin"))
		json_array_append_new(names, json_string("admin"));
	const char *k;
	json_t *v;
	json_object_foreach(st->cm, k, v) {
		if (strncmp(k, "accounts.", 9) || strchr(k + 9, '.') || !strcmp(k + 9, "admin") ||
		    !k[9] || strlen(k + 9) >= API_NAME_MAX)
			continue;
		json_array_append_new(names, json_string(k + 9));
	}
	return names;
}

static const char *password_hash_of(const struct api_settings *st, const char *name)
{
	char key[API_NAME_MAX + 24];
	snprintf(key, sizeof(key), "accounts.%s.password", name);
	return api_secret_value(st, key);
}

static char *dummy_hash;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	password_hash(&dummy_hash, "bosun-dummy-password", PASSWORD_ITERATIONS, NULL);
}

int api_account_check_password(const struct api_settings *st, const char *name,
			       const char *password)
{
	const char *hash = api_account_exists(st, name) ? password_hash_of(st, name) : NULL;
	if (!hash) {
		/* the same work as a real check, so timing does not tell names apart */
		pthread_once(&dummy_once, make_dummy);
		password_verify(password, dummy_hash, NULL);
		return 0;
	}
	return password_verify(password, hash, NULL) == 1;
}

/* The password fingerprint a session carries. */
static void fingerprint(char out[24], const struct api_settings *st, const char *name)
{
	const char *hash = password_hash_of(st, name);
	unsigned char mac[32];
	unsigned int n = sizeof(mac);
	if (!hash)
		hash = "";
	HMAC(EVP_sha256(), st->key.data, (int)st->key.len, (const unsigned char *)hash,
	     strlen(hash), mac, &n);
	struct buf b = BUF_INIT;
	b64url_encode(&b, mac, 12);
	snprintf(out, 24, "%s", b.data);
	buf_release(&b);
}

int api_session_issue(struct api *api, const struct api_settings *st, const char *name,
		      char **out, struct berr *err)
{
	if (st->key.len < 16)
		return berr_set(err, BERR_FAIL, "no signing key in 'bosun-secret'");
	char jti[33], pv[24];
	api_random_hex(jti, 16);
	fingerprint(pv, st, name);
	time_t now = time(NULL);
	json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s}", "iss",
				   API_ISSUER, "aud", API_AUDIENCE, "sub", name, "iat",
				   (json_int_t)now, "nbf", (json_int_t)now, "exp",
				   (json_int_t)(now + api->cfg.session_ttl_s), "jti", jti, "kind",
				   "session", "pv", pv);
	int rc = jwt_sign(out, claims, st->key.data, st->key.len, err);
	json_decref(claims);
	return rc;
}

/* ------------------------------------------------------------ revocation */

struct revoked_entry {
	char jti[80];
	time_t exp;
};

struct api_revoked {
	pthread_mutex_t mu;
	struct revoked_entry *v;
	size_t n;
};

struct api_revoked *api_revoked_new(void)
{
	struct api_revoked *r = xcalloc(1, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->v = xcalloc(REVOKED_MAX, sizeof(*r->v));
	return r;
}

void api_revoked_free(struct api_revoked *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->v);
	free(r);
}

void api_session_revoke(struct api *api, const char *jti, time_t exp)
{
	struct api_revoked *r = api->revoked;
	time_t now = time(NULL);
	pthread_mutex_lock(&r->mu);
	if (r->n == REVOKED_MAX) {      /* forget what expired; else the soonest to */
		size_t j = 0, soonest = 0;
		for (size_t i = 0; i < r->n; i++)
			if (r->v[i].exp > now)
				r->v[j++] = r->v[i];
		r->n = j;
		if (r->n == REVOKED_MAX) {
			for (size_t i = 1; i < r->n; i++)
				if (r->v[i].exp < r->v[soonest].exp)
					soonest = i;
			r->v[soonest] = r->v[--r->n];
		}
	}
	snprintf(r->v[r->n].jti, sizeof(r->v[r->n].jti), "%s", jti);
	r->v[r->n].exp = exp;
	r->n++;
	pthread_mutex_unlock(&r->mu);
}

static int is_revoked(struct api *api, const char *jti)
{
	struct api_revoked *r = api->revoked;
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n && !found; i++)
		found = !strcmp(r->v[i].jti, jti);
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* ------------------------------------------------------------ tokens */

static json_t *tokens_of(json_t *data, const char *name)
{
	char key[API_NAME_MAX + 24];
	snprintf(key, sizeof(key), "accounts.%s.tokens", name);
	const char *text = json_string_value(json_object_get(data, key));
	json_t *list = text ? json_loads(text, 0, NULL) : NULL;
	if (!json_is_array(list)) {
		json_decref(list);
		list = json_array();
	}
	return list;
}

static void set_tokens(json_t *data, const char *name, json_t *list)
{
	char key[API_NAME_MAX + 24];
	snprintf(key, sizeof(key), "accounts.%s.tokens", name);
	char *text = json_dumps(list, JSON_COMPACT);
	json_object_set_new(data, key, json_string(text));
	free(text);
}

static int token_listed(const struct api_settings *st, const char *name, const char *jti)
{
	json_t *list = tokens_of(st->secret, name);
	size_t i;
	json_t *t;
	int found = 0;
	json_array_foreach(list, i, t)
		if (!found && json_is_string(json_object_get(t, "id")) &&
		    !strcmp(json_string_value(json_object_get(t, "id")), jti))
			found = 1;
	json_decref(list);
	return found;
}

struct token_edit {
	const char *name, *id;
	json_int_t iat, exp;
	int remove;
};

static int edit_tokens(json_t *data, void *arg, struct berr *err)
{
	struct token_edit *te = arg;
	json_t *list = tokens_of(data, te->name);
	size_t i;
	json_t *t;
	int found = -1;
	json_array_foreach(list, i, t)
		if (json_is_string(json_object_get(t, "id")) &&
		    !strcmp(json_string_value(json_object_get(t, "id")), te->id))
			found = (int)i;
	int rc = 0;
	if (te->remove) {
		if (found < 0)
			rc = berr_set(err, BERR_NOTFOUND, "token '%s' of account '%s' not found",
				      te->id, te->name);
		else
			json_array_remove(list, (size_t)found);
	} else if (found >= 0) {
		rc = berr_set(err, BERR_EXISTS, "account '%s' already has a token '%s'",
			      te->name, te->id);
	} else if (json_array_size(list) >= MAX_TOKENS_PER_ACCOUNT) {
		rc = berr_set(err, BERR_LIMIT, "account '%s' has %d tokens already", te->name,
			      MAX_TOKENS_PER_ACCOUNT);
	} else {
		json_t *tok = json_pack("{s:s, s:I}", "id", te->id, "iat", te->iat);
		if (te->exp)
			json_object_set_new(tok, "exp", json_integer(te->exp));
		json_array_append_new(list, tok);
	}
	if (!rc)
		set_tokens(data, te->name, list);
	json_decref(list);
	return rc;
}

int api_token_issue(struct api *api, const char *name, const char *id, long expires_in,
		    char **out, struct berr *err)
{
	struct api_settings *st;
	int rc = api_settings_get(api, &st, err);
	if (rc < 0)
		return rc;
	char gen[33];
	if (!id || !*id) {
		api_random_hex(gen, 16);
		id = gen;
	}
	time_t now = time(NULL);
	/* an API token without expiry gets a JWT expiry far away; revocation
	 * removes its id */
	json_int_t exp = expires_in > 0 ? (json_int_t)now + expires_in : 0;
	struct token_edit te = { name, id, (json_int_t)now, exp, 0 };
	rc = api_edit_data(api, "Secret", "bosun-secret", edit_tokens, &te, err);
	if (rc == 0) {
		json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "iss",
					   API_ISSUER, "aud", API_AUDIENCE, "sub", name, "iat",
					   (json_int_t)now, "nbf", (json_int_t)now, "exp",
					   exp ? exp : (json_int_t)now + 100LL * 365 * 86400,
					   "jti", id, "kind", "apiKey");
		rc = jwt_sign(out, claims, st->key.data, st->key.len, err);
		json_decref(claims);
	}
	api_settings_put(st);
	return rc;
}

int api_token_revoke(struct api *api, const char *name, const char *id, struct berr *err)
{
	struct token_edit te = { name, id, 0, 0, 1 };
	return api_edit_data(api, "Secret", "bosun-secret", edit_tokens, &te, err);
}

/* ------------------------------------------------------------ passwords */

struct password_edit {
	const char *name;
	const char *hash;
};

static int edit_password(json_t *data, void *arg, struct berr *err)
{
	(void)err;
	struct password_edit *pe = arg;
	char key[API_NAME_MAX + 32], mtime[TIMEFMT_SIZE];
	timefmt_now(mtime);
	snprintf(key, sizeof(key), "accounts.%s.password", pe->name);
	json_object_set_new(data, key, json_string(pe->hash));
	snprintf(key, sizeof(key), "accounts.%s.passwordMtime", pe->name);
	json_object_set_new(data, key, json_string(mtime));
	return 0;
}

int api_password_set(struct api *api, const char *name, const char *password,
		     struct berr *err)
{
	char *hash = NULL;
	int rc = password_hash(&hash, password, PASSWORD_ITERATIONS, err);
	if (rc < 0)
		return rc;
	struct password_edit pe = { name, hash };
	rc = api_edit_data(api, "Secret", "bosun-secret", edit_password, &pe, err);
	free(hash);
	return rc;
}

/* ------------------------------------------------------------ bootstrap */

struct bootstrap_edit {
	const char *hash;       /* NULL: only the key */
	int created_key, created_admin;
};

static int edit_bootstrap(json_t *data, void *arg, struct berr *err)
{
	struct bootstrap_edit *be = arg;
	be->created_key = be->created_admin = 0;
	if (!json_object_get(data, "server.secretkey")) {
		char key[65];
		api_random_hex(key, 32);
		json_object_set_new(data, "server.secretkey", json_string(key));
		be->created_key = 1;
	}
	if (be->hash && !json_object_get(data, "accounts.admin.password")) {
		struct password_edit pe = { "admin", be->hash };
		edit_password(data, &pe, err);
		be->created_admin = 1;
	}
	return 0;
}

static int ensure_namespace(struct api *api, struct berr *err)
{
	json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
			       "metadata", "name", api->ns);
	json_t *res = NULL;
	int rc = kube_client_create(api->kc, &res, ns, NULL, err);
	json_decref(ns);
	json_decref(res);
	if (rc == BERR_EXISTS || rc == BERR_CONFLICT || rc == BERR_AUTH) {
		berr_clear(err);
		return 0;
	}
	return rc;
}

int api_accounts_bootstrap(struct api *api, struct berr *err)
{
	int rc = ensure_namespace(api, err);
	if (rc < 0)
		return berr_prefix(err, "cannot create namespace '%s'", api->ns);
	struct kube_ref ref = api_ref(api, "Secret", "bosun-secret");
	json_t *secret = NULL;
	rc = kube_client_get(api->kc, &secret, &ref, err);
	if (rc < 0 && rc != BERR_NOTFOUND)
		return berr_prefix(err, "cannot read 'bosun-secret'");
	int need_admin = 1;
	if (secret) {
		const json_t *data = json_object_get(secret, "data");
		need_admin = !json_object_get(data, "accounts.admin.password");
		json_decref(secret);
	}
	char password[33] = "";
	char *hash = NULL;
	if (need_admin) {
		unsigned char raw[18];
		api_random_bytes(raw, sizeof(raw));
		struct buf b = BUF_INIT;
		b64url_encode(&b, raw, sizeof(raw));
		snprintf(password, sizeof(password), "%s", b.data);
		buf_release(&b);
		if ((rc = password_hash(&hash, password, PASSWORD_ITERATIONS, err)) < 0)
			return rc;
	}
	struct bootstrap_edit be = { hash, 0, 0 };
	rc = api_edit_data(api, "Secret", "bosun-secret", edit_bootstrap, &be, err);
	free(hash);
	if (rc < 0)
		return berr_prefix(err, "cannot write 'bosun-secret'");
	if (be.created_admin) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/admin-password", api->data_dir);
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s\n", password);
		rc = daemon_write_file(path, b.data, b.len, 0600, err);
		memset(b.data, 0, b.len);
		buf_release(&b);
		/* printed this once, when this replica created the account (issue
		 * 7); never again, and no other field of any line is unmasked */
		if (rc == 0)
			log_msg_reveal(LOG_INFO, "password",
				       "created the admin account; log in as admin with this first "
				       "password (shown once; also in the file; change it with "
				       "'bosun account update-password')",
				       "user", "admin", "password", password, "file", path, NULL);
		memset(password, 0, sizeof(password));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ requests */

static const char *cookie_token(const char *cookies, char *buf, size_t size)
{
	if (!cookies)
		return NULL;
	const char *p = cookies;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (!strncmp(p, "bosun.token=", 12)) {
			p += 12;
			size_t n = strcspn(p, ";");
			if (n == 0 || n >= size)
				return NULL;
			memcpy(buf, p, n);
			buf[n] = 0;
			return buf;
		}
		p += strcspn(p, ";");
	}
	return NULL;
}

int api_authenticate(struct api_ctx *ctx, struct http_request *req, struct berr *err)
{
	char cbuf[JWT_MAX_LEN + 1];
	const char *token = NULL;
	const char *authz = http_request_header(req, "Authorization");
	if (authz && !strncasecmp(authz, "Bearer ", 7))
		token = authz + 7;
	else
		token = cookie_token(http_request_header(req, "Cookie"), cbuf, sizeof(cbuf));
	if (!token || !*token)
		return berr_set(err, BERR_AUTH, "no session information");
	int rc = api_settings_get(ctx->api, &ctx->st, err);
	if (rc < 0)
		return rc;
	if (ctx->st->key.len < 16)
		return berr_set(err, BERR_AUTH, "no signing key in 'bosun-secret'");
	json_t *claims;
	if (jwt_verify(&claims, token, ctx->st->key.data, ctx->st->key.len, API_ISSUER,
		       API_AUDIENCE, time(NULL), err) < 0)
		return BERR_AUTH;
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	const char *jti = json_string_value(json_object_get(claims, "jti"));
	const char *kind = json_string_value(json_object_get(claims, "kind"));
	rc = 0;
	if (kind && !strcmp(kind, "projectRole")) {
		/* a project token: its role must still list it (project-roles.c) */
		if (!sub || strncmp(sub, "proj:", 5) || !api_project_token_listed(ctx->st, sub, jti))
			rc = berr_set(err, BERR_AUTH, "project token was revoked or its role is gone");
	} else if (!sub || !strncmp(sub, "proj:", 5) || !api_account_enabled(ctx->st, sub)) {
		rc = berr_set(err, BERR_AUTH, "account '%s' does not exist or is disabled", sub);
	} else if (kind && !strcmp(kind, "session")) {
		char pv[24];
		fingerprint(pv, ctx->st, sub);
		const char *have = json_string_value(json_object_get(claims, "pv"));
		if (!have || strcmp(have, pv))
			rc = berr_set(err, BERR_AUTH, "session ended by a password change");
		else if (is_revoked(ctx->api, jti))
			rc = berr_set(err, BERR_AUTH, "session ended by logout");
		ctx->session = 1;
	} else if (kind && !strcmp(kind, "apiKey")) {
		if (!api_account_has_capability(ctx->st, sub, "apiKey") ||
		    !token_listed(ctx->st, sub, jti))
			rc = berr_set(err, BERR_AUTH, "API token was revoked");
	} else {
		rc = berr_set(err, BERR_AUTH, "invalid token: unknown kind");
	}
	if (rc < 0) {
		json_decref(claims);
		return rc;
	}
	snprintf(ctx->user, sizeof(ctx->user), "%s", sub);
	snprintf(ctx->jti, sizeof(ctx->jti), "%s", jti);
	ctx->claims = claims;
	return 0;
}
