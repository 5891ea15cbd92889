/*
 * fuzz-template.c — parse and execute arbitrary template text (with the
 * Sprig functions) against a small data object, under tight step, output,
 * memory, depth and time limits. Any crash, hang, leak or sanitizer report
 * is a bug.
 *
 * The fuzz build links only the lib/ sources, so the template and Sprig
 * sources are compiled in here.
 */
#include "repo-server/template/exec.c"
#include "repo-server/template/gofmt.c"
#include "repo-server/template/parse.c"
#include "repo-server/template/set.c"
#include "repo-server/template/value.c"
#include "repo-server/sprig/sprig-all.inc"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Key generation and bcrypt take up to a second per call: fuzzing them
 * finds nothing and starves the rest, so those functions fail fast here. */
static int slow_disabled(struct tmpl_call *call, tv **out, tv **args, size_t n,
			 struct berr *err)
{
	(void)call; (void)out; (void)args; (void)n;
	return berr_set(err, BERR_UNSUPPORTED, "disabled while fuzzing");
}

static const char *const slow[] = {
	"genPrivateKey", "genCA", "genCAWithKey", "genSelfSignedCert",
	"genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey",
	"bcrypt", "htpasswd", "derivePassword",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *values;
	if (!values)
		values = json_loads("{\"a\":1,\"b\":[1,2.5,\"x\",null],\"m\":{\"k\":\"v\",\"n\":{\"z\":true}},"
				    "\"s\":\"str\",\"f\":0.5,\"nil\":null}", 0, NULL);
	struct tmpl_set *set = tmpl_set_new();
	sprig_register(set);
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++)
		tmpl_set_func(set, slow[i], slow_disabled, NULL);
	struct berr err = BERR_INIT;
	if (tmpl_parse(set, "fuzz", (const char *)data, size, &err) == 0) {
		struct buf out = BUF_INIT;
		struct tmpl_options o = {
			.max_output = 1 << 16,
			.max_depth = 50,
			.max_steps = 20000,
			.max_memory = 16 << 20,
			.max_seconds = 2,
		};
		tmpl_execute(set, "fuzz", values, &out, &o, &err);
		buf_release(&out);
	}
	tmpl_set_free(set);
	return 0;
}
