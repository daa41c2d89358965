{{/*
Everything one service needs, rendered from its template file (gateway.yaml, operations.yaml, …):
  {{ include "tenantatlas.component" (dict "root" $ "name" "operations" "kind" "grpc") }}
kind "grpc" probes grpc.health.v1 natively; kind "http" (the gateway) probes /healthz and /readyz.
*/}}
{{- define "tenantatlas.component" -}}
{{- $settings := include "tenantatlas.settings" . | fromYaml -}}
{{- if $settings.enabled -}}
{{- $ctx := dict "root" .root "name" .name "kind" .kind "settings" $settings -}}
{{ include "tenantatlas.serviceAccount" $ctx }}
---
{{ include "tenantatlas.configMap" $ctx }}
---
{{ include "tenantatlas.deployment" $ctx }}
---
{{ include "tenantatlas.service" $ctx }}
{{- if $settings.autoscaling.enabled }}
---
{{ include "tenantatlas.hpa" $ctx }}
{{- end }}
{{- if $settings.pdb.enabled }}
---
{{ include "tenantatlas.pdb" $ctx }}
{{- end }}
{{- if .root.Values.networkPolicy.enabled }}
---
{{ include "tenantatlas.networkPolicy" $ctx }}
{{- end }}
{{- if .root.Values.telemetry.serviceMonitor.enabled }}
---
{{ include "tenantatlas.serviceMonitor" $ctx }}
{{- end }}
{{- end -}}
{{- end -}}

{{- define "tenantatlas.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
  {{- with .root.Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
# The services never call the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}

{{/* Plain settings as environment; secrets come from Secrets in the Deployment. */}}
{{- define "tenantatlas.configMapData" -}}
{{- $root := .root -}}
LOG_LEVEL: {{ $root.Values.logLevel | quote }}
KAFKA_BROKERS: {{ required "kafka.brokers is required" $root.Values.kafka.brokers | quote }}
KAFKA_TOPIC_PREFIX: {{ $root.Values.kafka.topicPrefix | quote }}
METRICS_PORT: {{ $root.Values.telemetry.metricsPort | quote }}
OTEL_SERVICE_NAME: {{ .name | quote }}
{{- with $root.Values.telemetry.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- range $key, $value := $root.Values.telemetry.env }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- if eq .kind "http" }}
HTTP_PORT: {{ .settings.port | quote }}
{{- else }}
GRPC_PORT: {{ .settings.port | quote }}
{{- end }}
{{- range $peer := list "onboarding" "connections" "operations" "audit" }}
{{- if (index $root.Values.services $peer).enabled }}
{{ upper $peer }}_GRPC_ADDR: {{ include "tenantatlas.grpcAddress" (dict "root" $root "name" $peer) | quote }}
{{- end }}
{{- end }}
SHUTDOWN_TIMEOUT_MS: {{ mul (sub .settings.terminationGracePeriodSeconds 5) 1000 | quote }}
RETENTION_DAYS: {{ $root.Values.retention.days | quote }}
{{- with $root.Values.retention.byWorkspace }}
{{- $windows := list }}
{{- range $workspace, $days := . }}
{{- $windows = append $windows (printf "%s=%v" $workspace $days) }}
{{- end }}
RETENTION_DAYS_BY_WORKSPACE: {{ join "," $windows | quote }}
{{- end }}
{{- range $key, $value := .settings.env }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "tenantatlas.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
data:
  {{- include "tenantatlas.configMapData" . | nindent 2 }}
{{- end -}}

{{- define "tenantatlas.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "tenantatlas.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ .kind }}
      port: {{ .settings.port }}
      targetPort: {{ .kind }}
      {{- if eq .kind "grpc" }}
      appProtocol: grpc
      {{- end }}
    - name: metrics
      port: {{ .root.Values.telemetry.metricsPort }}
      targetPort: metrics
{{- end -}}

{{- define "tenantatlas.hpa" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "tenantatlas.componentName" . }}
  minReplicas: {{ .settings.autoscaling.minReplicas }}
  maxReplicas: {{ .settings.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .settings.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}

{{- define "tenantatlas.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
spec:
  minAvailable: {{ .settings.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- include "tenantatlas.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/*
Only the listed callers reach a service's port (the gateway: anyone, or gatewayFrom); the
metrics port admits metricsFrom. Pods of other services and other namespaces get nothing.
*/}}
{{- define "tenantatlas.networkPolicy" -}}
{{- $root := .root -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "tenantatlas.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    {{- if eq .kind "http" }}
    - ports:
        - port: http
          protocol: TCP
      {{- with $root.Values.networkPolicy.gatewayFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- else if .settings.callers }}
    {{- /* an empty `from` would admit everyone, so a service without callers gets no rule */}}
    - ports:
        - port: grpc
          protocol: TCP
      from:
        {{- range $caller := .settings.callers }}
        - podSelector:
            matchLabels:
              {{- include "tenantatlas.selectorLabels" (dict "root" $root "name" $caller) | nindent 14 }}
        {{- end }}
    {{- end }}
    - ports:
        - port: metrics
          protocol: TCP
      from:
        {{- if $root.Values.networkPolicy.metricsFrom }}
        {{- toYaml $root.Values.networkPolicy.metricsFrom | nindent 8 }}
        {{- else }}
        - podSelector: {}
        {{- end }}
{{- end -}}

{{- define "tenantatlas.serviceMonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
    {{- with .root.Values.telemetry.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "tenantatlas.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: metrics
      path: /metrics
      interval: {{ .root.Values.telemetry.serviceMonitor.interval }}
{{- end -}}
