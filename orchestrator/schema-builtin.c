/*
 * schema-builtin.c — the fields of the built-in kinds the bundled cluster
 * serves, as Kubernetes 1.32 declares them in its API types.
 *
 * One entry per type, sorted by name for bsearch: a space-separated list of
 * JSON field names, each optionally followed by the type of its value
 * (":Type" an object, ":[Type" a list of them, ":{Type" a map of them,
 * ":*" not checked). A field without a type holds a scalar, a list of
 * scalars, a map of scalars or free-form data (RawExtension, IntOrString,
 * Quantity), none of which is checked for names. Names follow the API's Go
 * types without their version prefix; the few that clash across groups
 * keep their group ("EventsEvent", "ApiextensionsV1ServiceReference").
 */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

struct schema_type {
	const char *name;
	const char *fields;
};

struct schema_root {
	const char *group;
	const char *kind;
	const char *type;
	const char *version;            /* NULL: every version */
};

static const struct schema_type builtin_types[] = {
	{ "AWSElasticBlockStoreVolumeSource",
	  "fsType partition readOnly volumeID" },
	{ "Affinity",
	  "nodeAffinity:NodeAffinity podAffinity:PodAffinity podAntiAffinity:PodAntiAffinity" },
	{ "AggregationRule",
	  "clusterRoleSelectors:[LabelSelector" },
	{ "ApiextensionsV1ServiceReference",
	  "name namespace path port" },
	{ "ApiextensionsV1WebhookClientConfig",
	  "caBundle service:ApiextensionsV1ServiceReference url" },
	{ "AppArmorProfile",
	  "localhostProfile type" },
	{ "AzureDiskVolumeSource",
	  "cachingMode diskName diskURI fsType kind readOnly" },
	{ "AzureFilePersistentVolumeSource",
	  "readOnly secretName secretNamespace shareName" },
	{ "AzureFileVolumeSource",
	  "readOnly secretName shareName" },
	{ "CSIPersistentVolumeSource",
	  "controllerExpandSecretRef:SecretReference "
	  "controllerPublishSecretRef:SecretReference driver fsType "
	  "nodeExpandSecretRef:SecretReference nodePublishSecretRef:SecretReference "
	  "nodeStageSecretRef:SecretReference readOnly volumeAttributes volumeHandle" },
	{ "CSIVolumeSource",
	  "driver fsType nodePublishSecretRef:LocalObjectReference readOnly volumeAttributes" },
	{ "Capabilities",
	  "add drop" },
	{ "CephFSPersistentVolumeSource",
	  "monitors path readOnly secretFile secretRef:SecretReference user" },
	{ "CephFSVolumeSource",
	  "monitors path readOnly secretFile secretRef:LocalObjectReference user" },
	{ "CinderPersistentVolumeSource",
	  "fsType readOnly secretRef:SecretReference volumeID" },
	{ "CinderVolumeSource",
	  "fsType readOnly secretRef:LocalObjectReference volumeID" },
	{ "ClientIPConfig",
	  "timeoutSeconds" },
	{ "ClusterRole",
	  "aggregationRule:AggregationRule apiVersion kind metadata:ObjectMeta "
	  "rules:[PolicyRule" },
	{ "ClusterRoleBinding",
	  "apiVersion kind metadata:ObjectMeta roleRef:RoleRef subjects:[Subject" },
	{ "ClusterTrustBundleProjection",
	  "labelSelector:LabelSelector name optional path signerName" },
	{ "ConfigMap",
	  "apiVersion binaryData data immutable kind metadata:ObjectMeta" },
	{ "ConfigMapEnvSource",
	  "name optional" },
	{ "ConfigMapKeySelector",
	  "key name optional" },
	{ "ConfigMapNodeConfigSource",
	  "kubeletConfigKey name namespace resourceVersion uid" },
	{ "ConfigMapProjection",
	  "items:[KeyToPath name optional" },
	{ "ConfigMapVolumeSource",
	  "defaultMode items:[KeyToPath name optional" },
	{ "Container",
	  "args command env:[EnvVar envFrom:[EnvFromSource image imagePullPolicy "
	  "lifecycle:Lifecycle livenessProbe:Probe name ports:[ContainerPort "
	  "readinessProbe:Probe resizePolicy:[ContainerResizePolicy "
	  "resources:ResourceRequirements restartPolicy securityContext:SecurityContext "
	  "startupProbe:Probe stdin stdinOnce terminationMessagePath terminationMessagePolicy "
	  "tty volumeDevices:[VolumeDevice volumeMounts:[VolumeMount workingDir" },
	{ "ContainerPort",
	  "containerPort hostIP hostPort name protocol" },
	{ "ContainerResizePolicy",
	  "resourceName restartPolicy" },
	{ "ContainerResourceMetricSource",
	  "container name target:MetricTarget" },
	{ "ControllerRevision",
	  "apiVersion data kind metadata:ObjectMeta revision" },
	{ "CoreV1EndpointPort",
	  "appProtocol name port protocol" },
	{ "CronJob",
	  "apiVersion kind metadata:ObjectMeta spec:CronJobSpec status:*" },
	{ "CronJobSpec",
	  "concurrencyPolicy failedJobsHistoryLimit jobTemplate:JobTemplateSpec schedule "
	  "startingDeadlineSeconds successfulJobsHistoryLimit suspend timeZone" },
	{ "CrossVersionObjectReference",
	  "apiVersion kind name" },
	{ "CustomResourceColumnDefinition",
	  "description format jsonPath name priority type" },
	{ "CustomResourceConversion",
	  "strategy webhook:WebhookConversion" },
	{ "CustomResourceDefinition",
	  "apiVersion kind metadata:ObjectMeta spec:CustomResourceDefinitionSpec status:*" },
	{ "CustomResourceDefinitionNames",
	  "categories kind listKind plural shortNames singular" },
	{ "CustomResourceDefinitionSpec",
	  "conversion:CustomResourceConversion group names:CustomResourceDefinitionNames "
	  "preserveUnknownFields scope versions:[CustomResourceDefinitionVersion" },
	{ "CustomResourceDefinitionVersion",
	  "additionalPrinterColumns:[CustomResourceColumnDefinition deprecated "
	  "deprecationWarning name schema:CustomResourceValidation "
	  "selectableFields:[SelectableField served storage "
	  "subresources:CustomResourceSubresources" },
	{ "CustomResourceSubresourceScale",
	  "labelSelectorPath specReplicasPath statusReplicasPath" },
	{ "CustomResourceSubresources",
	  "scale:CustomResourceSubresourceScale status" },
	{ "CustomResourceValidation",
	  "openAPIV3Schema:JSONSchemaProps" },
	{ "DaemonSet",
	  "apiVersion kind metadata:ObjectMeta spec:DaemonSetSpec status:*" },
	{ "DaemonSetSpec",
	  "minReadySeconds revisionHistoryLimit selector:LabelSelector "
	  "template:PodTemplateSpec updateStrategy:DaemonSetUpdateStrategy" },
	{ "DaemonSetUpdateStrategy",
	  "rollingUpdate:RollingUpdateDaemonSet type" },
	{ "Deployment",
	  "apiVersion kind metadata:ObjectMeta spec:DeploymentSpec status:*" },
	{ "DeploymentSpec",
	  "minReadySeconds paused progressDeadlineSeconds replicas revisionHistoryLimit "
	  "selector:LabelSelector strategy:DeploymentStrategy template:PodTemplateSpec" },
	{ "DeploymentStrategy",
	  "rollingUpdate:RollingUpdateDeployment type" },
	{ "DownwardAPIProjection",
	  "items:[DownwardAPIVolumeFile" },
	{ "DownwardAPIVolumeFile",
	  "fieldRef:ObjectFieldSelector mode path resourceFieldRef:ResourceFieldSelector" },
	{ "DownwardAPIVolumeSource",
	  "defaultMode items:[DownwardAPIVolumeFile" },
	{ "EmptyDirVolumeSource",
	  "medium sizeLimit" },
	{ "EndpointAddress",
	  "hostname ip nodeName targetRef:ObjectReference" },
	{ "EndpointSubset",
	  "addresses:[EndpointAddress notReadyAddresses:[EndpointAddress "
	  "ports:[CoreV1EndpointPort" },
	{ "Endpoints",
	  "apiVersion kind metadata:ObjectMeta subsets:[EndpointSubset" },
	{ "EnvFromSource",
	  "configMapRef:ConfigMapEnvSource prefix secretRef:SecretEnvSource" },
	{ "EnvVar",
	  "name value valueFrom:EnvVarSource" },
	{ "EnvVarSource",
	  "configMapKeyRef:ConfigMapKeySelector fieldRef:ObjectFieldSelector "
	  "resourceFieldRef:ResourceFieldSelector secretKeyRef:SecretKeySelector" },
	{ "EphemeralContainer",
	  "args command env:[EnvVar envFrom:[EnvFromSource image imagePullPolicy "
	  "lifecycle:Lifecycle livenessProbe:Probe name ports:[ContainerPort "
	  "readinessProbe:Probe resizePolicy:[ContainerResizePolicy "
	  "resources:ResourceRequirements restartPolicy securityContext:SecurityContext "
	  "startupProbe:Probe stdin stdinOnce targetContainerName terminationMessagePath "
	  "terminationMessagePolicy tty volumeDevices:[VolumeDevice volumeMounts:[VolumeMount "
	  "workingDir" },
	{ "EphemeralVolumeSource",
	  "volumeClaimTemplate:PersistentVolumeClaimTemplate" },
	{ "Event",
	  "action apiVersion count eventTime firstTimestamp involvedObject:ObjectReference "
	  "kind lastTimestamp message metadata:ObjectMeta reason related:ObjectReference "
	  "reportingComponent reportingInstance series:EventSeries source:EventSource type" },
	{ "EventSeries",
	  "count lastObservedTime" },
	{ "EventSource",
	  "component host" },
	{ "EventsEvent",
	  "action apiVersion deprecatedCount deprecatedFirstTimestamp deprecatedLastTimestamp "
	  "deprecatedSource:EventSource eventTime kind metadata:ObjectMeta note reason "
	  "regarding:ObjectReference related:ObjectReference reportingController "
	  "reportingInstance series:EventsEventSeries type" },
	{ "EventsEventSeries",
	  "count lastObservedTime" },
	{ "ExecAction",
	  "command" },
	{ "ExternalDocumentation",
	  "description url" },
	{ "ExternalMetricSource",
	  "metric:MetricIdentifier target:MetricTarget" },
	{ "FCVolumeSource",
	  "fsType lun readOnly targetWWNs wwids" },
	{ "FlexPersistentVolumeSource",
	  "driver fsType options readOnly secretRef:SecretReference" },
	{ "FlexVolumeSource",
	  "driver fsType options readOnly secretRef:LocalObjectReference" },
	{ "FlockerVolumeSource",
	  "datasetName datasetUUID" },
	{ "GCEPersistentDiskVolumeSource",
	  "fsType partition pdName readOnly" },
	{ "GRPCAction",
	  "port service" },
	{ "GitRepoVolumeSource",
	  "directory repository revision" },
	{ "GlusterfsPersistentVolumeSource",
	  "endpoints endpointsNamespace path readOnly" },
	{ "GlusterfsVolumeSource",
	  "endpoints path readOnly" },
	{ "HPAScalingPolicy",
	  "periodSeconds type value" },
	{ "HPAScalingRules",
	  "policies:[HPAScalingPolicy selectPolicy stabilizationWindowSeconds" },
	{ "HTTPGetAction",
	  "host httpHeaders:[HTTPHeader path port scheme" },
	{ "HTTPHeader",
	  "name value" },
	{ "HTTPIngressPath",
	  "backend:IngressBackend path pathType" },
	{ "HTTPIngressRuleValue",
	  "paths:[HTTPIngressPath" },
	{ "HorizontalPodAutoscaler",
	  "apiVersion kind metadata:ObjectMeta spec:HorizontalPodAutoscalerSpec status:*" },
	{ "HorizontalPodAutoscalerBehavior",
	  "scaleDown:HPAScalingRules scaleUp:HPAScalingRules" },
	{ "HorizontalPodAutoscalerSpec",
	  "behavior:HorizontalPodAutoscalerBehavior maxReplicas metrics:[MetricSpec "
	  "minReplicas scaleTargetRef:CrossVersionObjectReference" },
	{ "HorizontalPodAutoscalerSpecV1",
	  "maxReplicas minReplicas scaleTargetRef:CrossVersionObjectReference "
	  "targetCPUUtilizationPercentage" },
	{ "HorizontalPodAutoscalerV1",
	  "apiVersion kind metadata:ObjectMeta spec:HorizontalPodAutoscalerSpecV1 status:*" },
	{ "HostAlias",
	  "hostnames ip" },
	{ "HostPathVolumeSource",
	  "path type" },
	{ "IPBlock",
	  "cidr except" },
	{ "ISCSIPersistentVolumeSource",
	  "chapAuthDiscovery chapAuthSession fsType initiatorName iqn iscsiInterface lun "
	  "portals readOnly secretRef:SecretReference targetPortal" },
	{ "ISCSIVolumeSource",
	  "chapAuthDiscovery chapAuthSession fsType initiatorName iqn iscsiInterface lun "
	  "portals readOnly secretRef:LocalObjectReference targetPortal" },
	{ "ImageVolumeSource",
	  "pullPolicy reference" },
	{ "Ingress",
	  "apiVersion kind metadata:ObjectMeta spec:IngressSpec status:*" },
	{ "IngressBackend",
	  "resource:TypedLocalObjectReference service:IngressServiceBackend" },
	{ "IngressClass",
	  "apiVersion kind metadata:ObjectMeta spec:IngressClassSpec" },
	{ "IngressClassParametersReference",
	  "apiGroup kind name namespace scope" },
	{ "IngressClassSpec",
	  "controller parameters:IngressClassParametersReference" },
	{ "IngressRule",
	  "host http:HTTPIngressRuleValue" },
	{ "IngressServiceBackend",
	  "name port:ServiceBackendPort" },
	{ "IngressSpec",
	  "defaultBackend:IngressBackend ingressClassName rules:[IngressRule tls:[IngressTLS" },
	{ "IngressTLS",
	  "hosts secretName" },
	{ "JSONSchemaProps",
	  "$ref $schema additionalItems additionalProperties allOf:[JSONSchemaProps "
	  "anyOf:[JSONSchemaProps default definitions:{JSONSchemaProps dependencies "
	  "description enum example exclusiveMaximum exclusiveMinimum "
	  "externalDocs:ExternalDocumentation format id items maxItems maxLength maxProperties "
	  "maximum minItems minLength minProperties minimum multipleOf not:JSONSchemaProps "
	  "nullable oneOf:[JSONSchemaProps pattern patternProperties:{JSONSchemaProps "
	  "properties:{JSONSchemaProps required title type uniqueItems "
	  "x-kubernetes-embedded-resource x-kubernetes-int-or-string "
	  "x-kubernetes-list-map-keys x-kubernetes-list-type x-kubernetes-map-type "
	  "x-kubernetes-preserve-unknown-fields x-kubernetes-validations:[ValidationRule" },
	{ "Job",
	  "apiVersion kind metadata:ObjectMeta spec:JobSpec status:*" },
	{ "JobSpec",
	  "activeDeadlineSeconds backoffLimit backoffLimitPerIndex completionMode completions "
	  "managedBy manualSelector maxFailedIndexes parallelism "
	  "podFailurePolicy:PodFailurePolicy podReplacementPolicy selector:LabelSelector "
	  "successPolicy:SuccessPolicy suspend template:PodTemplateSpec "
	  "ttlSecondsAfterFinished" },
	{ "JobTemplateSpec",
	  "metadata:ObjectMeta spec:JobSpec" },
	{ "KeyToPath",
	  "key mode path" },
	{ "LabelSelector",
	  "matchExpressions:[LabelSelectorRequirement matchLabels" },
	{ "LabelSelectorRequirement",
	  "key operator values" },
	{ "Lease",
	  "apiVersion kind metadata:ObjectMeta spec:LeaseSpec" },
	{ "LeaseSpec",
	  "acquireTime holderIdentity leaseDurationSeconds leaseTransitions preferredHolder "
	  "renewTime strategy" },
	{ "Lifecycle",
	  "postStart:LifecycleHandler preStop:LifecycleHandler" },
	{ "LifecycleHandler",
	  "exec:ExecAction httpGet:HTTPGetAction sleep:SleepAction tcpSocket:TCPSocketAction" },
	{ "LimitRange",
	  "apiVersion kind metadata:ObjectMeta spec:LimitRangeSpec" },
	{ "LimitRangeItem",
	  "default defaultRequest max maxLimitRequestRatio min type" },
	{ "LimitRangeSpec",
	  "limits:[LimitRangeItem" },
	{ "LocalObjectReference",
	  "name" },
	{ "LocalVolumeSource",
	  "fsType path" },
	{ "ManagedFieldsEntry",
	  "apiVersion fieldsType fieldsV1 manager operation subresource time" },
	{ "MetricIdentifier",
	  "name selector:LabelSelector" },
	{ "MetricSpec",
	  "containerResource:ContainerResourceMetricSource external:ExternalMetricSource "
	  "object:ObjectMetricSource pods:PodsMetricSource resource:ResourceMetricSource type" },
	{ "MetricTarget",
	  "averageUtilization averageValue type value" },
	{ "NFSVolumeSource",
	  "path readOnly server" },
	{ "Namespace",
	  "apiVersion kind metadata:ObjectMeta spec:NamespaceSpec status:*" },
	{ "NamespaceSpec",
	  "finalizers" },
	{ "NetworkPolicy",
	  "apiVersion kind metadata:ObjectMeta spec:NetworkPolicySpec" },
	{ "NetworkPolicyEgressRule",
	  "ports:[NetworkPolicyPort to:[NetworkPolicyPeer" },
	{ "NetworkPolicyIngressRule",
	  "from:[NetworkPolicyPeer ports:[NetworkPolicyPort" },
	{ "NetworkPolicyPeer",
	  "ipBlock:IPBlock namespaceSelector:LabelSelector podSelector:LabelSelector" },
	{ "NetworkPolicyPort",
	  "endPort port protocol" },
	{ "NetworkPolicySpec",
	  "egress:[NetworkPolicyEgressRule ingress:[NetworkPolicyIngressRule "
	  "podSelector:LabelSelector policyTypes" },
	{ "Node",
	  "apiVersion kind metadata:ObjectMeta spec:NodeSpec status:*" },
	{ "NodeAffinity",
	  "preferredDuringSchedulingIgnoredDuringExecution:[PreferredSchedulingTerm "
	  "requiredDuringSchedulingIgnoredDuringExecution:NodeSelector" },
	{ "NodeConfigSource",
	  "configMap:ConfigMapNodeConfigSource" },
	{ "NodeSelector",
	  "nodeSelectorTerms:[NodeSelectorTerm" },
	{ "NodeSelectorRequirement",
	  "key operator values" },
	{ "NodeSelectorTerm",
	  "matchExpressions:[NodeSelectorRequirement matchFields:[NodeSelectorRequirement" },
	{ "NodeSpec",
	  "configSource:NodeConfigSource externalID podCIDR podCIDRs providerID taints:[Taint "
	  "unschedulable" },
	{ "ObjectFieldSelector",
	  "apiVersion fieldPath" },
	{ "ObjectMeta",
	  "annotations creationTimestamp deletionGracePeriodSeconds deletionTimestamp "
	  "finalizers generateName generation labels managedFields:[ManagedFieldsEntry name "
	  "namespace ownerReferences:[OwnerReference resourceVersion selfLink uid" },
	{ "ObjectMetricSource",
	  "describedObject:CrossVersionObjectReference metric:MetricIdentifier "
	  "target:MetricTarget" },
	{ "ObjectReference",
	  "apiVersion fieldPath kind name namespace resourceVersion uid" },
	{ "OwnerReference",
	  "apiVersion blockOwnerDeletion controller kind name uid" },
	{ "PersistentVolume",
	  "apiVersion kind metadata:ObjectMeta spec:PersistentVolumeSpec status:*" },
	{ "PersistentVolumeClaim",
	  "apiVersion kind metadata:ObjectMeta spec:PersistentVolumeClaimSpec status:*" },
	{ "PersistentVolumeClaimSpec",
	  "accessModes dataSource:TypedLocalObjectReference dataSourceRef:TypedObjectReference "
	  "resources:ResourceRequirements selector:LabelSelector storageClassName "
	  "volumeAttributesClassName volumeMode volumeName" },
	{ "PersistentVolumeClaimTemplate",
	  "metadata:ObjectMeta spec:PersistentVolumeClaimSpec" },
	{ "PersistentVolumeClaimVolumeSource",
	  "claimName readOnly" },
	{ "PersistentVolumeSpec",
	  "accessModes awsElasticBlockStore:AWSElasticBlockStoreVolumeSource "
	  "azureDisk:AzureDiskVolumeSource azureFile:AzureFilePersistentVolumeSource capacity "
	  "cephfs:CephFSPersistentVolumeSource cinder:CinderPersistentVolumeSource "
	  "claimRef:ObjectReference csi:CSIPersistentVolumeSource fc:FCVolumeSource "
	  "flexVolume:FlexPersistentVolumeSource flocker:FlockerVolumeSource "
	  "gcePersistentDisk:GCEPersistentDiskVolumeSource "
	  "glusterfs:GlusterfsPersistentVolumeSource hostPath:HostPathVolumeSource "
	  "iscsi:ISCSIPersistentVolumeSource local:LocalVolumeSource mountOptions "
	  "nfs:NFSVolumeSource nodeAffinity:VolumeNodeAffinity persistentVolumeReclaimPolicy "
	  "photonPersistentDisk:PhotonPersistentDiskVolumeSource "
	  "portworxVolume:PortworxVolumeSource quobyte:QuobyteVolumeSource "
	  "rbd:RBDPersistentVolumeSource scaleIO:ScaleIOPersistentVolumeSource "
	  "storageClassName storageos:StorageOSPersistentVolumeSource "
	  "volumeAttributesClassName volumeMode vsphereVolume:VsphereVirtualDiskVolumeSource" },
	{ "PhotonPersistentDiskVolumeSource",
	  "fsType pdID" },
	{ "Pod",
	  "apiVersion kind metadata:ObjectMeta spec:PodSpec status:*" },
	{ "PodAffinity",
	  "preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm "
	  "requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm" },
	{ "PodAffinityTerm",
	  "labelSelector:LabelSelector matchLabelKeys mismatchLabelKeys "
	  "namespaceSelector:LabelSelector namespaces topologyKey" },
	{ "PodAntiAffinity",
	  "preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm "
	  "requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm" },
	{ "PodDNSConfig",
	  "nameservers options:[PodDNSConfigOption searches" },
	{ "PodDNSConfigOption",
	  "name value" },
	{ "PodDisruptionBudget",
	  "apiVersion kind metadata:ObjectMeta spec:PodDisruptionBudgetSpec status:*" },
	{ "PodDisruptionBudgetSpec",
	  "maxUnavailable minAvailable selector:LabelSelector unhealthyPodEvictionPolicy" },
	{ "PodFailurePolicy",
	  "rules:[PodFailurePolicyRule" },
	{ "PodFailurePolicyOnExitCodesRequirement",
	  "containerName operator values" },
	{ "PodFailurePolicyOnPodConditionsPattern",
	  "status type" },
	{ "PodFailurePolicyRule",
	  "action onExitCodes:PodFailurePolicyOnExitCodesRequirement "
	  "onPodConditions:[PodFailurePolicyOnPodConditionsPattern" },
	{ "PodOS",
	  "name" },
	{ "PodReadinessGate",
	  "conditionType" },
	{ "PodResourceClaim",
	  "name resourceClaimName resourceClaimTemplateName" },
	{ "PodSchedulingGate",
	  "name" },
	{ "PodSecurityContext",
	  "appArmorProfile:AppArmorProfile fsGroup fsGroupChangePolicy runAsGroup runAsNonRoot "
	  "runAsUser seLinuxChangePolicy seLinuxOptions:SELinuxOptions "
	  "seccompProfile:SeccompProfile supplementalGroups supplementalGroupsPolicy "
	  "sysctls:[Sysctl windowsOptions:WindowsSecurityContextOptions" },
	{ "PodSpec",
	  "activeDeadlineSeconds affinity:Affinity automountServiceAccountToken "
	  "containers:[Container dnsConfig:PodDNSConfig dnsPolicy enableServiceLinks "
	  "ephemeralContainers:[EphemeralContainer hostAliases:[HostAlias hostIPC hostNetwork "
	  "hostPID hostUsers hostname imagePullSecrets:[LocalObjectReference "
	  "initContainers:[Container nodeName nodeSelector os:PodOS overhead preemptionPolicy "
	  "priority priorityClassName readinessGates:[PodReadinessGate "
	  "resourceClaims:[PodResourceClaim resources:ResourceRequirements restartPolicy "
	  "runtimeClassName schedulerName schedulingGates:[PodSchedulingGate "
	  "securityContext:PodSecurityContext serviceAccount serviceAccountName "
	  "setHostnameAsFQDN shareProcessNamespace subdomain terminationGracePeriodSeconds "
	  "tolerations:[Toleration topologySpreadConstraints:[TopologySpreadConstraint "
	  "volumes:[Volume" },
	{ "PodTemplateSpec",
	  "metadata:ObjectMeta spec:PodSpec" },
	{ "PodsMetricSource",
	  "metric:MetricIdentifier target:MetricTarget" },
	{ "PolicyRule",
	  "apiGroups nonResourceURLs resourceNames resources verbs" },
	{ "PortworxVolumeSource",
	  "fsType readOnly volumeID" },
	{ "PreferredSchedulingTerm",
	  "preference:NodeSelectorTerm weight" },
	{ "PriorityClass",
	  "apiVersion description globalDefault kind metadata:ObjectMeta preemptionPolicy value" },
	{ "Probe",
	  "exec:ExecAction failureThreshold grpc:GRPCAction httpGet:HTTPGetAction "
	  "initialDelaySeconds periodSeconds successThreshold tcpSocket:TCPSocketAction "
	  "terminationGracePeriodSeconds timeoutSeconds" },
	{ "ProjectedVolumeSource",
	  "defaultMode sources:[VolumeProjection" },
	{ "QuobyteVolumeSource",
	  "group readOnly registry tenant user volume" },
	{ "RBDPersistentVolumeSource",
	  "fsType image keyring monitors pool readOnly secretRef:SecretReference user" },
	{ "RBDVolumeSource",
	  "fsType image keyring monitors pool readOnly secretRef:LocalObjectReference user" },
	{ "ReplicaSet",
	  "apiVersion kind metadata:ObjectMeta spec:ReplicaSetSpec status:*" },
	{ "ReplicaSetSpec",
	  "minReadySeconds replicas selector:LabelSelector template:PodTemplateSpec" },
	{ "ResourceClaim",
	  "name request" },
	{ "ResourceFieldSelector",
	  "containerName divisor resource" },
	{ "ResourceMetricSource",
	  "name target:MetricTarget" },
	{ "ResourceQuota",
	  "apiVersion kind metadata:ObjectMeta spec:ResourceQuotaSpec status:*" },
	{ "ResourceQuotaSpec",
	  "hard scopeSelector:ScopeSelector scopes" },
	{ "ResourceRequirements",
	  "claims:[ResourceClaim limits requests" },
	{ "Role",
	  "apiVersion kind metadata:ObjectMeta rules:[PolicyRule" },
	{ "RoleBinding",
	  "apiVersion kind metadata:ObjectMeta roleRef:RoleRef subjects:[Subject" },
	{ "RoleRef",
	  "apiGroup kind name" },
	{ "RollingUpdateDaemonSet",
	  "maxSurge maxUnavailable" },
	{ "RollingUpdateDeployment",
	  "maxSurge maxUnavailable" },
	{ "RollingUpdateStatefulSetStrategy",
	  "maxUnavailable partition" },
	{ "SELinuxOptions",
	  "level role type user" },
	{ "ScaleIOPersistentVolumeSource",
	  "fsType gateway protectionDomain readOnly secretRef:SecretReference sslEnabled "
	  "storageMode storagePool system volumeName" },
	{ "ScaleIOVolumeSource",
	  "fsType gateway protectionDomain readOnly secretRef:LocalObjectReference sslEnabled "
	  "storageMode storagePool system volumeName" },
	{ "ScopeSelector",
	  "matchExpressions:[ScopedResourceSelectorRequirement" },
	{ "ScopedResourceSelectorRequirement",
	  "operator scopeName values" },
	{ "SeccompProfile",
	  "localhostProfile type" },
	{ "Secret",
	  "apiVersion data immutable kind metadata:ObjectMeta stringData type" },
	{ "SecretEnvSource",
	  "name optional" },
	{ "SecretKeySelector",
	  "key name optional" },
	{ "SecretProjection",
	  "items:[KeyToPath name optional" },
	{ "SecretReference",
	  "name namespace" },
	{ "SecretVolumeSource",
	  "defaultMode items:[KeyToPath optional secretName" },
	{ "SecurityContext",
	  "allowPrivilegeEscalation appArmorProfile:AppArmorProfile capabilities:Capabilities "
	  "privileged procMount readOnlyRootFilesystem runAsGroup runAsNonRoot runAsUser "
	  "seLinuxOptions:SELinuxOptions seccompProfile:SeccompProfile "
	  "windowsOptions:WindowsSecurityContextOptions" },
	{ "SelectableField",
	  "jsonPath" },
	{ "Service",
	  "apiVersion kind metadata:ObjectMeta spec:ServiceSpec status:*" },
	{ "ServiceAccount",
	  "apiVersion automountServiceAccountToken imagePullSecrets:[LocalObjectReference kind "
	  "metadata:ObjectMeta secrets:[ObjectReference" },
	{ "ServiceAccountTokenProjection",
	  "audience expirationSeconds path" },
	{ "ServiceBackendPort",
	  "name number" },
	{ "ServicePort",
	  "appProtocol name nodePort port protocol targetPort" },
	{ "ServiceSpec",
	  "allocateLoadBalancerNodePorts clusterIP clusterIPs externalIPs externalName "
	  "externalTrafficPolicy healthCheckNodePort internalTrafficPolicy ipFamilies "
	  "ipFamilyPolicy loadBalancerClass loadBalancerIP loadBalancerSourceRanges "
	  "ports:[ServicePort publishNotReadyAddresses selector sessionAffinity "
	  "sessionAffinityConfig:SessionAffinityConfig trafficDistribution type" },
	{ "SessionAffinityConfig",
	  "clientIP:ClientIPConfig" },
	{ "SleepAction",
	  "seconds" },
	{ "StatefulSet",
	  "apiVersion kind metadata:ObjectMeta spec:StatefulSetSpec status:*" },
	{ "StatefulSetOrdinals",
	  "start" },
	{ "StatefulSetPersistentVolumeClaimRetentionPolicy",
	  "whenDeleted whenScaled" },
	{ "StatefulSetSpec",
	  "minReadySeconds ordinals:StatefulSetOrdinals "
	  "persistentVolumeClaimRetentionPolicy:StatefulSetPersistentVolumeClaimRetentionPolicy "
	  "podManagementPolicy replicas revisionHistoryLimit selector:LabelSelector "
	  "serviceName template:PodTemplateSpec updateStrategy:StatefulSetUpdateStrategy "
	  "volumeClaimTemplates:[PersistentVolumeClaim" },
	{ "StatefulSetUpdateStrategy",
	  "rollingUpdate:RollingUpdateStatefulSetStrategy type" },
	{ "StorageClass",
	  "allowVolumeExpansion allowedTopologies:[TopologySelectorTerm apiVersion kind "
	  "metadata:ObjectMeta mountOptions parameters provisioner reclaimPolicy "
	  "volumeBindingMode" },
	{ "StorageOSPersistentVolumeSource",
	  "fsType readOnly secretRef:ObjectReference volumeName volumeNamespace" },
	{ "StorageOSVolumeSource",
	  "fsType readOnly secretRef:LocalObjectReference volumeName volumeNamespace" },
	{ "Subject",
	  "apiGroup kind name namespace" },
	{ "SuccessPolicy",
	  "rules:[SuccessPolicyRule" },
	{ "SuccessPolicyRule",
	  "succeededCount succeededIndexes" },
	{ "Sysctl",
	  "name value" },
	{ "TCPSocketAction",
	  "host port" },
	{ "Taint",
	  "effect key timeAdded value" },
	{ "Toleration",
	  "effect key operator tolerationSeconds value" },
	{ "TopologySelectorLabelRequirement",
	  "key values" },
	{ "TopologySelectorTerm",
	  "matchLabelExpressions:[TopologySelectorLabelRequirement" },
	{ "TopologySpreadConstraint",
	  "labelSelector:LabelSelector matchLabelKeys maxSkew minDomains nodeAffinityPolicy "
	  "nodeTaintsPolicy topologyKey whenUnsatisfiable" },
	{ "TypedLocalObjectReference",
	  "apiGroup kind name" },
	{ "TypedObjectReference",
	  "apiGroup kind name namespace" },
	{ "ValidationRule",
	  "fieldPath message messageExpression optionalOldSelf reason rule" },
	{ "Volume",
	  "awsElasticBlockStore:AWSElasticBlockStoreVolumeSource "
	  "azureDisk:AzureDiskVolumeSource azureFile:AzureFileVolumeSource "
	  "cephfs:CephFSVolumeSource cinder:CinderVolumeSource configMap:ConfigMapVolumeSource "
	  "csi:CSIVolumeSource downwardAPI:DownwardAPIVolumeSource "
	  "emptyDir:EmptyDirVolumeSource ephemeral:EphemeralVolumeSource fc:FCVolumeSource "
	  "flexVolume:FlexVolumeSource flocker:FlockerVolumeSource "
	  "gcePersistentDisk:GCEPersistentDiskVolumeSource gitRepo:GitRepoVolumeSource "
	  "glusterfs:GlusterfsVolumeSource hostPath:HostPathVolumeSource "
	  "image:ImageVolumeSource iscsi:ISCSIVolumeSource name nfs:NFSVolumeSource "
	  "persistentVolumeClaim:PersistentVolumeClaimVolumeSource "
	  "photonPersistentDisk:PhotonPersistentDiskVolumeSource "
	  "portworxVolume:PortworxVolumeSource projected:ProjectedVolumeSource "
	  "quobyte:QuobyteVolumeSource rbd:RBDVolumeSource scaleIO:ScaleIOVolumeSource "
	  "secret:SecretVolumeSource storageos:StorageOSVolumeSource "
	  "vsphereVolume:VsphereVirtualDiskVolumeSource" },
	{ "VolumeDevice",
	  "devicePath name" },
	{ "VolumeMount",
	  "mountPath mountPropagation name readOnly recursiveReadOnly subPath subPathExpr" },
	{ "VolumeNodeAffinity",
	  "required:NodeSelector" },
	{ "VolumeProjection",
	  "clusterTrustBundle:ClusterTrustBundleProjection configMap:ConfigMapProjection "
	  "downwardAPI:DownwardAPIProjection secret:SecretProjection "
	  "serviceAccountToken:ServiceAccountTokenProjection" },
	{ "VsphereVirtualDiskVolumeSource",
	  "fsType storagePolicyID storagePolicyName volumePath" },
	{ "WebhookConversion",
	  "clientConfig:ApiextensionsV1WebhookClientConfig conversionReviewVersions" },
	{ "WeightedPodAffinityTerm",
	  "podAffinityTerm:PodAffinityTerm weight" },
	{ "WindowsSecurityContextOptions",
	  "gmsaCredentialSpec gmsaCredentialSpecName hostProcess runAsUserName" },
};

