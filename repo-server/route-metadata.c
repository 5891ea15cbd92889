/*
 * route-metadata — commit metadata for the UI's history and summary (see
 * route-metadata.h).
 *
 * The revision is resolved by the render engine, so a branch or tag fetches
 * exactly as a manifest request would, and a full SHA the mirror already
 * holds costs no network. The commit is then read from the mirror through a
 * store of our own over the same directory (a store only maps URLs to
 * mirror paths; fetching stays with the engine's).
 *
 * Commit text comes from anyone who can push: the message is cut at
 * METADATA_MESSAGE_MAX bytes, tags at METADATA_TAGS_MAX, and bytes that are
 * not UTF-8 become U+FFFD so the answer is always valid JSON. The cache
 * holds METADATA_CACHE_MAX answers in a ring; the oldest goes first.
 */
#include "repo-server/route-metadata.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "repo-server/mirror.h"
#include "repo-server/revision.h"

#define METADATA_CACHE_MAX 4096
#define METADATA_MESSAGE_MAX (64 * 1024)
#define METADATA_TAGS_MAX 100

struct revision_metadata {
	struct render_engine *engine;
	struct mirror_store *mirrors;
	pthread_mutex_t mu;
	json_t *cache;                  /* "url\nsha" -> answer */
	char *ring[METADATA_CACHE_MAX]; /* keys in insertion order */
	size_t next;
};

