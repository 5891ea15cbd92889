/*
 * tree — reading files straight from a commit's tree in the object
 * database: no work tree, no checkout, nothing written to disk.
 *
 * Paths are resolved component by component from the root tree. A symlink
 * is followed only while its target stays inside the repository: relative
 * targets resolve against the link's directory, absolute targets and targets
 * climbing above the root are refused, and more than `max_symlinks` hops is
 * reported as a loop; every such error names the link's path.
 *
 * Limits guard each render: bytes per file, total bytes read through one
 * reader, number of files listed. A blob's size is read from its header
 * before its content, so an oversized file costs nothing to refuse.
 */
#ifndef BOSUN_REPO_TREE_H
#define BOSUN_REPO_TREE_H

#include <git2.h>

#include "buf.h"
#include "err.h"

struct tree_limits {
	size_t max_file_bytes;  /* per file; default 10 MiB */
	size_t max_total_bytes; /* per reader (one render); default 100 MiB */
	size_t max_files;       /* files listed per reader; default 10000 */
	size_t max_symlinks;    /* hops while resolving one path; default 40 */
	size_t max_depth;       /* directory depth of a listing; default 64 */
};

/* Zero fields take the defaults above. */
extern const struct tree_limits tree_default_limits;

struct tree_reader;

/* Opens the tree of commit `sha` (40 hex) in `repo`; `limits` may be NULL.
 * The repository must outlive the reader; free with tree_reader_free(). */
int tree_reader_open(struct tree_reader **out, git_repository *repo,
		     const char *sha, const struct tree_limits *limits,
		     struct berr *err);
void tree_reader_free(struct tree_reader *r);

/*
 * Normalises a source path given by a user (spec.source.path): "" and "."
 * are the root; "./a//b/" is "a/b". Absolute paths and any ".." component
 * are refused with BERR_INVALID. Appends the clean path to `out`.
 */
int tree_clean_path(struct buf *out, const char *path, struct berr *err);

enum tree_kind { TREE_MISSING, TREE_FILE, TREE_DIR };

/* Resolves `path` (clean, relative to the root) following symlinks. Sets
 * *kind (TREE_MISSING is not an error) and, when `resolved` is not NULL,
 * appends the path the symlinks lead to. */
int tree_stat(enum tree_kind *kind, struct buf *resolved, struct tree_reader *r,
	      const char *path, struct berr *err);

/* Appends the content of the file at `path` to `out`, within the limits. */
int tree_read_file(struct buf *out, struct tree_reader *r, const char *path,
		   struct berr *err);

struct tree_file {
	char *path;             /* relative to the listed directory, '/'-separated */
	char *repo_path;        /* relative to the repository root */
};

/*
 * Lists the files under directory `dir` (clean path), in the order Argo CD
 * walks them (lexical per directory, depth first), descending into
 * subdirectories when `recurse`. A symlink to a file inside the repository
 * is listed as a file; a symlink to a directory is not descended (as
 * filepath.Walk does) and a dangling one is skipped, as Argo CD skips them;
 * a symlink leaving the repository or looping is an error. The caller frees with tree_files_free().
 */
int tree_list_files(struct tree_file **out, size_t *out_n, struct tree_reader *r,
		    const char *dir, int recurse, struct berr *err);
void tree_files_free(struct tree_file *files, size_t n);

/* Bytes read so far through this reader. */
size_t tree_reader_total(const struct tree_reader *r);

#endif
