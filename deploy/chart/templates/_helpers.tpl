{{/* The labels every object carries: Kubernetes' recommended ones, and the chart's. */}}
{{- define "gitwire.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: gitwire
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The image, by digest when one is given: a moved tag cannot change what runs as root on every node. */}}
{{- define "gitwire.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* Refuses to render without what the agents cannot run without (values.schema.json says the same to Helm). */}}
{{- define "gitwire.required" -}}
{{- $_ := required "repo: the intent repository's URL is required" .Values.repo -}}
{{- $_ := required "statusRepo: the status repository's URL is required" .Values.statusRepo -}}
{{- if and (not .Values.trustedKeys) (not .Values.allowUnsigned) -}}
{{- fail "trustedKeys: the armored public keys that sign the intent are required (or allowUnsigned: true, which applies any commit of the repo)" -}}
{{- end -}}
{{- end }}
