/*
 * textdiff.c — line-based unified diff for `app diff`.
 *
 * The common head and tail are trimmed first (most object diffs change a
 * few lines in the middle), then the longest common subsequence of what
 * remains is found by dynamic programming. The table is capped (about 16M
 * cells); past it the middle is shown as removed-then-added, which is still
 * a correct diff, only a longer one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define DP_MAX_CELLS (16u << 20)
#define CONTEXT 3

struct lines {
	const char **s;
	size_t *len;
	size_t n;
};

static void split(struct lines *l, const char *text)
{
	size_t cap = 16;
	l->n = 0;
	l->s = xmalloc(cap * sizeof(*l->s));
	l->len = xmalloc(cap * sizeof(*l->len));
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (l->n == cap) {
			cap *= 2;
			l->s = xrealloc(l->s, cap * sizeof(*l->s));
			l->len = xrealloc(l->len, cap * sizeof(*l->len));
		}
		l->s[l->n] = p;
		l->len[l->n++] = len;
		p = nl ? nl + 1 : NULL;
	}
}

static int same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->s[i], b->s[j], a->len[i]);
}

/* One edit: ' ', '-' or '+', with the line index in its side. */
struct op {
	char kind;
	size_t a, b;
};

static size_t script(const struct lines *a, const struct lines *b, struct op **out)
{
	size_t pre = 0, suf = 0;
	while (pre < a->n && pre < b->n && same(a, pre, b, pre))
		pre++;
	while (suf < a->n - pre && suf < b->n - pre && same(a, a->n - 1 - suf, b, b->n - 1 - suf))
		suf++;
	size_t n = a->n - pre - suf, m = b->n - pre - suf, k = 0;
	struct op *ops = xmalloc((a->n + b->n + 1) * sizeof(*ops));
	for (size_t i = 0; i < pre; i++)
		ops[k++] = (struct op){ ' ', i, i };
	if (n && m && (uint64_t)(n + 1) * (m + 1) <= DP_MAX_CELLS) {
		/* lcs[i][j]: LCS of a[pre+i..] and b[pre+j..] */
		uint32_t *lcs = xcalloc((n + 1) * (m + 1), sizeof(*lcs));
#define L(i, j) lcs[(size_t)(i) * (m + 1) + (j)]
		for (size_t i = n; i-- > 0;)
			for (size_t j = m; j-- > 0;)
				L(i, j) = same(a, pre + i, b, pre + j) ? L(i + 1, j + 1) + 1
					  : L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
		size_t i = 0, j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && same(a, pre + i, b, pre + j)) {
				ops[k++] = (struct op){ ' ', pre + i, pre + j };
				i++, j++;
			} else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
				ops[k++] = (struct op){ '-', pre + i, pre + j };
				i++;
			} else {
				ops[k++] = (struct op){ '+', pre + i, pre + j };
				j++;
			}
		}
#undef L
		free(lcs);
	} else {
		for (size_t i = 0; i < n; i++)
			ops[k++] = (struct op){ '-', pre + i, pre };
		for (size_t j = 0; j < m; j++)
			ops[k++] = (struct op){ '+', pre + n, pre + j };
	}
	for (size_t i = 0; i < suf; i++)
		ops[k++] = (struct op){ ' ', a->n - suf + i, b->n - suf + i };
	*out = ops;
	return k;
}

int textdiff_unified(struct buf *out, const char *a_text, const char *b_text,
		     const char *a_name, const char *b_name, int color)
{
	struct lines a, b;
	split(&a, a_text);
	split(&b, b_text);
	struct op *ops;
	size_t nops = script(&a, &b, &ops);
	int changed = 0;
	const char *red = color ? "\033[31m" : "", *green = color ? "\033[32m" : "";
	const char *cyan = color ? "\033[36m" : "", *reset = color ? "\033[0m" : "";
	size_t i = 0;
	while (i < nops) {
		if (ops[i].kind == ' ') {
			i++;
			continue;
		}
		/* a hunk: from CONTEXT lines before this change to CONTEXT after
		 * the last change that is at most 2*CONTEXT lines from the next */
		size_t start = i >= CONTEXT ? i - CONTEXT : 0, end = i;
		for (size_t j = i; j < nops; j++) {
			if (ops[j].kind == ' ')
				continue;
			if (j > end + 2 * CONTEXT)
				break;
			end = j;
		}
		size_t stop = end + CONTEXT + 1 < nops ? end + CONTEXT + 1 : nops;
		if (!changed)
			buf_addf(out, "%s--- %s\n+++ %s%s\n", color ? "\033[1m" : "", a_name, b_name,
				 reset);
		changed = 1;
		size_t na = 0, nb = 0;
		for (size_t j = start; j < stop; j++) {
			na += ops[j].kind != '+';
			nb += ops[j].kind != '-';
		}
		buf_addf(out, "%s@@ -%zu,%zu +%zu,%zu @@%s\n", cyan,
			 na ? ops[start].a + 1 : ops[start].a, na,
			 nb ? ops[start].b + 1 : ops[start].b, nb, reset);
		for (size_t j = start; j < stop; j++) {
			const struct op *o = &ops[j];
			if (o->kind == ' ')
				buf_addf(out, " %.*s\n", (int)a.len[o->a], a.s[o->a]);
			else if (o->kind == '-')
				buf_addf(out, "%s-%.*s%s\n", red, (int)a.len[o->a], a.s[o->a], reset);
			else
				buf_addf(out, "%s+%.*s%s\n", green, (int)b.len[o->b], b.s[o->b], reset);
		}
		i = stop;
	}
	free(ops);
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
	return changed;
}
