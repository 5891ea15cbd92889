{{/* release-chart, or the release name alone when it already says bosun */}}
{{- define "bosun.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "bosun.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* selector labels of one role: call with (dict "root" $ "component" "api") */}}
{{- define "bosun.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "bosun.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "bosun.repoServerURL" -}}
http://{{ include "bosun.fullname" . }}-repo-server:{{ .Values.repoServer.port }}
{{- end -}}

{{/* one URL per controller shard, comma-separated: the API asks them for
     resource trees (a shard that does not own an app answers 404) */}}
{{- define "bosun.controllerURLs" -}}
{{- $urls := list -}}
{{- range $shard := until (int .Values.controller.shards) -}}
{{- $urls = append $urls (printf "http://%s-controller-%d:%v" (include "bosun.fullname" $) $shard $.Values.controller.port) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{/* flags every role takes */}}
{{- define "bosun.commonArgs" -}}
- --address
- 0.0.0.0
- --data-dir
- /var/lib/bosun
- --log-level
- {{ .Values.log.level }}
- --log-format
- {{ .Values.log.format }}
{{- end -}}

{{/* liveness and readiness on the role's /healthz: call with (dict "root" $ "port" N) */}}
{{- define "bosun.probes" -}}
{{- $p := .root.Values.probes -}}
readinessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  initialDelaySeconds: {{ $p.initialDelaySeconds }}
  periodSeconds: {{ $p.periodSeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  initialDelaySeconds: {{ mul $p.initialDelaySeconds 2 }}
  periodSeconds: {{ $p.periodSeconds }}
  timeoutSeconds: {{ $p.timeoutSeconds }}
  failureThreshold: {{ $p.failureThreshold }}
{{- end -}}

{{/* pod-level settings shared by every role */}}
{{- define "bosun.podSpecCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
