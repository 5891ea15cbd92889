/*
 * diff-text — the unified text diff users read (`bosun app diff`, the UI).
 *
 * Lines of both texts are first numbered by equivalence class (a hash table
 * over the lines), so the comparison loop works on integers. The edit script
 * is Myers' O(ND) difference algorithm in its linear-space form: find the
 * middle snake of the shortest edit path by searching from both ends, split
 * there, recurse; common prefixes and suffixes are trimmed at every level.
 * On hostile input (two long, wholly different texts) the search for a
 * middle snake stops after DIFF_TOO_EXPENSIVE rounds and splits at the
 * furthest point reached: the diff stays correct, only perhaps not minimal,
 * and the time stays bounded. Output follows `diff -u`: hunks with
 * `context` lines, "@@ -l,n +l,n @@" headers, and the
 * "\ No newline at end of file" marker.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "diff.h"

#define DIFF_TOO_EXPENSIVE 1024

struct line {
	const char *p;
	size_t len;             /* including the '\n' when there is one */
};

struct text {
	struct line *lines;
	int *ids;               /* equivalence class of each line */
	char *changed;          /* 1: deleted (a) or inserted (b) */
	int n;
};

struct myers {
	const int *a, *b;
	int *fd, *bd;           /* diagonal arrays, offset so index -M-1 is 0 */
	char *del, *ins;
};

static int split_lines(struct text *t, const char *s, struct berr *err)
{
	size_t cap = 16;
	const char *p = s;

	t->n = 0;
	t->lines = xmalloc(cap * sizeof(*t->lines));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (t->n >= DIFF_MAX_LINES)
			return berr_set(err, BERR_LIMIT, "text has more than %d lines",
					DIFF_MAX_LINES);
		if ((size_t)t->n == cap) {
			cap *= 2;
			t->lines = xrealloc(t->lines, cap * sizeof(*t->lines));
		}
		t->lines[t->n].p = p;
		t->lines[t->n].len = len;
		t->n++;
		p += len;
	}
	return 0;
}

static uint64_t line_hash(const struct line *l)
{
	uint64_t h = 1469598103934665603ULL;    /* FNV-1a */
	for (size_t i = 0; i < l->len; i++)
		h = (h ^ (unsigned char)l->p[i]) * 1099511628211ULL;
	return h;
}

/* Gives equal lines of both texts the same small integer. */
static void number_lines(struct text *a, struct text *b)
{
	size_t total = (size_t)a->n + (size_t)b->n, size = 16;
	struct slot { const struct line *l; uint64_t h; int id; } *tab;
	int next = 0;

	while (size < total * 2)
		size *= 2;
	tab = xcalloc(size, sizeof(*tab));
	for (int side = 0; side < 2; side++) {
		struct text *t = side ? b : a;
		t->ids = xmalloc(((size_t)t->n + 1) * sizeof(int));
		for (int i = 0; i < t->n; i++) {
			const struct line *l = &t->lines[i];
			uint64_t h = line_hash(l);
			size_t k = (size_t)h & (size - 1);
			while (tab[k].l && (tab[k].h != h || tab[k].l->len != l->len ||
					    memcmp(tab[k].l->p, l->p, l->len) != 0))
				k = (k + 1) & (size - 1);
			if (!tab[k].l) {
				tab[k].l = l;
				tab[k].h = h;
				tab[k].id = next++;
			}
			t->ids[i] = tab[k].id;
		}
	}
	free(tab);
}

/* Finds a point (*mx, *my) on an optimal (or, past the cost limit, a
 * reasonable) edit path between the two boxes' corners, not at a corner
 * unless the path is trivial. fd/bd hold the furthest x reached on each
 * diagonal k = x - y from the top-left and bottom-right corners. */
