/*
 * base64 — standard base64 (Secret data, kubeconfig *-data, release
 * payloads, known_hosts keys) and base64url (JWT segments, password
 * hashes): the one implementation every part uses.
 *
 * Encoding pads with '=' in the standard alphabet and never in the URL
 * one, as JWTs want. Decoding takes the text with or without padding and
 * skips ASCII whitespace (PEM-like line breaks, a trailing newline); any
 * other character outside the alphabet, or a length no encoder makes, is
 * an error naming the offset. Small enough to own instead of bending
 * OpenSSL's EVP_EncodeBlock, which knows neither the URL alphabet nor
 * missing padding and takes int lengths.
 */
#ifndef BOSUN_BASE64_H
#define BOSUN_BASE64_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Appends the encoding of data to out. */
void b64_encode(struct buf *out, const void *data, size_t len);
void b64url_encode(struct buf *out, const void *data, size_t len);

/* Appends the decoded bytes to out (NUL-terminated, may hold NULs);
 * -1 with err set when text is not base64. */
int b64_decode(struct buf *out, const char *text, size_t len, struct berr *err);
int b64url_decode(struct buf *out, const char *text, size_t len, struct berr *err);
/* Go's base64.StdEncoding: padding required, only line breaks skipped (YAML
 * !!binary, where Bosun must refuse what Helm refuses). */
int b64_decode_padded(struct buf *out, const char *text, size_t len, struct berr *err);

#endif
