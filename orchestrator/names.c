/*
 * names.c — Kubernetes name validation (see names.h), written from the rules
 * of k8s.io/apimachinery/pkg/util/validation: same limits, same wording of
 * the messages so users recognise them.
 */
#include "names.h"

#include <ctype.h>
#include <string.h>

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

static int label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

const char *names_dns1123_label(const char *s)
{
	size_t n = strlen(s);
	if (n > 63)
		return "must be no more than 63 characters";
	if (!label_ok(s, n))
		return "a lowercase RFC 1123 label must consist of lower case alphanumeric "
		       "characters or '-', and must start and end with an alphanumeric character "
		       "(e.g. 'my-name',  or '123-abc', regex used for validation is "
		       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
	return NULL;
}

const char *names_dns1035_label(const char *s)
{
	size_t n = strlen(s);
	if (n > 63)
		return "must be no more than 63 characters";
	if (!label_ok(s, n) || !(s[0] >= 'a' && s[0] <= 'z'))
		return "a DNS-1035 label must consist of lower case alphanumeric characters or "
		       "'-', start with an alphabetic character, and end with an alphanumeric "
		       "character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
		       "'[a-z]([-a-z0-9]*[a-z0-9])?')";
	return NULL;
}

const char *names_dns1123_subdomain(const char *s)
{
	size_t n = strlen(s);
	if (n > 253)
		return "must be no more than 253 characters";
	const char *bad = "a lowercase RFC 1123 subdomain must consist of lower case "
			  "alphanumeric characters, '-' or '.', and must start and end with an "
			  "alphanumeric character (e.g. 'example.com', regex used for validation is "
			  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
	if (n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
		return bad;
	for (size_t i = 0; i < n; i++) {
		if (!lower_alnum(s[i]) && s[i] != '-' && s[i] != '.')
			return bad;
		if (s[i] == '.' && (!lower_alnum(s[i - 1]) || !lower_alnum(s[i + 1])))
			return bad;
	}
	return NULL;
}

const char *names_path_segment(const char *s)
{
	if (!s[0])
		return "name or generateName is required";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "may not be '.' or '..'";
	if (strchr(s, '/'))
		return "may not contain '/'";
	if (strchr(s, '%'))
		return "may not contain '%'";
	return NULL;
}

static const char *name_part(const char *s, size_t n)
{
	if (n == 0)
		return "name part must be non-empty";
	if (n > 63)
		return "name part must be no more than 63 characters";
	if (!alnum(s[0]) || !alnum(s[n - 1]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			goto bad;
	return NULL;
bad:
	return "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
	       "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
	       "or '123-abc', regex used for validation is "
	       "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
}

const char *names_qualified(const char *s)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return name_part(s, strlen(s));
	if (strchr(slash + 1, '/'))
		return "a qualified name must consist of alphanumeric characters, '-', '_' or "
		       "'.', and must start and end with an alphanumeric character with an "
		       "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
	if (slash == s)
		return "prefix part must be non-empty";
	char prefix[254];
	size_t pn = (size_t)(slash - s);
	if (pn > 253)
		return "prefix part must be no more than 253 characters";
	memcpy(prefix, s, pn);
	prefix[pn] = '\0';
	if (names_dns1123_subdomain(prefix))
		return "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
		       "alphanumeric characters, '-' or '.', and must start and end with an "
		       "alphanumeric character";
	return name_part(slash + 1, strlen(slash + 1));
}

const char *names_label_value(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return NULL;
	if (n > 63)
		return "must be no more than 63 characters";
	if (name_part(s, n))
		return "a valid label must be an empty string or consist of alphanumeric "
		       "characters, '-', '_' or '.', and must start and end with an alphanumeric "
		       "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
		       "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
	return NULL;
}
