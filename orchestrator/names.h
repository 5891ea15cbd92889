/*
 * names — the name rules of Kubernetes object metadata.
 *
 * Each check returns NULL when the value is valid, or a static message in
 * the words the real API server uses ("a lowercase RFC 1123 subdomain must
 * consist of ..."), for Invalid causes.
 */
#ifndef BOSUN_ORCH_NAMES_H
#define BOSUN_ORCH_NAMES_H

/* DNS-1123 subdomain: <= 253, lower-case alphanumerics, '-' and '.', starting
 * and ending with an alphanumeric (most kinds' names). */
const char *names_dns1123_subdomain(const char *s);
/* DNS-1123 label: <= 63, lower-case alphanumerics and '-' (Namespace,
 * Service names). */
const char *names_dns1123_label(const char *s);
/* DNS-1035 label: a DNS-1123 label that starts with a letter (Service). */
const char *names_dns1035_label(const char *s);
/* Path segment name: anything but "", ".", "..", or containing '/' or '%'
 * (RBAC kinds and others that allow more). */
const char *names_path_segment(const char *s);
/* Qualified name, as label and annotation keys: [prefix/]name, prefix a
 * DNS-1123 subdomain, name <= 63 of alphanumerics, '-', '_', '.', starting
 * and ending alphanumeric. */
const char *names_qualified(const char *s);
/* Label value: empty, or <= 63 like the name part of a qualified name. */
const char *names_label_value(const char *s);

#endif
