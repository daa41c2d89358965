{{/* Names: <release>-tenantatlas (or fullnameOverride) and <fullname>-<service>. */}}
{{- define "tenantatlas.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tenantatlas.componentName" -}}
{{- printf "%s-%s" (include "tenantatlas.fullname" .root) .name -}}
{{- end -}}

{{- define "tenantatlas.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tenantatlas
{{- end -}}

{{/* Selector labels of one service: (dict "root" $ "name" "operations") */}}
{{- define "tenantatlas.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "tenantatlas.componentLabels" -}}
{{ include "tenantatlas.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* A service's settings: the defaults block overlaid with services.<name>. */}}
{{- define "tenantatlas.settings" -}}
{{- $svc := index .root.Values.services .name | default dict -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy $svc)) -}}
{{- end -}}

{{- define "tenantatlas.image" -}}
{{- $img := .root.Values.image -}}
{{- $own := .settings.image | default dict -}}
{{- $registry := $own.registry | default $img.registry -}}
{{- $repository := $own.repository | default (printf "%s-%s" $img.repository .name) -}}
{{- $tag := $own.tag | default $img.tag | default .root.Chart.AppVersion -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry $repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "tenantatlas.mongoSecretName" -}}
{{- .Values.mongo.existingSecret | default (printf "%s-mongo" (include "tenantatlas.fullname" .)) -}}
{{- end -}}

{{- define "tenantatlas.credentialKeySecretName" -}}
{{- .Values.credentialKey.existingSecret | default (printf "%s-credential-keys" (include "tenantatlas.fullname" .)) -}}
{{- end -}}

{{/* host:port of a gRPC service inside the cluster */}}
{{- define "tenantatlas.grpcAddress" -}}
{{- $svc := index .root.Values.services .name -}}
{{- printf "%s:%v" (include "tenantatlas.componentName" .) $svc.port -}}
{{- end -}}
