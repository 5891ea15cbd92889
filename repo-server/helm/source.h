/*
 * helm/source — a Helm source of the repo server: the chart at an app path
 * in a commit's tree, rendered with the Application's spec.source.helm
 * settings the way Argo CD calls `helm template`.
 *
 * `options` is the request's output options: {"helm": {valueFiles,
 * ignoreMissingValueFiles, values, valuesObject, parameters [{name, value,
 * forceString}], fileParameters [{name, path}], releaseName, namespace,
 * skipCrds, kubeVersion, apiVersions}, "appName", "namespace",
 * "kubeVersion", "apiVersions"}. Value files and file parameters are read
 * from the same commit, resolved against the app path and refused when
 * they leave the repository (Argo CD after CVE-2022-24348); remote URLs are
 * refused. The release is named helm.releaseName, else the app name; CRDs
 * are included unless skipCrds.
 */
#ifndef BOSUN_HELM_SOURCE_H
#define BOSUN_HELM_SOURCE_H

#include <jansson.h>

#include "err.h"
#include "repo-server/tree.h"

/* On success *out_manifests is a json array of objects and *out_sources a
 * parallel array of each one's `# Source:` path (new references). */
int helm_source_render(json_t **out_manifests, json_t **out_sources, struct tree_reader *r,
		       const char *app_path, const json_t *options, struct berr *err);

#endif
