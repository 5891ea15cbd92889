/* cmd-app-history.c — `bosun app history NAME`: the releases deployed,
 * each with the first line of its commit message (the API's revision
 * metadata, asked once per revision; blank when the repository cannot say). */
#include <string.h>

#include "cli/cli.h"
#include "doc.h"

#define MESSAGE_COLUMN_MAX 60

/* The first line of the commit message of rev, cut to the column, into
 * out (empty when unknown). */
static void commit_subject(struct buf *out, struct cli_client *c, const char *app,
			   const char *rev)
{
	buf_reset(out);
	if (!rev || !*rev)
		return;
	struct buf path = BUF_INIT, suffix = BUF_INIT;
	buf_adds(&suffix, "/revisions/");
	cli_escape(&suffix, rev);
	buf_adds(&suffix, "/metadata");
	app_path(&path, app, suffix.data);
	json_t *meta = NULL;
	char msgbuf[BERR_MSG_MAX];
	if (cli_request_quiet(c, "GET", path.data, NULL, &meta, NULL, msgbuf) == 0) {
		const char *msg = doc_get_str(meta, "message");
		size_t n = msg ? strcspn(msg, "\n") : 0, w = 0, i = 0;
		/* cut at a character boundary */
		for (; i < n && w < MESSAGE_COLUMN_MAX; i++)
			if (((unsigned char)msg[i] & 0xc0) != 0x80)
				w++;
		while (i < n && ((unsigned char)msg[i] & 0xc0) == 0x80)
			i++;
		buf_add(out, msg ? msg : "", i);
		if (i < n)
			buf_adds(out, "…");
	}
	json_decref(meta);
	buf_release(&path);
	buf_release(&suffix);
}

extern const struct cmd_entry cmd_app_history_entry;

static int app_history_exec(int argc, char **argv)
{
	const char *output = NULL, *args[1];
	int n;
	struct cli_flag flags[] = {
		{ "output", 'o', CLI_STR, &output },
		{ NULL, 0, 0, NULL },
	};
	if (cli_parse(&cmd_app_history_entry, argc, argv, flags, args, 1, &n) < 0)
		return CLI_USAGE;
	enum cli_output fmt;
	if (cli_output_parse(output, &fmt) < 0)
		return cli_usage_error(&cmd_app_history_entry, "invalid output '%s'", output);
	if (n != 1)
		return cli_usage_error(&cmd_app_history_entry, "expects the application NAME");
	struct cli_client *c;
	if (cli_connect(&c, 1))
		return CLI_FAIL;
	json_t *res;
	struct buf path = BUF_INIT;
	app_path(&path, args[0], "/history");
	int rc = app_request(c, "GET", path.data, NULL, &res, args[0]);
	buf_release(&path);
	if (rc) {
		cli_client_free(c);
		return rc;
	}
	json_t *items = json_object_get(res, "items");
	if (fmt == OUT_JSON || fmt == OUT_YAML) {
		cli_print_doc(items, fmt);
	} else {
		struct table t;
		json_t *subjects = json_object();
		struct buf subject = BUF_INIT;
		table_init(&t, 6);
		table_add(&t, "ID", "DATE", "REVISION", "INITIATED-BY", "ROLLBACK-OF", "MESSAGE");
		size_t i;
		json_t *h;
		json_array_foreach(items, i, h) {
			char id[32], of[32] = "";
			snprintf(id, sizeof(id), "%lld", (long long)doc_get_int(h, "id", 0));
			if (doc_get(h, "rollbackOf"))
				snprintf(of, sizeof(of), "%lld",
					 (long long)doc_get_int(h, "rollbackOf", 0));
			const char *by = doc_get_str(h, "initiatedBy.username");
			const char *rev = nz(doc_get_str(h, "revision"));
			if (*rev && !json_object_get(subjects, rev)) {
				commit_subject(&subject, c, args[0], rev);
				json_object_set_new(subjects, rev, json_string(subject.data));
			}
			table_add(&t, id, doc_get_str(h, "deployedAt"), doc_get_str(h, "revision"),
				  by ? by : doc_get_bool(h, "initiatedBy.automated", 0)
				  ? "automated" : "", of,
				  json_string_value(json_object_get(subjects, rev)));
		}
		table_print(&t, stdout);
		table_free(&t);
		buf_release(&subject);
		json_decref(subjects);
	}
	cli_client_free(c);
	json_decref(res);
	return 0;
}

const struct cmd_entry cmd_app_history_entry = {
	.name = "app history",
	.usage = "NAME [-o json|yaml]",
	.summary = "show the deployment history of an application",
	.exec = app_history_exec,
};
