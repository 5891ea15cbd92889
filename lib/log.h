/*
 * log — levelled, structured logging for every part.
 *
 * A line is a message plus key=value fields, printed to stderr either as
 * text (`time=... level=info msg="listening" part=api port=8080`) or as one
 * JSON object per line (`--log-format json`). Fields are given as pairs of
 * strings ended by NULL:
 *
 *     log_info("listening", "part", "api", "port", port_str, NULL);
 *
 * A field whose key names a secret (password, token, secret, key, auth,
 * credential, in any case) is always printed as "***", so a secret cannot
 * reach the log by accident; log_msg_reveal() is the one way to print one
 * on purpose. Safe to call from any thread.
 */
#ifndef BOSUN_LOG_H
#define BOSUN_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

void log_setup(enum log_level level, enum log_format format);
/* Parses "debug|info|warn|error" and "text|json"; returns -1 when unknown. */
int log_parse_level(const char *s, enum log_level *out);
int log_parse_format(const char *s, enum log_format *out);

void log_msg(enum log_level level, const char *msg, ...)
	__attribute__((sentinel));

/* The deliberate exception: like log_msg, but the field named `reveal` is
 * printed as given although its name is a secret's, for a secret the
 * operator must read once (the first admin password, issue 7). Every other
 * secret-named field of the line is still masked. */
void log_msg_reveal(enum log_level level, const char *reveal, const char *msg, ...)
	__attribute__((sentinel));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* 1 when a field called `key` is masked. */
int log_key_is_secret(const char *key);

#endif