static const struct schema_root builtin_roots[] = {
	{ "", "ConfigMap", "ConfigMap", NULL },
	{ "", "Endpoints", "Endpoints", NULL },
	{ "", "Event", "Event", NULL },
	{ "", "LimitRange", "LimitRange", NULL },
	{ "", "Namespace", "Namespace", NULL },
	{ "", "Node", "Node", NULL },
	{ "", "PersistentVolume", "PersistentVolume", NULL },
	{ "", "PersistentVolumeClaim", "PersistentVolumeClaim", NULL },
	{ "", "Pod", "Pod", NULL },
	{ "", "ResourceQuota", "ResourceQuota", NULL },
	{ "", "Secret", "Secret", NULL },
	{ "", "Service", "Service", NULL },
	{ "", "ServiceAccount", "ServiceAccount", NULL },
	{ "apiextensions.k8s.io", "CustomResourceDefinition", "CustomResourceDefinition", NULL },
	{ "apps", "ControllerRevision", "ControllerRevision", NULL },
	{ "apps", "DaemonSet", "DaemonSet", NULL },
	{ "apps", "Deployment", "Deployment", NULL },
	{ "apps", "ReplicaSet", "ReplicaSet", NULL },
	{ "apps", "StatefulSet", "StatefulSet", NULL },
	{ "autoscaling", "HorizontalPodAutoscaler", "HorizontalPodAutoscalerV1", "v1" },
	{ "autoscaling", "HorizontalPodAutoscaler", "HorizontalPodAutoscaler", NULL },
	{ "batch", "CronJob", "CronJob", NULL },
	{ "batch", "Job", "Job", NULL },
	{ "coordination.k8s.io", "Lease", "Lease", NULL },
	{ "events.k8s.io", "Event", "EventsEvent", NULL },
	{ "networking.k8s.io", "Ingress", "Ingress", NULL },
	{ "networking.k8s.io", "IngressClass", "IngressClass", NULL },
	{ "networking.k8s.io", "NetworkPolicy", "NetworkPolicy", NULL },
	{ "policy", "PodDisruptionBudget", "PodDisruptionBudget", NULL },
	{ "rbac.authorization.k8s.io", "ClusterRole", "ClusterRole", NULL },
	{ "rbac.authorization.k8s.io", "ClusterRoleBinding", "ClusterRoleBinding", NULL },
	{ "rbac.authorization.k8s.io", "Role", "Role", NULL },
	{ "rbac.authorization.k8s.io", "RoleBinding", "RoleBinding", NULL },
	{ "scheduling.k8s.io", "PriorityClass", "PriorityClass", NULL },
	{ "storage.k8s.io", "StorageClass", "StorageClass", NULL },
};

static int type_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct schema_type *)elem)->name);
}

const char *schema_builtin_fields(const char *type)
{
	const struct schema_type *t = bsearch(type, builtin_types,
					      sizeof(builtin_types) / sizeof(builtin_types[0]),
					      sizeof(builtin_types[0]), type_cmp);
	return t ? t->fields : NULL;
}

const char *schema_builtin_root(const char *group, const char *version, const char *kind)
{
	for (size_t i = 0; i < sizeof(builtin_roots) / sizeof(builtin_roots[0]); i++)
		if (!strcmp(builtin_roots[i].group, group) && !strcmp(builtin_roots[i].kind, kind) &&
		    (!builtin_roots[i].version || !strcmp(builtin_roots[i].version, version)))
			return builtin_roots[i].type;
	return NULL;
}
