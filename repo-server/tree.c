/*
 * tree.c — files of a commit read from the object database (see tree.h).
 *
 * Resolution keeps two strings: `done`, the directory reached so far (a
 * real path in the tree, free of symlinks), and `rest`, the components still
 * to walk. A symlink met on the way is replaced by its target: `rest`
 * becomes target + "/" + rest, `done` stays the link's directory, so a
 * relative target resolves as the kernel would. ".." pops a component of
 * `done`; popping past the root is the escape we refuse. Absolute targets
 * are refused outright: the repository has no root to anchor them to.
 */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

const struct tree_limits tree_default_limits = {
	.max_file_bytes = 10u << 20,
	.max_total_bytes = 100u << 20,
	.max_files = 10000,
	.max_symlinks = 40,
	.max_depth = 64,
};

#define SYMLINK_TARGET_MAX 4096

struct tree_reader {
	git_repository *repo;
	git_odb *odb;
	git_tree *root;
	struct tree_limits limits;
	size_t total;
};

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

int tree_reader_open(struct tree_reader **out, git_repository *repo,
		     const char *sha, const struct tree_limits *limits,
		     struct berr *err)
{
	git_oid oid;
	git_commit *commit = NULL;
	*out = NULL;
	if (git_oid_fromstr(&oid, sha) < 0)
		return berr_set(err, BERR_INVALID, "invalid commit SHA '%s'", sha);
	if (git_commit_lookup(&commit, repo, &oid) < 0)
		return berr_set(err, BERR_NOTFOUND, "commit '%s' not found: %s", sha, git_msg());
	struct tree_reader *r = xcalloc(1, sizeof(*r));
	r->repo = repo;
	int rc = git_commit_tree(&r->root, commit);
	git_commit_free(commit);
	if (rc < 0 || git_repository_odb(&r->odb, repo) < 0) {
		tree_reader_free(r);
		return berr_set(err, BERR_IO, "cannot read tree of commit '%s': %s", sha, git_msg());
	}
	r->limits = limits ? *limits : tree_default_limits;
#define DEFAULT(f) if (!r->limits.f) r->limits.f = tree_default_limits.f
	DEFAULT(max_file_bytes);
	DEFAULT(max_total_bytes);
	DEFAULT(max_files);
	DEFAULT(max_symlinks);
	DEFAULT(max_depth);
#undef DEFAULT
	*out = r;
	return 0;
}

void tree_reader_free(struct tree_reader *r)
{
	if (!r)
		return;
	git_tree_free(r->root);
	git_odb_free(r->odb);
	free(r);
}

size_t tree_reader_total(const struct tree_reader *r)
{
	return r->total;
}

int tree_clean_path(struct buf *out, const char *path, struct berr *err)
{
	if (!path)
		return 0;
	if (path[0] == '/')
		return berr_set(err, BERR_INVALID,
				"path '%s' is absolute: it must be relative to the repository root", path);
	if (strlen(path) > 4096)
		return berr_set(err, BERR_LIMIT, "path is longer than 4096 bytes");
	size_t start = out->len;
	const char *p = path;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 2 && !strncmp(p, "..", 2)) {
			buf_truncate(out, start);
			return berr_set(err, BERR_INVALID,
					"path '%s' leaves the repository: '..' is not allowed", path);
		}
		if (n && !(n == 1 && *p == '.')) {
			if (out->len > start)
				buf_addch(out, '/');
			buf_add(out, p, n);
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* Looks up `path` ("" = root) without following symlinks. Returns 0 with
 * *out set (caller frees), or GIT_ENOTFOUND. */
static int entry_at(git_tree_entry **out, struct tree_reader *r, const char *path)
{
	return git_tree_entry_bypath(out, r->root, path);
}

static int read_link(struct buf *out, struct tree_reader *r, const git_tree_entry *e,
		     const char *link, struct berr *err)
{
	size_t size = 0;
	git_object_t type;
	if (git_odb_read_header(&size, &type, r->odb, git_tree_entry_id(e)) < 0)
		return berr_set(err, BERR_IO, "cannot read symlink '%s': %s", link, git_msg());
	if (size > SYMLINK_TARGET_MAX)
		return berr_set(err, BERR_LIMIT, "symlink '%s' has a target longer than %d bytes",
				link, SYMLINK_TARGET_MAX);
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, r->repo, git_tree_entry_id(e)) < 0)
		return berr_set(err, BERR_IO, "cannot read symlink '%s': %s", link, git_msg());
	const char *data = git_blob_rawcontent(blob);
	size_t len = (size_t)git_blob_rawsize(blob);
	size_t n = strnlen(data, len);
	buf_add(out, data, n);
	git_blob_free(blob);
	return 0;
}

/* Pops the first component of *rest into comp. */
static void next_component(struct buf *comp, const char **rest)
{
	const char *p = *rest;
	size_t n = strcspn(p, "/");
	buf_reset(comp);
	buf_add(comp, p, n);
	p += n;
	while (*p == '/')
		p++;
	*rest = p;
}

