/*
 * sprig-math.c — Sprig's integer math (add, sub, mul, div, mod, max, min
 * with cast's loose conversions and Go's wrapping int64 arithmetic), float
 * math (addf, mulf, ... which Sprig does in decimal: here in long double,
 * rounded to 15 significant digits, so 1.2*2.4*10*4 is 115.2 as in
 * Sprig), rounding, random ints, and the generators until, untilStep and
 * seq, whose length is capped so `until 100000000` is an error, not a
 * gigabyte of memory.
 */
#include "repo-server/sprig/sprig-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#define MAX_SEQ 1000000

static int64_t wrap_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t wrap_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static int64_t wrap_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }

SPRIG_FN(fn_add1)
{
	if (sprig_arity("add1", n, 1, 1, err) < 0)
		return err->code;
	*out = sprig_int64(ARENA, wrap_add(sprig_to_int64(args[0]), 1));
	return 0;
}

SPRIG_FN(fn_add)
{
	(void)err;
	int64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = wrap_add(s, sprig_to_int64(args[i]));
	*out = sprig_int64(ARENA, s);
	return 0;
}

SPRIG_FN(fn_sub)
{
	if (sprig_arity("sub", n, 2, 2, err) < 0)
		return err->code;
	*out = sprig_int64(ARENA, wrap_sub(sprig_to_int64(args[0]), sprig_to_int64(args[1])));
	return 0;
}

static int divmod(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		  const char *name, bool mod)
{
	if (sprig_arity(name, n, 2, 2, err) < 0)
		return err->code;
	int64_t a = sprig_to_int64(args[0]), b = sprig_to_int64(args[1]);
	if (b == 0)
		return berr_set(err, BERR_INVALID, "runtime error: integer divide by zero");
	int64_t r;
	if (b == -1)
		r = mod ? 0 : wrap_sub(0, a);
	else
		r = mod ? a % b : a / b;
	*out = sprig_int64(ARENA, r);
	return 0;
}

SPRIG_FN(fn_div) { return divmod(call, out, args, n, err, "div", false); }
SPRIG_FN(fn_mod) { return divmod(call, out, args, n, err, "mod", true); }

SPRIG_FN(fn_mul)
{
	if (sprig_arity("mul", n, 1, SIZE_MAX, err) < 0)
		return err->code;
	int64_t v = sprig_to_int64(args[0]);
	for (size_t i = 1; i < n; i++)
		v = wrap_mul(v, sprig_to_int64(args[i]));
	*out = sprig_int64(ARENA, v);
	return 0;
}

static int maxmin(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		  const char *name, bool max)
{
	if (sprig_arity(name, n, 1, SIZE_MAX, err) < 0)
		return err->code;
	int64_t v = sprig_to_int64(args[0]);
	for (size_t i = 1; i < n; i++) {
		int64_t b = sprig_to_int64(args[i]);
		if (max ? b > v : b < v)
			v = b;
	}
	*out = sprig_int64(ARENA, v);
	return 0;
}

SPRIG_FN(fn_max) { return maxmin(call, out, args, n, err, "max", true); }
SPRIG_FN(fn_min) { return maxmin(call, out, args, n, err, "min", false); }

static int maxminf(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, bool max)
{
	if (sprig_arity(name, n, 1, SIZE_MAX, err) < 0)
		return err->code;
	double v = sprig_to_float64(args[0]);
	for (size_t i = 1; i < n; i++) {
		double b = sprig_to_float64(args[i]);
		v = max ? fmax(v, b) : fmin(v, b);
		if (isnan(b))
			v = b;
	}
	*out = tv_float(ARENA, v);
	return 0;
}

SPRIG_FN(fn_maxf) { return maxminf(call, out, args, n, err, "maxf", true); }
SPRIG_FN(fn_minf) { return maxminf(call, out, args, n, err, "minf", false); }

/* Decimal-like result: 15 significant digits of the long double value. */
static double decimalize(long double v)
{
	if (!isfinite((double)v) || v == 0)
		return (double)v;
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%.15Lg", v);
	return strtod(tmp, NULL);
}

enum fop { F_ADD, F_SUB, F_MUL, F_DIV };

static int float_op(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		    const char *name, long double start, size_t first, enum fop op)
{
	if (first == 1 && sprig_arity(name, n, 1, SIZE_MAX, err) < 0)
		return err->code;
	long double v = first == 1 ? (long double)sprig_to_float64(args[0]) : start;
	for (size_t i = first; i < n; i++) {
		long double x = sprig_to_float64(args[i]);
		switch (op) {
		case F_ADD: v += x; break;
		case F_SUB: v -= x; break;
		case F_MUL: v *= x; break;
		case F_DIV:
			if (x == 0)
				return berr_set(err, BERR_INVALID, "decimal division by 0");
			v /= x;
			break;
		}
	}
	*out = tv_float(ARENA, decimalize(v));
	return 0;
}

SPRIG_FN(fn_addf) { return float_op(call, out, args, n, err, "addf", 0, 0, F_ADD); }
SPRIG_FN(fn_subf) { return float_op(call, out, args, n, err, "subf", 0, 1, F_SUB); }
SPRIG_FN(fn_mulf) { return float_op(call, out, args, n, err, "mulf", 0, 1, F_MUL); }
SPRIG_FN(fn_divf) { return float_op(call, out, args, n, err, "divf", 0, 1, F_DIV); }

SPRIG_FN(fn_add1f)
{
	if (sprig_arity("add1f", n, 1, 1, err) < 0)
		return err->code;
	*out = tv_float(ARENA, decimalize((long double)sprig_to_float64(args[0]) + 1));
	return 0;
}

