/*
 * flags.c — command-line parsing for every command: long flags as kubectl
 * and argocd write them (`--flag value`, `--flag=value`, `-f value`,
 * booleans as `--flag` or `--flag=false`), the global flags every command
 * takes, and the small terminal helpers (secret prompt, confirmation,
 * colour). A table of struct cli_flag per command instead of getopt_long
 * keeps each command's flags next to the variables they fill.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"

struct cli_globals cli_globals;

static const struct cli_flag global_flags[] = {
	{ "server", 0, CLI_STR, &cli_globals.server },
	{ "auth-token", 0, CLI_STR, &cli_globals.auth_token },
	{ "insecure", 0, CLI_BOOL, &cli_globals.insecure },
	{ "plaintext", 0, CLI_BOOL, &cli_globals.plaintext },
	{ "config", 0, CLI_STR, &cli_globals.config },
	{ NULL, 0, 0, NULL },
};

void cli_usage(const struct cmd_entry *cmd, FILE *f)
{
	fprintf(f, "usage: bosun %s%s%s\n", cmd->name, cmd->usage && *cmd->usage ? " " : "",
		cmd->usage ? cmd->usage : "");
}

int cli_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "bosun %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(cmd, stderr);
	return CLI_USAGE;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("bosun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

static const struct cli_flag *find_long(const struct cli_flag *flags, const char *name,
					size_t len)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct cli_flag *f = pass ? global_flags : flags;
		for (; f && f->name; f++)
			if (strlen(f->name) == len && !strncmp(f->name, name, len))
				return f;
	}
	return NULL;
}

static const struct cli_flag *find_short(const struct cli_flag *flags, char c)
{
	for (const struct cli_flag *f = flags; f && f->name; f++)
		if (f->short_name == c)
			return f;
	return NULL;
}

static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
		*out = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int set_flag(const struct cmd_entry *cmd, const struct cli_flag *f, const char *shown,
		    const char *value)
{
	switch (f->type) {
	case CLI_BOOL:
		if (parse_bool(value, f->dst) < 0) {
			cli_usage_error(cmd, "invalid value '%s' for %s: want true or false",
					value, shown);
			return -1;
		}
		return 0;
	case CLI_STR:
		*(const char **)f->dst = value;
		return 0;
	case CLI_LIST: {
		struct cli_list *l = f->dst;
		if (l->n >= (int)(sizeof(l->v) / sizeof(*l->v))) {
			cli_usage_error(cmd, "too many %s flags", shown);
			return -1;
		}
		l->v[l->n++] = value;
		return 0;
	}
	case CLI_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (!*value || *end || errno) {
			cli_usage_error(cmd, "invalid number '%s' for %s", value, shown);
			return -1;
		}
		*(long *)f->dst = v;
		return 0;
	}
	}
	return -1;
}

int cli_parse(const struct cmd_entry *cmd, int argc, char **argv,
	      const struct cli_flag *flags, const char **args, int max_args, int *nargs)
{
	*nargs = 0;
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_args || a[0] != '-' || !a[1]) {
			if (*nargs >= max_args) {
				cli_usage_error(cmd, "unexpected argument '%s'", a);
				return -1;
			}
			args[(*nargs)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cli_usage(cmd, stdout);
			printf("\n%s\n", cmd->summary);
			exit(0);
		}
		const struct cli_flag *f;
		const char *value = NULL;
		char shown[80];
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			f = find_long(flags, name, len);
			snprintf(shown, sizeof(shown), "--%.*s", (int)len, name);
			if (eq)
				value = eq + 1;
		} else {
			/* -o json, or kubectl's -ojson for a flag with a value */
			f = find_short(flags, a[1]);
			if (f && a[2] && f->type != CLI_BOOL)
				value = a + 2;
			else if (a[2])
				f = NULL;
			snprintf(shown, sizeof(shown), "%s", a);
		}
		if (!f) {
			cli_usage_error(cmd, "unknown flag '%s'", shown);
			return -1;
		}
		if (f->type == CLI_BOOL && !value)
			value = "true";
		if (!value) {
			if (i + 1 >= argc) {
				cli_usage_error(cmd, "flag %s needs a value", shown);
				return -1;
			}
			value = argv[++i];
		}
		if (set_flag(cmd, f, shown, value) < 0)
			return -1;
	}
	return 0;
}

int cli_split_kv(const char *s, char *key, size_t size, const char **value)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s || (size_t)(eq - s) >= size)
		return -1;
	memcpy(key, s, eq - s);
	key[eq - s] = 0;
	*value = eq + 1;
	return 0;
}

long cli_parse_duration(const char *s)
{
	if (!s || !*s)
		return -1;
	long total = 0;
	const char *p = s;
	while (*p) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || v < 0)
			return -1;
		long mul = 1;
		switch (*end) {
		case 0: break;
		case 's': mul = 1; end++; break;
		case 'm': mul = 60; end++; break;
		case 'h': mul = 3600; end++; break;
		case 'd': mul = 86400; end++; break;
		default: return -1;
		}
		if (v > 100L * 365 * 86400 / mul)
			return -1;
		total += v * mul;
		p = end;
	}
	return total;
}

int cli_output_parse(const char *s, enum cli_output *out)
{
	static const struct { const char *name; enum cli_output v; } names[] = {
		{ "", OUT_TABLE }, { "wide", OUT_WIDE }, { "json", OUT_JSON },
		{ "yaml", OUT_YAML }, { "name", OUT_NAME },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(s ? s : "", names[i].name)) {
			*out = names[i].v;
			return 0;
		}
	return -1;
}

int cli_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && (!nc || !*nc);
}

static int read_line(FILE *f, char *out, size_t size)
{
	if (!fgets(out, (int)size, f))
		return -1;
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

int cli_read_secret(const char *prompt, char *out, size_t size)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty || !isatty(fileno(tty))) {
		if (tty)
			fclose(tty);
		return read_line(stdin, out, size);
	}
	/* echo goes off before the prompt shows, so nothing typed after the
	 * prompt is ever echoed or thrown away */
	struct termios old, quiet;
	int restore = tcgetattr(fileno(tty), &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	fputs(prompt, tty);
	fflush(tty);
	int rc = read_line(tty, out, size);
	if (restore)
		tcsetattr(fileno(tty), TCSANOW, &old);
	fputc('\n', tty);
	fclose(tty);
	return rc;
}

int cli_confirm(const char *question)
{
	fprintf(stderr, "%s [y/n] ", question);
	fflush(stderr);
	char line[16];
	if (read_line(stdin, line, sizeof(line)) < 0)
		return 0;
	return !strcmp(line, "y") || !strcmp(line, "Y") || !strcmp(line, "yes");
}