static void middle_snake(struct myers *m, int xoff, int xlim, int yoff, int ylim,
			 int *mx, int *my)
{
	int *fd = m->fd, *bd = m->bd;
	int dmin = xoff - ylim, dmax = xlim - yoff;
	int fmid = xoff - yoff, bmid = xlim - ylim;
	int fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
	int odd = (fmid - bmid) & 1;

	fd[fmid] = xoff;
	bd[bmid] = xlim;
	for (int cost = 1;; cost++) {
		int d;

		if (fmin > dmin)
			fd[--fmin - 1] = -1;
		else
			++fmin;
		if (fmax < dmax)
			fd[++fmax + 1] = -1;
		else
			--fmax;
		for (d = fmax; d >= fmin; d -= 2) {
			int tlo = fd[d - 1], thi = fd[d + 1];
			int x = tlo >= thi ? tlo + 1 : thi, y = x - d;
			while (x < xlim && y < ylim && m->a[x] == m->b[y])
				x++, y++;
			fd[d] = x;
			if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
				*mx = x;
				*my = y;
				return;
			}
		}
		if (bmin > dmin)
			bd[--bmin - 1] = INT_MAX;
		else
			++bmin;
		if (bmax < dmax)
			bd[++bmax + 1] = INT_MAX;
		else
			--bmax;
		for (d = bmax; d >= bmin; d -= 2) {
			int tlo = bd[d - 1], thi = bd[d + 1];
			int x = tlo < thi ? tlo : thi - 1, y = x - d;
			while (x > xoff && y > yoff && m->a[x - 1] == m->b[y - 1])
				x--, y--;
			bd[d] = x;
			if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
				*mx = x;
				*my = y;
				return;
			}
		}
		if (cost >= DIFF_TOO_EXPENSIVE) {
			/* Give up on minimality: take the forward point that got
			 * furthest (largest x + y), clamped into the box. */
			int best = -1, bx = xoff, by = yoff;
			for (d = fmax; d >= fmin; d -= 2) {
				int x = fd[d] < xlim ? fd[d] : xlim, y = x - d;
				if (y > ylim)
					y = ylim, x = y + d;
				if (x >= xoff && y >= yoff && x + y > best)
					best = x + y, bx = x, by = y;
			}
			*mx = bx;
			*my = by;
			return;
		}
	}
}

static void compare_seq(struct myers *m, int xoff, int xlim, int yoff, int ylim)
{
	for (;;) {
		int x, y;

		while (xoff < xlim && yoff < ylim && m->a[xoff] == m->b[yoff])
			xoff++, yoff++;
		while (xlim > xoff && ylim > yoff && m->a[xlim - 1] == m->b[ylim - 1])
			xlim--, ylim--;
		if (xoff == xlim) {
			while (yoff < ylim)
				m->ins[yoff++] = 1;
			return;
		}
		if (yoff == ylim) {
			while (xoff < xlim)
				m->del[xoff++] = 1;
			return;
		}
		middle_snake(m, xoff, xlim, yoff, ylim, &x, &y);
		if ((x == xoff && y == yoff) || (x == xlim && y == ylim)) {
			/* No progress (only after the cost cut-off): delete one
			 * line and go on, which always shrinks the box. */
			m->del[xoff++] = 1;
			continue;
		}
		/* Recurse on the smaller half, loop on the larger, so the stack
		 * stays logarithmic. */
		if ((x - xoff) + (y - yoff) < (xlim - x) + (ylim - y)) {
			compare_seq(m, xoff, x, yoff, y);
			xoff = x;
			yoff = y;
		} else {
			compare_seq(m, x, xlim, y, ylim);
			xlim = x;
			ylim = y;
		}
	}
}

static void emit_line(struct buf *out, char tag, const struct line *l)
{
	buf_addch(out, tag);
	buf_add(out, l->p, l->len);
	if (l->len == 0 || l->p[l->len - 1] != '\n')
		buf_adds(out, "\n\\ No newline at end of file\n");
}