static int unary_f(struct tmpl_call *call, tv **out, tv **args, size_t n, struct berr *err,
		   const char *name, double (*f)(double))
{
	if (sprig_arity(name, n, 1, 1, err) < 0)
		return err->code;
	*out = tv_float(ARENA, f(sprig_to_float64(args[0])));
	return 0;
}

SPRIG_FN(fn_ceil) { return unary_f(call, out, args, n, err, "ceil", ceil); }
SPRIG_FN(fn_floor) { return unary_f(call, out, args, n, err, "floor", floor); }

SPRIG_FN(fn_round)
{
	int64_t p;
	if (sprig_arity("round", n, 2, 3, err) < 0 || sprig_int(args[1], &p, err) < 0)
		return err->code;
	double on = .5;
	if (n == 3) {
		if (args[2]->kind != TV_FLOAT)
			return berr_set(err, BERR_INVALID, "wrong type for value; expected float64; got %s",
					tv_type_name(args[2]));
		on = args[2]->u.f;
	}
	double val = sprig_to_float64(args[0]);
	double pw = pow(10, (double)p);
	double digit = pw * val, ip;
	double frac = modf(digit, &ip);
	double r = frac >= on ? ceil(digit) : floor(digit);
	*out = tv_float(ARENA, r / pw);
	return 0;
}

SPRIG_FN(fn_randint)
{
	int64_t lo, hi;
	if (sprig_arity("randInt", n, 2, 2, err) < 0 || sprig_int(args[0], &lo, err) < 0 ||
	    sprig_int(args[1], &hi, err) < 0)
		return err->code;
	if (hi <= lo)
		return berr_set(err, BERR_INVALID, "invalid argument to Intn");
	uint64_t r;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)rand();
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	*out = tv_int(ARENA, (int64_t)((uint64_t)lo + r % span));
	return 0;
}

static size_t seq_cap(struct tmpl_call *call)
{
	size_t by_memory = tmpl_call_options(call)->max_memory / 128;
	return by_memory < MAX_SEQ ? by_memory : MAX_SEQ;
}

/* Sprig's untilStep; fails when the list would pass the cap. */
static int until_step(struct tmpl_call *call, tv **out, int64_t start, int64_t stop,
		      int64_t step, struct berr *err, const char *name)
{
	tv *l = tv_list(ARENA, 0);
	l->u.list.go_type = "[]int";
	*out = l;
	if (step == 0 || (stop < start && step > 0) || (stop >= start && step < 0))
		return 0;
	__int128 count = ((__int128)stop - start + step + (step > 0 ? -1 : 1)) / step;
	if (count > (__int128)seq_cap(call))
		return berr_set(err, BERR_LIMIT, "%s: %lld elements is over the limit of %zu", name,
				(long long)(count > INT64_MAX ? INT64_MAX : (int64_t)count),
				seq_cap(call));
	for (__int128 i = start; step > 0 ? i < stop : i > stop; i += step)
		tv_list_push(ARENA, l, tv_int(ARENA, (int64_t)i));
	return 0;
}

SPRIG_FN(fn_until)
{
	int64_t c;
	if (sprig_arity("until", n, 1, 1, err) < 0 || sprig_int(args[0], &c, err) < 0)
		return err->code;
	return until_step(call, out, 0, c, c < 0 ? -1 : 1, err, "until");
}

SPRIG_FN(fn_untilstep)
{
	int64_t a, b, s;
	if (sprig_arity("untilStep", n, 3, 3, err) < 0 || sprig_int(args[0], &a, err) < 0 ||
	    sprig_int(args[1], &b, err) < 0 || sprig_int(args[2], &s, err) < 0)
		return err->code;
	return until_step(call, out, a, b, s, err, "untilStep");
}

SPRIG_FN(fn_seq)
{
	int64_t p[3] = { 0 };
	for (size_t i = 0; i < n && i < 3; i++)
		if (sprig_int(args[i], &p[i], err) < 0)
			return err->code;
	int64_t start, end, step, inc = 1;
	switch (n) {
	case 1:
		start = 1;
		end = p[0];
		if (end < start)
			inc = -1;
		step = inc;
		break;
	case 2:
		start = p[0];
		end = p[1];
		step = end < start ? -1 : 1;
		inc = step;
		break;
	case 3:
		start = p[0];
		end = p[2];
		step = p[1];
		if (end < start) {
			inc = -1;
			if (step > 0) {
				*out = tv_str(ARENA, "");
				return 0;
			}
		}
		break;
	default:
		*out = tv_str(ARENA, "");
		return 0;
	}
	tv *l;
	if (until_step(call, &l, start, wrap_add(end, inc), step, err, "seq") < 0)
		return err->code;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < l->u.list.len; i++) {
		if (i)
			buf_addch(&b, ' ');
		buf_addf(&b, "%lld", (long long)l->u.list.items[i]->u.i);
	}
	*out = tv_str_buf(ARENA, &b);
	return 0;
}

const struct sprig_entry sprig_math_funcs[] = {
	{ "add1", fn_add1 }, { "add", fn_add }, { "sub", fn_sub }, { "div", fn_div },
	{ "mod", fn_mod }, { "mul", fn_mul }, { "max", fn_max }, { "biggest", fn_max },
	{ "min", fn_min }, { "maxf", fn_maxf }, { "minf", fn_minf },
	{ "add1f", fn_add1f }, { "addf", fn_addf }, { "subf", fn_subf }, { "mulf", fn_mulf },
	{ "divf", fn_divf }, { "ceil", fn_ceil }, { "floor", fn_floor }, { "round", fn_round },
	{ "randInt", fn_randint }, { "until", fn_until }, { "untilStep", fn_untilstep },
	{ "seq", fn_seq },
	{ NULL, NULL },
};
