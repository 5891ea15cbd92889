/*
 * revision — targetRevision to commit SHA, as Argo CD resolves it, and the
 * ls-remote style list of a mirror's branches and tags.
 *
 * Order of resolution (Argo CD's): a full 40-hex SHA is taken as is (it must
 * name a commit in the mirror); a semver constraint (`1.2.*`, `^1.2`,
 * `~1.2`, `>=1.0.0 <2.0.0`, `1.0 - 2.0`, `|| `) picks the highest tag that
 * satisfies it, with Masterminds/semver v3 semantics (a `v` prefix is
 * tolerated on tags and constraints, pre-releases only match a constraint
 * that names one); empty or HEAD is the remote's default branch; then
 * `refs/...`, `refs/tags/<rev>`, `refs/heads/<rev>` (git's order); last, a
 * short SHA of 7 or more hex digits. A plain version like `1.2.3` is not a
 * constraint: it must be a ref. Annotated tags are peeled to their commit.
 */
#ifndef BOSUN_REPO_REVISION_H
#define BOSUN_REPO_REVISION_H

#include <git2.h>
#include <jansson.h>

#include "err.h"

#define REVISION_SHA_LEN 40

/* Fills out (41 bytes, NUL-terminated) with the full commit SHA. */
int revision_resolve(char out[REVISION_SHA_LEN + 1], git_repository *repo,
		     const char *revision, struct berr *err);

/* 1 when `s` is exactly 40 hex digits. */
int revision_is_full_sha(const char *s);

/*
 * Lists the mirror's refs: {"head": "main" or null, "branches": [{"name",
 * "sha"}...], "tags": [{"name", "sha"}...]} sorted by name, tag SHAs peeled
 * to commits. The caller decrefs *out.
 */
int revision_list_refs(json_t **out, git_repository *repo, struct berr *err);

/* --- semver (Masterminds/semver v3 semantics) --- */

struct semver {
	unsigned long long major, minor, patch;
	char pre[128];          /* pre-release without '-', "" when none */
};

/* Lenient parse as Masterminds NewVersion: optional v, missing minor/patch
 * are 0, pre-release and build metadata allowed. 0 or BERR_INVALID. */
int semver_parse(struct semver *out, const char *s);
/* <0, 0, >0 as a sorts before, with, after b (build metadata ignored). */
int semver_compare(const struct semver *a, const struct semver *b);

struct semver_constraint;
int semver_constraint_parse(struct semver_constraint **out, const char *s,
			    struct berr *err);
int semver_constraint_check(const struct semver_constraint *c, const struct semver *v);
void semver_constraint_free(struct semver_constraint *c);

#endif
