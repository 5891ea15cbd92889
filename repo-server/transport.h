/*
 * transport — the repo server's own carriers of git's smart protocol,
 * plugged into libgit2 as smart subtransports (git2/sys/transport.h).
 * Private to repo-server/: mirror.c picks one per remote URL through the
 * `transport` callback of its git_remote_callbacks.
 *
 * libgit2 speaks the pack protocol (refs, negotiation, pack indexing); a
 * subtransport only moves its bytes. Two are here:
 *
 *   http(s)://  transport-http.c, on libcurl: TLS client certificates, an
 *               extra CA bundle on top of the system's, proxies from the
 *               environment, basic auth, real connect and transfer timeouts.
 *   ssh://, user@host:path
 *               transport-exec.c, running OpenSSH's `ssh` (BOSUN_SSH, default
 *               `ssh` on PATH) as git does: rsa-sha2 signatures, every key
 *               type, known_hosts with OpenSSH's own matching.
 *   /path, file:///path
 *               transport-exec.c, running `git upload-pack`, which packs far
 *               faster than libgit2's local transport.
 *
 * Both read credentials from the session and never log them; what goes wrong
 * is left in the session as a BERR_* code and a message free of secrets,
 * which mirror.c prefers to libgit2's generic wording.
 */
#ifndef BOSUN_REPO_TRANSPORT_H
#define BOSUN_REPO_TRANSPORT_H

#include <git2.h>
#include <git2/sys/transport.h>

#include "repo-server/mirror.h"

/* One fetch or connection test; owned by the caller, outlives the transport. */
struct transport_session {
	const char *url;                /* as the user gave it (may hold user:password@) */
	const struct repo_creds *creds; /* may be NULL */
	const char *tmp_dir;            /* private dir for ssh's key files; NULL = $TMPDIR */
	double deadline;                /* clock_s() seconds; 0 = none */
	int timed_out;                  /* set when the deadline passed */
	int code;                       /* BERR_* a transport diagnosed; 0 = none */
	char msg[384];                  /* its explanation, without secrets */
};

/* Records a diagnosis in the session and in libgit2's last error; returns -1. */
int transport_fail(struct transport_session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* git_smart_subtransport_cb for http:// and https:// (rpc = 1); `param` is
 * the struct transport_session. These constructors never fail (libgit2 1.5
 * leaks when one does): a set-up error is reported by the first action. */
int transport_http_new(git_smart_subtransport **out, git_transport *owner, void *param);

/* Is `url` one of git's ssh forms (ssh://, git+ssh://, ssh+git://, scp-like)? */
int transport_ssh_url(const char *url);
/* Is OpenSSH's client there to run? Decided once per process. */
int transport_ssh_available(void);
/* git_smart_subtransport_cb for ssh (rpc = 0); `param` is the session. */
int transport_ssh_new(git_smart_subtransport **out, git_transport *owner, void *param);

/* The directory `git upload-pack` should serve for a local `url` (an
 * absolute path or file:// URL, pointing into `url`), or NULL when git is
 * not installed or the URL is another kind. */
const char *transport_local_path(const char *url);
/* git_smart_subtransport_cb for local repositories (rpc = 0). */
int transport_local_new(git_smart_subtransport **out, git_transport *owner, void *param);

#endif