/* ------------------------------------------------------------ text */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of at most max bytes of s, invalid bytes as U+FFFD. */
static json_t *text_value(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len((const unsigned char *)s + i, n - i);
		if (b.len + (len ? len : 3) > max)
			break;
		if (len && s[i] != 0) {
			buf_add(&b, s + i, len);
			i += len;
		} else {
			buf_adds(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	json_t *v = json_stringn(b.data, b.len);
	buf_release(&b);
	return v ? v : json_string("");
}

/* ------------------------------------------------------------ git */

struct tag_walk {
	git_repository *repo;
	git_oid commit;
	json_t *tags;
};

static int tag_cb(const char *name, git_oid *oid, void *arg)
{
	struct tag_walk *w = arg;
	git_object *obj = NULL, *peeled = NULL;
	if (git_object_lookup(&obj, w->repo, oid, GIT_OBJECT_ANY) == 0
	    && git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0
	    && git_oid_equal(git_object_id(peeled), &w->commit)
	    && json_array_size(w->tags) < METADATA_TAGS_MAX) {
		const char *short_name = strncmp(name, "refs/tags/", 10) ? name : name + 10;
		json_array_append_new(w->tags, text_value(short_name, 1024));
	}
	git_object_free(peeled);
	git_object_free(obj);
	return 0;
}

static int read_commit(json_t **out, git_repository *repo, const char *sha, struct berr *err)
{
	git_oid oid;
	git_commit *c = NULL;
	if (git_oid_fromstr(&oid, sha) < 0 || git_commit_lookup(&c, repo, &oid) < 0)
		return berr_set(err, BERR_NOTFOUND, "commit '%s' not found in the repository", sha);
	const git_signature *a = git_commit_author(c);
	struct buf author = BUF_INIT;
	buf_addf(&author, "%s <%s>", a && a->name ? a->name : "", a && a->email ? a->email : "");
	char date[32] = "";
	time_t t = a ? (time_t)a->when.time : 0;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct tag_walk w = { repo, oid, json_array() };
	git_tag_foreach(repo, tag_cb, &w);
	*out = json_pack("{s:s, s:o, s:s, s:o, s:o}", "revision", sha,
			 "author", text_value(author.data, 1024), "date", date,
			 "message", text_value(git_commit_message(c), METADATA_MESSAGE_MAX),
			 "tags", w.tags);
	buf_release(&author);
	git_commit_free(c);
	return 0;
}

/* ------------------------------------------------------------ cache */

static json_t *cache_get(struct revision_metadata *m, const char *key)
{
	pthread_mutex_lock(&m->mu);
	json_t *v = json_incref(json_object_get(m->cache, key));
	pthread_mutex_unlock(&m->mu);
	return v;
}

static void cache_put(struct revision_metadata *m, const char *key, json_t *value)
{
	pthread_mutex_lock(&m->mu);
	if (!json_object_get(m->cache, key)) {
		char **slot = &m->ring[m->next];
		if (*slot) {
			json_object_del(m->cache, *slot);
			free(*slot);
		}
		*slot = xstrdup(key);
		m->next = (m->next + 1) % METADATA_CACHE_MAX;
		json_object_set(m->cache, key, value);
	}
	pthread_mutex_unlock(&m->mu);
}

int revision_metadata_get(json_t **out, struct revision_metadata *m, const char *url,
			  const char *revision, const struct repo_creds *creds,
			  struct berr *err)
{
	*out = NULL;
	if (!url || !*url)
		return berr_set(err, BERR_INVALID, "field 'repoURL' is required");
	if (!revision || !*revision)
		return berr_set(err, BERR_INVALID, "field 'revision' is required");
	struct buf key = BUF_INIT;
	if (revision_is_full_sha(revision)) {
		buf_addf(&key, "%s\n", url);
		for (const char *p = revision; *p; p++)
			buf_addch(&key, (char)(*p | 0x20));
		if ((*out = cache_get(m, key.data))) {
			buf_release(&key);
			return 0;
		}
		buf_reset(&key);
	}
	char sha[REVISION_SHA_LEN + 1];
	int rc = render_resolve(sha, m->engine, url, revision, creds, err);
	git_repository *repo = NULL;
	if (rc == 0) {
		buf_addf(&key, "%s\n%s", url, sha);
		if ((*out = cache_get(m, key.data))) {
			buf_release(&key);
			return 0;
		}
		rc = mirror_open(&repo, m->mirrors, url, err);
	}
	if (rc == 0)
		rc = read_commit(out, repo, sha, err);
	if (rc == 0)
		cache_put(m, key.data, *out);
	git_repository_free(repo);
	buf_release(&key);
	return rc;
}

/* ------------------------------------------------------------ HTTP */

static int string_field(const char **out, const json_t *obj, const char *name, struct berr *err)
{
	json_t *v = json_object_get(obj, name);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berr_set(err, BERR_INVALID, "field '%s' must be a string", name);
	*out = json_string_value(v);
	return 0;
}

/* The `repo` credentials as /v1/manifests takes them; strings stay owned
 * by body. */
static int parse_creds(struct repo_creds *c, const json_t *body, struct berr *err)
{
	const json_t *repo = json_object_get(body, "repo");
	memset(c, 0, sizeof(*c));
	if (!repo || json_is_null(repo))
		return 0;
	if (!json_is_object(repo))
		return berr_set(err, BERR_INVALID, "field 'repo' must be an object");
	struct { const char *name; const char **field; } f[] = {
		{ "username", &c->username }, { "password", &c->password },
		{ "sshPrivateKey", &c->ssh_private_key }, { "sshPassphrase", &c->ssh_passphrase },
		{ "sshKnownHosts", &c->ssh_known_hosts }, { "tlsCA", &c->ca_pem },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (string_field(f[i].field, repo, f[i].name, err) < 0)
			return berr_prefix(err, "repo");
	const json_t *insecure = json_object_get(repo, "insecure");
	if (insecure && !json_is_boolean(insecure) && !json_is_null(insecure))
		return berr_set(err, BERR_INVALID, "field 'repo.insecure' must be a boolean");
	c->insecure = json_is_true(insecure);
	return 0;
}

static void handle_metadata(struct http_request *req, struct http_response *resp, void *arg)
{
	struct revision_metadata *m = arg;
	struct berr err = BERR_INIT;
	struct repo_creds creds;
	const char *url = NULL, *rev = NULL;
	json_t *body = NULL, *out = NULL;
	int rc = http_request_json(req, &body, &err);
	if (rc == 0 && !json_is_object(body))
		rc = berr_set(&err, BERR_INVALID, "request body must be a JSON object");
	if (rc == 0)
		rc = string_field(&url, body, "repoURL", &err);
	if (rc == 0)
		rc = string_field(&rev, body, "revision", &err);
	if (rc == 0)
		rc = parse_creds(&creds, body, &err);
	if (rc == 0)
		rc = revision_metadata_get(&out, m, url, rev, &creds, &err);
	if (rc < 0)
		http_response_berr(resp, &err);
	else
		http_response_json(resp, 200, out);
	json_decref(out);
	json_decref(body);
}

int revision_metadata_routes(struct revision_metadata **out, struct http_server *srv,
			     struct render_engine *engine, const char *data_dir,
			     struct berr *err)
{
	*out = NULL;
	struct revision_metadata *m = xcalloc(1, sizeof(*m));
	m->engine = engine;
	m->cache = json_object();
	pthread_mutex_init(&m->mu, NULL);
	int rc = mirror_store_open(&m->mirrors, data_dir, err);
	if (rc == 0)
		rc = http_server_route(srv, "POST", "/v1/revision-metadata", handle_metadata, m, err);
	if (rc < 0) {
		revision_metadata_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void revision_metadata_free(struct revision_metadata *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < METADATA_CACHE_MAX; i++)
		free(m->ring[i]);
	json_decref(m->cache);
	mirror_store_free(m->mirrors);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