static void emit_range(struct buf *out, char sign, int start, int count)
{
	/* diff -u: an empty range names the line before it */
	buf_addf(out, "%c%d", sign, count ? start + 1 : start);
	if (count != 1)
		buf_addf(out, ",%d", count);
}

/* Writes the hunks: walks both texts in step, a change being a run of
 * deleted lines of a and inserted lines of b. */
static void emit_hunks(struct buf *out, const struct text *a, const struct text *b,
		       int context)
{
	int i = 0, j = 0;

	while (i < a->n || j < b->n) {
		int ci = i, cj = j, hi, hj, ei, ej, ni, nj;

		/* find the next change */
		while (ci < a->n && cj < b->n && !a->changed[ci] && !b->changed[cj])
			ci++, cj++;
		if (ci >= a->n && cj >= b->n)
			break;
		hi = ci - context > i ? ci - context : i;
		hj = cj - (ci - hi);
		if (hi < 0)
			hi = 0;
		/* extend the hunk while the next change is within 2*context */
		ei = ci;
		ej = cj;
		for (;;) {
			int gi, gj, gap = 0;
			while (ei < a->n && a->changed[ei])
				ei++;
			while (ej < b->n && b->changed[ej])
				ej++;
			gi = ei;
			gj = ej;
			while (gi < a->n && gj < b->n && !a->changed[gi] && !b->changed[gj])
				gi++, gj++, gap++;
			if ((gi >= a->n && gj >= b->n) || gap > 2 * context) {
				int tail = gap < context ? gap : context;
				ni = ei + tail;
				nj = ej + tail;
				break;
			}
			ei = gi;
			ej = gj;
		}
		buf_adds(out, "@@ ");
		emit_range(out, '-', hi, ni - hi);
		buf_addch(out, ' ');
		emit_range(out, '+', hj, nj - hj);
		buf_adds(out, " @@\n");
		while (hi < ni || hj < nj) {
			if (hi < ni && a->changed[hi]) {
				emit_line(out, '-', &a->lines[hi++]);
			} else if (hj < nj && b->changed[hj]) {
				emit_line(out, '+', &b->lines[hj++]);
			} else {
				emit_line(out, ' ', &a->lines[hi]);
				hi++;
				hj++;
			}
		}
		i = ni;
		j = nj;
	}
}

int diff_unified(struct buf *out, const char *a_text, const char *b_text,
		 const char *label_a, const char *label_b, int context,
		 struct berr *err)
{
	struct text a = { 0 }, b = { 0 };
	struct myers m;
	int rc = 0;

	if (context < 0)
		context = 0;
	if ((rc = split_lines(&a, a_text ? a_text : "", err)) < 0 ||
	    (rc = split_lines(&b, b_text ? b_text : "", err)) < 0)
		goto done;
	number_lines(&a, &b);
	a.changed = xcalloc((size_t)a.n + 1, 1);
	b.changed = xcalloc((size_t)b.n + 1, 1);
	m.a = a.ids;
	m.b = b.ids;
	m.del = a.changed;
	m.ins = b.changed;
	m.fd = xmalloc(((size_t)a.n + b.n + 3) * sizeof(int));
	m.bd = xmalloc(((size_t)a.n + b.n + 3) * sizeof(int));
	m.fd += b.n + 1;
	m.bd += b.n + 1;
	compare_seq(&m, 0, a.n, 0, b.n);
	free(m.fd - (b.n + 1));
	free(m.bd - (b.n + 1));

	for (int i = 0; i < a.n; i++)
		if (a.changed[i])
			goto changed;
	for (int j = 0; j < b.n; j++)
		if (b.changed[j])
			goto changed;
	goto done;
changed:
	buf_addf(out, "--- %s\n+++ %s\n", label_a ? label_a : "a", label_b ? label_b : "b");
	emit_hunks(out, &a, &b, context);
done:
	free(a.lines);
	free(b.lines);
	free(a.ids);
	free(b.ids);
	free(a.changed);
	free(b.changed);
	return rc;
}