/*
 * Resolves `path`; on success sets *kind and, for files and directories,
 * *oid_out and the resolved path. `follow_last` = 0 leaves a final symlink
 * alone (reported as a file).
 */
static int resolve(enum tree_kind *kind, git_oid *oid_out, struct buf *resolved,
		   struct tree_reader *r, const char *path, struct berr *err)
{
	struct buf done = BUF_INIT, rest = BUF_INIT, comp = BUF_INIT, link = BUF_INIT,
		   target = BUF_INIT, full = BUF_INIT;
	size_t hops = 0;
	int rc = 0;
	const char *cur;
	git_oid last_oid;
	enum tree_kind last = TREE_DIR;

	git_oid_cpy(&last_oid, git_tree_id(r->root));
	buf_adds(&rest, path);
	cur = rest.data;
	while (*cur) {
		next_component(&comp, &cur);
		if (!comp.len || !strcmp(comp.data, "."))
			continue;
		if (last != TREE_DIR) {         /* a file used as a directory */
			last = TREE_MISSING;
			break;
		}
		if (!strcmp(comp.data, "..")) {
			if (!done.len) {
				rc = berr_set(err, BERR_INVALID, "symlink '%s' points outside the repository",
					      link.len ? link.data : path);
				goto out;
			}
			char *slash = strrchr(done.data, '/');
			buf_truncate(&done, slash ? (size_t)(slash - done.data) : 0);
			git_tree_entry *e = NULL;
			if (done.len && entry_at(&e, r, done.data) == 0) {
				git_oid_cpy(&last_oid, git_tree_entry_id(e));
				git_tree_entry_free(e);
			} else if (!done.len) {
				git_oid_cpy(&last_oid, git_tree_id(r->root));
			}
			continue;
		}
		buf_reset(&full);
		if (done.len)
			buf_addf(&full, "%s/", done.data);
		buf_add(&full, comp.data, comp.len);
		git_tree_entry *e = NULL;
		if (entry_at(&e, r, full.data) < 0) {
			last = TREE_MISSING;
			break;
		}
		git_filemode_t mode = git_tree_entry_filemode(e);
		if (mode == GIT_FILEMODE_LINK) {
			if (++hops > r->limits.max_symlinks) {
				git_tree_entry_free(e);
				rc = berr_set(err, BERR_LIMIT,
					      "symlink loop at '%s': more than %zu levels of symlinks",
					      full.data, r->limits.max_symlinks);
				goto out;
			}
			buf_reset(&link);
			buf_add(&link, full.data, full.len);
			buf_reset(&target);
			rc = read_link(&target, r, e, link.data, err);
			git_tree_entry_free(e);
			if (rc < 0)
				goto out;
			if (!target.len || target.data[0] == '/') {
				rc = berr_set(err, BERR_INVALID,
					      "symlink '%s' points outside the repository (target '%s')",
					      link.data, target.data);
				goto out;
			}
			/* rest := target "/" rest */
			buf_addf(&target, "/%s", cur);
			buf_reset(&rest);
			buf_add(&rest, target.data, target.len);
			cur = rest.data;
			continue;
		}
		git_oid_cpy(&last_oid, git_tree_entry_id(e));
		git_tree_entry_free(e);
		buf_reset(&done);
		buf_add(&done, full.data, full.len);
		if (mode == GIT_FILEMODE_TREE)
			last = TREE_DIR;
		else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE)
			last = TREE_FILE;
		else {
			rc = berr_set(err, BERR_UNSUPPORTED,
				      "'%s' is a submodule: submodules are not supported", full.data);
			goto out;
		}
	}
	*kind = last;
	if (oid_out)
		git_oid_cpy(oid_out, &last_oid);
	if (resolved && last != TREE_MISSING)
		buf_add(resolved, done.data, done.len);
out:
	buf_release(&done);
	buf_release(&rest);
	buf_release(&comp);
	buf_release(&link);
	buf_release(&target);
	buf_release(&full);
	return rc;
}

int tree_stat(enum tree_kind *kind, struct buf *resolved, struct tree_reader *r,
	      const char *path, struct berr *err)
{
	return resolve(kind, NULL, resolved, r, path, err);
}

int tree_read_file(struct buf *out, struct tree_reader *r, const char *path,
		   struct berr *err)
{
	enum tree_kind kind;
	git_oid oid;
	int rc = resolve(&kind, &oid, NULL, r, path, err);
	if (rc < 0)
		return rc;
	if (kind == TREE_MISSING)
		return berr_set(err, BERR_NOTFOUND, "file '%s' not found", path);
	if (kind == TREE_DIR)
		return berr_set(err, BERR_INVALID, "'%s' is a directory, not a file", path);
	size_t size = 0;
	git_object_t type;
	if (git_odb_read_header(&size, &type, r->odb, &oid) < 0)
		return berr_set(err, BERR_IO, "cannot read '%s': %s", path, git_msg());
	if (size > r->limits.max_file_bytes)
		return berr_set(err, BERR_LIMIT, "file '%s' is %zu bytes, over the limit of %zu bytes",
				path, size, r->limits.max_file_bytes);
	if (r->total + size > r->limits.max_total_bytes)
		return berr_set(err, BERR_LIMIT,
				"files read exceed the limit of %zu bytes per render (at '%s')",
				r->limits.max_total_bytes, path);
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, r->repo, &oid) < 0)
		return berr_set(err, BERR_IO, "cannot read '%s': %s", path, git_msg());
	buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	r->total += (size_t)git_blob_rawsize(blob);
	git_blob_free(blob);
	return 0;
}

