{{- define "tenantatlas.deployment" -}}
{{- $root := .root -}}
{{- $s := .settings -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "tenantatlas.componentName" . }}
  labels:
    {{- include "tenantatlas.componentLabels" . | nindent 4 }}
spec:
  {{- if not $s.autoscaling.enabled }}
  replicas: {{ $s.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "tenantatlas.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "tenantatlas.selectorLabels" . | nindent 8 }}
      annotations:
        # a changed setting rolls the pods
        checksum/config: {{ include "tenantatlas.configMapData" . | sha256sum }}
        {{- with $s.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "tenantatlas.componentName" . }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ $s.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ include "tenantatlas.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          ports:
            - name: {{ .kind }}
              containerPort: {{ $s.port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $root.Values.telemetry.metricsPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "tenantatlas.componentName" . }}
          env:
            - name: MONGO_URL
              valueFrom:
                secretKeyRef:
                  name: {{ include "tenantatlas.mongoSecretName" $root }}
                  key: {{ $root.Values.mongo.existingSecretKey }}
            {{- if eq .name "connections" }}
            - name: {{ $root.Values.credentialKey.envName }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "tenantatlas.credentialKeySecretName" $root }}
                  key: {{ $root.Values.credentialKey.existingSecretKey }}
            {{- with $root.Values.credentialKey.activeKeyId }}
            - name: CONNECTIONS_ENCRYPTION_ACTIVE_KEY_ID
              value: {{ . | quote }}
            {{- end }}
            {{- end }}
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),service.namespace=tenantatlas"
            {{- with $s.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if eq .kind "http" }}
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
          {{- else }}
          # grpc.health.v1 (the empty service name: the whole process), probed by the kubelet itself
          startupProbe:
            grpc: { port: {{ $s.port }} }
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            grpc: { port: {{ $s.port }} }
            periodSeconds: 10
            timeoutSeconds: 3
          readinessProbe:
            grpc: { port: {{ $s.port }} }
            periodSeconds: 5
            timeoutSeconds: 3
          {{- end }}
          resources:
            {{- toYaml $s.resources | nindent 12 }}
          volumeMounts:
            # the root filesystem is read-only; node and its libraries may still need a scratch dir
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
      {{- with $s.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $s.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $s.affinity }}
      affinity:
        {{- toYaml $s.affinity | nindent 8 }}
      {{- else }}
      # spread replicas over nodes so one node failure does not take a whole service
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "tenantatlas.selectorLabels" . | nindent 14 }}
      {{- end }}
{{- end -}}
