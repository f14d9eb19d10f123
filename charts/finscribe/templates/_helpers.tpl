{{/* Names, labels and the shared pod pieces of the FinScribe chart. */}}

{{- define "finscribe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "finscribe.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "finscribe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "finscribe.labels" -}}
helm.sh/chart: {{ include "finscribe.chart" . }}
app.kubernetes.io/name: {{ include "finscribe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: finscribe
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "component" "api") */}}
{{- define "finscribe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "finscribe.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "finscribe.componentLabels" -}}
{{ include "finscribe.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "finscribe.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "finscribe.configName" -}}{{ include "finscribe.fullname" . }}-config{{- end -}}
{{- define "finscribe.secretName" -}}{{ include "finscribe.fullname" . }}-secrets{{- end -}}
{{- define "finscribe.apiServiceAccount" -}}{{ include "finscribe.fullname" . }}-api{{- end -}}
{{- define "finscribe.workerServiceAccount" -}}{{ include "finscribe.fullname" . }}-worker{{- end -}}
{{- define "finscribe.operatorServiceAccount" -}}{{ include "finscribe.fullname" . }}-operator{{- end -}}
{{- define "finscribe.tritonServiceAccount" -}}{{ include "finscribe.fullname" . }}-triton{{- end -}}

{{/* Environment of every FinScribe container: settings, then the three connection secrets. */}}
{{- define "finscribe.env" -}}
- name: FINSCRIBE_DB_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finscribe.secretName" .) .Values.postgres.existingSecret }}
      key: {{ if .Values.postgres.existingSecret }}{{ .Values.postgres.existingSecretKey }}{{ else }}database-url{{ end }}
- name: FINSCRIBE_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finscribe.secretName" .) .Values.redis.existingSecret }}
      key: {{ if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}redis-url{{ end }}
- name: FINSCRIBE_STORAGE_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finscribe.secretName" .) .Values.s3.existingSecret }}
      key: access-key-id
- name: FINSCRIBE_STORAGE_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default (include "finscribe.secretName" .) .Values.s3.existingSecret }}
      key: secret-access-key
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- with .Values.config.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "finscribe.envFrom" -}}
- configMapRef:
    name: {{ include "finscribe.configName" . }}
{{- end -}}

{{/* Writable scratch space under a read-only root filesystem. */}}
{{- define "finscribe.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}

{{- define "finscribe.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "finscribe.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end -}}

{{- define "finscribe.securityContext" -}}
{{ toYaml .Values.securityContext }}
{{- end -}}

{{- define "finscribe.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{ toYaml . }}
{{- end }}
{{- end -}}