/* --- listing ------------------------------------------------------------- */

struct listing {
	struct tree_file *files;
	size_t n, cap;
	const char *top;        /* the directory being listed, for messages */
};

static int cmp_entries(const void *a, const void *b)
{
	const git_tree_entry *x = *(const git_tree_entry *const *)a;
	const git_tree_entry *y = *(const git_tree_entry *const *)b;
	return strcmp(git_tree_entry_name(x), git_tree_entry_name(y));
}

static int add_file(struct listing *l, struct tree_reader *r, const char *rel,
		    const char *repo_path, struct berr *err)
{
	if (l->n >= r->limits.max_files)
		return berr_set(err, BERR_LIMIT, "more than %zu files under '%s'",
				r->limits.max_files, *l->top ? l->top : ".");
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->files = xrealloc(l->files, l->cap * sizeof(*l->files));
	}
	l->files[l->n].path = xstrdup(rel);
	l->files[l->n].repo_path = xstrdup(repo_path);
	l->n++;
	return 0;
}

static int list_dir(struct listing *l, struct tree_reader *r, const git_tree *tree,
		    const char *repo_dir, const char *rel_dir, int recurse, size_t depth,
		    struct berr *err)
{
	if (depth > r->limits.max_depth)
		return berr_set(err, BERR_LIMIT, "directory '%s' is nested deeper than %zu levels",
				repo_dir, r->limits.max_depth);
	size_t n = git_tree_entrycount(tree);
	const git_tree_entry **entries = xcalloc(n ? n : 1, sizeof(*entries));
	for (size_t i = 0; i < n; i++)
		entries[i] = git_tree_entry_byindex(tree, i);
	qsort(entries, n, sizeof(*entries), cmp_entries);
	int rc = 0;
	struct buf repo_path = BUF_INIT, rel = BUF_INIT;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = git_tree_entry_name(entries[i]);
		buf_reset(&repo_path);
		buf_reset(&rel);
		buf_addf(&repo_path, "%s%s%s", repo_dir, *repo_dir ? "/" : "", name);
		buf_addf(&rel, "%s%s%s", rel_dir, *rel_dir ? "/" : "", name);
		git_filemode_t mode = git_tree_entry_filemode(entries[i]);
		if (mode == GIT_FILEMODE_TREE) {
			if (!recurse)
				continue;
			git_tree *sub = NULL;
			if (git_tree_lookup(&sub, r->repo, git_tree_entry_id(entries[i])) < 0) {
				rc = berr_set(err, BERR_IO, "cannot read directory '%s': %s",
					      repo_path.data, git_msg());
				break;
			}
			rc = list_dir(l, r, sub, repo_path.data, rel.data, recurse, depth + 1, err);
			git_tree_free(sub);
		} else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
			rc = add_file(l, r, rel.data, repo_path.data, err);
		} else if (mode == GIT_FILEMODE_LINK) {
			enum tree_kind kind;
			rc = resolve(&kind, NULL, NULL, r, repo_path.data, err);
			if (rc == 0 && kind == TREE_FILE)
				rc = add_file(l, r, rel.data, repo_path.data, err);
		}
		/* submodules (commit entries) are skipped like other non-files */
	}
	buf_release(&repo_path);
	buf_release(&rel);
	free(entries);
	return rc;
}

void tree_files_free(struct tree_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(files[i].path);
		free(files[i].repo_path);
	}
	free(files);
}

int tree_list_files(struct tree_file **out, size_t *out_n, struct tree_reader *r,
		    const char *dir, int recurse, struct berr *err)
{
	enum tree_kind kind;
	git_oid oid;
	struct buf real = BUF_INIT;
	*out = NULL;
	*out_n = 0;
	int rc = resolve(&kind, &oid, &real, r, dir, err);
	if (rc < 0)
		goto out;
	if (kind != TREE_DIR) {
		rc = berr_set(err, kind == TREE_MISSING ? BERR_NOTFOUND : BERR_INVALID,
			      kind == TREE_MISSING ? "path '%s' not found in repository"
			      : "path '%s' is a file, not a directory", dir);
		goto out;
	}
	git_tree *tree = NULL;
	if (git_tree_lookup(&tree, r->repo, &oid) < 0) {
		rc = berr_set(err, BERR_IO, "cannot read directory '%s': %s", dir, git_msg());
		goto out;
	}
	struct listing l = { .top = dir };
	rc = list_dir(&l, r, tree, real.data, "", recurse, 0, err);
	git_tree_free(tree);
	if (rc < 0) {
		tree_files_free(l.files, l.n);
		goto out;
	}
	*out = l.files;
	*out_n = l.n;
out:
	buf_release(&real);
	return rc;
}
