/*
 * protobuf-schema.c — one table per protobuf message of the kinds kubectl's
 * generators create (create, create job --from, expose, ...) and whatever
 * they embed: field number → JSON name, kind, nested message.
 *
 * The numbers are those of k8s.io/api's and apimachinery's generated.proto
 * (facts of the wire format). Only the fields a client sends on create are
 * listed: status blocks, managedFields and rarely used volume plugins are
 * left out, and a field not listed is skipped as protobuf readers skip
 * unknown fields. Messages are defined leaves first, so each table refers
 * only to tables above it.
 */
#include "protobuf-schema.h"

#include <string.h>

#define S(n, nm)        { n, nm, PB_STRING, 0, NULL }
#define SR(n, nm)       { n, nm, PB_STRING, PB_REPEATED, NULL }
#define SP(n, nm)       { n, nm, PB_STRING, PB_KEEPZERO, NULL }
#define I32(n, nm)      { n, nm, PB_INT32, 0, NULL }
#define I32P(n, nm)     { n, nm, PB_INT32, PB_KEEPZERO, NULL }
#define I64(n, nm)      { n, nm, PB_INT64, 0, NULL }
#define I64P(n, nm)     { n, nm, PB_INT64, PB_KEEPZERO, NULL }
#define I64R(n, nm)     { n, nm, PB_INT64, PB_REPEATED, NULL }
#define B(n, nm)        { n, nm, PB_BOOL, 0, NULL }
#define BP(n, nm)       { n, nm, PB_BOOL, PB_KEEPZERO, NULL }
#define M(n, nm, m)     { n, nm, PB_MSG, 0, &m_##m }
#define MR(n, nm, m)    { n, nm, PB_MSG, PB_REPEATED, &m_##m }
#define IN(n, m)        { n, "", PB_INLINE, 0, &m_##m }
#define MAPS(n, nm)     { n, nm, PB_MAP_STR, 0, NULL }
#define MAPB(n, nm)     { n, nm, PB_MAP_BYTES, 0, NULL }
#define MAPQ(n, nm)     { n, nm, PB_MAP_QTY, 0, NULL }
#define Q(n, nm)        { n, nm, PB_QUANTITY, 0, NULL }
#define IOS(n, nm)      { n, nm, PB_INTORSTR, 0, NULL }
#define T(n, nm)        { n, nm, PB_TIME, 0, NULL }

#define MESSAGE(x, ...)                                                         \
	static const struct pb_field f_##x[] = { __VA_ARGS__ };                  \
	static const struct pb_message m_##x = { #x, f_##x,                      \
						 sizeof(f_##x) / sizeof(f_##x[0]) }

/* --- meta/v1 ----------------------------------------------------------- */

MESSAGE(OwnerReference, S(1, "kind"), S(3, "name"), S(4, "uid"), S(5, "apiVersion"),
	BP(6, "controller"), BP(7, "blockOwnerDeletion"));
MESSAGE(LabelSelectorRequirement, S(1, "key"), S(2, "operator"), SR(3, "values"));
MESSAGE(LabelSelector, MAPS(1, "matchLabels"), MR(2, "matchExpressions", LabelSelectorRequirement));
MESSAGE(ObjectMeta, S(1, "name"), S(2, "generateName"), S(3, "namespace"), S(5, "uid"),
	S(6, "resourceVersion"), I64(7, "generation"), T(8, "creationTimestamp"),
	T(9, "deletionTimestamp"), I64P(10, "deletionGracePeriodSeconds"), MAPS(11, "labels"),
	MAPS(12, "annotations"), MR(13, "ownerReferences", OwnerReference),
	SR(14, "finalizers"));
/* the body of a DELETE from client-go (kubectl drain --disable-eviction,
 * delete with a grace period) and of an eviction */
MESSAGE(Preconditions, S(1, "uid"), S(2, "resourceVersion"));
MESSAGE(DeleteOptions, I64P(1, "gracePeriodSeconds"), M(2, "preconditions", Preconditions),
	BP(3, "orphanDependents"), S(4, "propagationPolicy"), SR(5, "dryRun"));

/* --- core/v1: references, env, ports, resources ------------------------- */

MESSAGE(LocalObjectReference, S(1, "name"));
MESSAGE(ObjectReference, S(1, "kind"), S(2, "namespace"), S(3, "name"), S(4, "uid"),
	S(5, "apiVersion"), S(6, "resourceVersion"), S(7, "fieldPath"));
MESSAGE(KeyToPath, S(1, "key"), S(2, "path"), I32P(3, "mode"));
MESSAGE(ConfigMapKeySelector, IN(1, LocalObjectReference), S(2, "key"), BP(3, "optional"));
MESSAGE(SecretKeySelector, IN(1, LocalObjectReference), S(2, "key"), BP(3, "optional"));
MESSAGE(ObjectFieldSelector, S(1, "apiVersion"), S(2, "fieldPath"));
MESSAGE(ResourceFieldSelector, S(1, "containerName"), S(2, "resource"), Q(3, "divisor"));
MESSAGE(EnvVarSource, M(1, "fieldRef", ObjectFieldSelector),
	M(2, "resourceFieldRef", ResourceFieldSelector),
	M(3, "configMapKeyRef", ConfigMapKeySelector), M(4, "secretKeyRef", SecretKeySelector));
MESSAGE(EnvVar, S(1, "name"), S(2, "value"), M(3, "valueFrom", EnvVarSource));
MESSAGE(ConfigMapEnvSource, IN(1, LocalObjectReference), BP(2, "optional"));
MESSAGE(SecretEnvSource, IN(1, LocalObjectReference), BP(2, "optional"));
MESSAGE(EnvFromSource, S(1, "prefix"), M(2, "configMapRef", ConfigMapEnvSource),
	M(3, "secretRef", SecretEnvSource));
MESSAGE(ContainerPort, S(1, "name"), I32(2, "hostPort"), I32(3, "containerPort"),
	S(4, "protocol"), S(5, "hostIP"));
MESSAGE(ResourceClaim, S(1, "name"), S(2, "request"));
MESSAGE(ResourceRequirements, MAPQ(1, "limits"), MAPQ(2, "requests"),
	MR(3, "claims", ResourceClaim));
MESSAGE(VolumeMount, S(1, "name"), B(2, "readOnly"), S(3, "mountPath"), S(4, "subPath"),
	SP(5, "mountPropagation"), S(6, "subPathExpr"), SP(7, "recursiveReadOnly"));

/* --- core/v1: probes, lifecycle, security ------------------------------- */

MESSAGE(ExecAction, SR(1, "command"));
MESSAGE(HTTPHeader, S(1, "name"), S(2, "value"));
MESSAGE(HTTPGetAction, S(1, "path"), IOS(2, "port"), S(3, "host"), S(4, "scheme"),
	MR(5, "httpHeaders", HTTPHeader));
MESSAGE(TCPSocketAction, IOS(1, "port"), S(2, "host"));
MESSAGE(GRPCAction, I32(1, "port"), SP(2, "service"));
MESSAGE(ProbeHandler, M(1, "exec", ExecAction), M(2, "httpGet", HTTPGetAction),
	M(3, "tcpSocket", TCPSocketAction), M(4, "grpc", GRPCAction));
MESSAGE(Probe, IN(1, ProbeHandler), I32(2, "initialDelaySeconds"), I32(3, "timeoutSeconds"),
	I32(4, "periodSeconds"), I32(5, "successThreshold"), I32(6, "failureThreshold"),
	I64P(7, "terminationGracePeriodSeconds"));
MESSAGE(SleepAction, I64(1, "seconds"));
MESSAGE(LifecycleHandler, M(1, "exec", ExecAction), M(2, "httpGet", HTTPGetAction),
	M(3, "tcpSocket", TCPSocketAction), M(4, "sleep", SleepAction));
MESSAGE(Lifecycle, M(1, "postStart", LifecycleHandler), M(2, "preStop", LifecycleHandler),
	SP(3, "stopSignal"));
MESSAGE(Capabilities, SR(1, "add"), SR(2, "drop"));
MESSAGE(SeccompProfile, S(1, "type"), SP(2, "localhostProfile"));
MESSAGE(SecurityContext, M(1, "capabilities", Capabilities), BP(2, "privileged"),
	I64P(4, "runAsUser"), BP(5, "runAsNonRoot"), BP(6, "readOnlyRootFilesystem"),
	BP(7, "allowPrivilegeEscalation"), I64P(8, "runAsGroup"), SP(9, "procMount"),
	M(11, "seccompProfile", SeccompProfile));
MESSAGE(Sysctl, S(1, "name"), S(2, "value"));
MESSAGE(PodSecurityContext, I64P(2, "runAsUser"), BP(3, "runAsNonRoot"),
	I64R(4, "supplementalGroups"), I64P(5, "fsGroup"), I64P(6, "runAsGroup"),
	MR(7, "sysctls", Sysctl), SP(9, "fsGroupChangePolicy"),
	M(10, "seccompProfile", SeccompProfile));

/* --- core/v1: containers, volumes, pods --------------------------------- */

MESSAGE(Container, S(1, "name"), S(2, "image"), SR(3, "command"), SR(4, "args"),
	S(5, "workingDir"), MR(6, "ports", ContainerPort), MR(7, "env", EnvVar),
	M(8, "resources", ResourceRequirements), MR(9, "volumeMounts", VolumeMount),
	M(10, "livenessProbe", Probe), M(11, "readinessProbe", Probe),
	M(12, "lifecycle", Lifecycle), S(13, "terminationMessagePath"),
	S(14, "imagePullPolicy"), M(15, "securityContext", SecurityContext), B(16, "stdin"),
	B(17, "stdinOnce"), B(18, "tty"), MR(19, "envFrom", EnvFromSource),
	S(20, "terminationMessagePolicy"), M(22, "startupProbe", Probe),
	SP(24, "restartPolicy"));
MESSAGE(HostPathVolumeSource, S(1, "path"), SP(2, "type"));
MESSAGE(EmptyDirVolumeSource, S(1, "medium"), Q(2, "sizeLimit"));
MESSAGE(SecretVolumeSource, S(1, "secretName"), MR(2, "items", KeyToPath),
	I32P(3, "defaultMode"), BP(4, "optional"));
MESSAGE(PersistentVolumeClaimVolumeSource, S(1, "claimName"), B(2, "readOnly"));
MESSAGE(DownwardAPIVolumeFile, S(1, "path"), M(2, "fieldRef", ObjectFieldSelector),
	M(3, "resourceFieldRef", ResourceFieldSelector), I32P(4, "mode"));
MESSAGE(DownwardAPIVolumeSource, MR(1, "items", DownwardAPIVolumeFile), I32P(2, "defaultMode"));
MESSAGE(ConfigMapVolumeSource, IN(1, LocalObjectReference), MR(2, "items", KeyToPath),
	I32P(3, "defaultMode"), BP(4, "optional"));
MESSAGE(NFSVolumeSource, S(1, "server"), S(2, "path"), B(3, "readOnly"));
MESSAGE(CSIVolumeSource, S(1, "driver"), BP(2, "readOnly"), SP(3, "fsType"),
	MAPS(4, "volumeAttributes"), M(5, "nodePublishSecretRef", LocalObjectReference));
MESSAGE(SecretProjection, IN(1, LocalObjectReference), MR(2, "items", KeyToPath),
	BP(4, "optional"));
MESSAGE(ConfigMapProjection, IN(1, LocalObjectReference), MR(2, "items", KeyToPath),
	BP(4, "optional"));
MESSAGE(DownwardAPIProjection, MR(1, "items", DownwardAPIVolumeFile));
MESSAGE(ServiceAccountTokenProjection, S(1, "audience"), I64P(2, "expirationSeconds"),
	S(3, "path"));
MESSAGE(VolumeProjection, M(1, "secret", SecretProjection),
	M(2, "downwardAPI", DownwardAPIProjection), M(3, "configMap", ConfigMapProjection),
	M(4, "serviceAccountToken", ServiceAccountTokenProjection));
MESSAGE(ProjectedVolumeSource, MR(1, "sources", VolumeProjection), I32P(2, "defaultMode"));
MESSAGE(VolumeSource, M(1, "hostPath", HostPathVolumeSource),
	M(2, "emptyDir", EmptyDirVolumeSource), M(6, "secret", SecretVolumeSource),
	M(7, "nfs", NFSVolumeSource),
	M(10, "persistentVolumeClaim", PersistentVolumeClaimVolumeSource),
	M(16, "downwardAPI", DownwardAPIVolumeSource), M(19, "configMap", ConfigMapVolumeSource),
	M(26, "projected", ProjectedVolumeSource), M(28, "csi", CSIVolumeSource));
MESSAGE(Volume, S(1, "name"), IN(2, VolumeSource));
MESSAGE(Toleration, S(1, "key"), S(2, "operator"), S(3, "value"), S(4, "effect"),
	I64P(5, "tolerationSeconds"));
MESSAGE(HostAlias, S(1, "ip"), SR(2, "hostnames"));
MESSAGE(NodeSelectorRequirement, S(1, "key"), S(2, "operator"), SR(3, "values"));
MESSAGE(NodeSelectorTerm, MR(1, "matchExpressions", NodeSelectorRequirement),
	MR(2, "matchFields", NodeSelectorRequirement));
MESSAGE(NodeSelector, MR(1, "nodeSelectorTerms", NodeSelectorTerm));
MESSAGE(PreferredSchedulingTerm, I32(1, "weight"), M(2, "preference", NodeSelectorTerm));
MESSAGE(NodeAffinity, M(1, "requiredDuringSchedulingIgnoredDuringExecution", NodeSelector),
	MR(2, "preferredDuringSchedulingIgnoredDuringExecution", PreferredSchedulingTerm));
MESSAGE(PodAffinityTerm, M(1, "labelSelector", LabelSelector), SR(2, "namespaces"),
	S(3, "topologyKey"), M(4, "namespaceSelector", LabelSelector),
	SR(5, "matchLabelKeys"), SR(6, "mismatchLabelKeys"));
MESSAGE(WeightedPodAffinityTerm, I32(1, "weight"), M(2, "podAffinityTerm", PodAffinityTerm));
MESSAGE(PodAffinity, MR(1, "requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm),
	MR(2, "preferredDuringSchedulingIgnoredDuringExecution", WeightedPodAffinityTerm));
MESSAGE(Affinity, M(1, "nodeAffinity", NodeAffinity), M(2, "podAffinity", PodAffinity),
	M(3, "podAntiAffinity", PodAffinity));
MESSAGE(TopologySpreadConstraint, I32(1, "maxSkew"), S(2, "topologyKey"),
	S(3, "whenUnsatisfiable"), M(4, "labelSelector", LabelSelector), I32P(5, "minDomains"),
	SP(6, "nodeAffinityPolicy"), SP(7, "nodeTaintsPolicy"), SR(8, "matchLabelKeys"));
MESSAGE(PodDNSConfigOption, S(1, "name"), SP(2, "value"));
MESSAGE(PodDNSConfig, SR(1, "nameservers"), SR(2, "searches"),
	MR(3, "options", PodDNSConfigOption));
MESSAGE(PodReadinessGate, S(1, "conditionType"));
MESSAGE(PodSpec, MR(1, "volumes", Volume), MR(2, "containers", Container),
	S(3, "restartPolicy"), I64P(4, "terminationGracePeriodSeconds"),
	I64P(5, "activeDeadlineSeconds"), S(6, "dnsPolicy"), MAPS(7, "nodeSelector"),
	S(8, "serviceAccountName"), S(9, "serviceAccount"), S(10, "nodeName"),
	B(11, "hostNetwork"), B(12, "hostPID"), B(13, "hostIPC"),
	M(14, "securityContext", PodSecurityContext),
	MR(15, "imagePullSecrets", LocalObjectReference), S(16, "hostname"),
	S(17, "subdomain"), M(18, "affinity", Affinity), S(19, "schedulerName"), MR(20, "initContainers", Container),
	BP(21, "automountServiceAccountToken"), MR(22, "tolerations", Toleration),
	MR(23, "hostAliases", HostAlias), S(24, "priorityClassName"), I32P(25, "priority"),
	M(26, "dnsConfig", PodDNSConfig), BP(27, "shareProcessNamespace"),
	MR(28, "readinessGates", PodReadinessGate), SP(29, "runtimeClassName"),
	BP(30, "enableServiceLinks"), SP(31, "preemptionPolicy"),
	MR(33, "topologySpreadConstraints", TopologySpreadConstraint),
	BP(35, "setHostnameAsFQDN"), BP(37, "hostUsers"));
MESSAGE(PodTemplateSpec, M(1, "metadata", ObjectMeta), M(2, "spec", PodSpec));
MESSAGE(Pod, M(1, "metadata", ObjectMeta), M(2, "spec", PodSpec));

/* --- core/v1: the other kinds ------------------------------------------- */

MESSAGE(NamespaceSpec, SR(1, "finalizers"));
MESSAGE(Namespace, M(1, "metadata", ObjectMeta), M(2, "spec", NamespaceSpec));
MESSAGE(ConfigMap, M(1, "metadata", ObjectMeta), MAPS(2, "data"), MAPB(3, "binaryData"),
	BP(4, "immutable"));
MESSAGE(Secret, M(1, "metadata", ObjectMeta), MAPB(2, "data"), S(3, "type"),
	MAPS(4, "stringData"), BP(5, "immutable"));
MESSAGE(ServiceAccount, M(1, "metadata", ObjectMeta), MR(2, "secrets", ObjectReference),
	MR(3, "imagePullSecrets", LocalObjectReference),
	BP(4, "automountServiceAccountToken"));
MESSAGE(ServicePort, S(1, "name"), S(2, "protocol"), I32(3, "port"), IOS(4, "targetPort"),
	I32(5, "nodePort"), SP(6, "appProtocol"));
MESSAGE(ClientIPConfig, I32P(1, "timeoutSeconds"));
MESSAGE(SessionAffinityConfig, M(1, "clientIP", ClientIPConfig));
MESSAGE(ServiceSpec, MR(1, "ports", ServicePort), MAPS(2, "selector"), S(3, "clusterIP"),
	S(4, "type"), SR(5, "externalIPs"), S(7, "sessionAffinity"), S(8, "loadBalancerIP"),
	SR(9, "loadBalancerSourceRanges"), S(10, "externalName"),
	S(11, "externalTrafficPolicy"), I32(12, "healthCheckNodePort"),
	B(13, "publishNotReadyAddresses"),
	M(14, "sessionAffinityConfig", SessionAffinityConfig), SP(17, "ipFamilyPolicy"),
	SR(18, "clusterIPs"), SR(19, "ipFamilies"), BP(20, "allocateLoadBalancerNodePorts"),
	SP(21, "loadBalancerClass"), SP(22, "internalTrafficPolicy"));
MESSAGE(Service, M(1, "metadata", ObjectMeta), M(2, "spec", ServiceSpec));
MESSAGE(ScopedResourceSelectorRequirement, S(1, "scopeName"), S(2, "operator"),
	SR(3, "values"));
MESSAGE(ScopeSelector, MR(1, "matchExpressions", ScopedResourceSelectorRequirement));
MESSAGE(ResourceQuotaSpec, MAPQ(1, "hard"), SR(2, "scopes"),
	M(3, "scopeSelector", ScopeSelector));
MESSAGE(ResourceQuota, M(1, "metadata", ObjectMeta), M(2, "spec", ResourceQuotaSpec));

/* --- apps/v1 ------------------------------------------------------------ */

MESSAGE(RollingUpdateDeployment, IOS(1, "maxUnavailable"), IOS(2, "maxSurge"));
MESSAGE(DeploymentStrategy, S(1, "type"), M(2, "rollingUpdate", RollingUpdateDeployment));
MESSAGE(DeploymentSpec, I32P(1, "replicas"), M(2, "selector", LabelSelector),
	M(3, "template", PodTemplateSpec), M(4, "strategy", DeploymentStrategy),
	I32(5, "minReadySeconds"), I32P(6, "revisionHistoryLimit"), B(7, "paused"),
	I32P(9, "progressDeadlineSeconds"));
MESSAGE(Deployment, M(1, "metadata", ObjectMeta), M(2, "spec", DeploymentSpec));

/* --- batch/v1 ----------------------------------------------------------- */

MESSAGE(JobSpec, I32P(1, "parallelism"), I32P(2, "completions"),
	I64P(3, "activeDeadlineSeconds"), M(4, "selector", LabelSelector),
	BP(5, "manualSelector"), M(6, "template", PodTemplateSpec), I32P(7, "backoffLimit"),
	I32P(8, "ttlSecondsAfterFinished"), SP(9, "completionMode"), BP(10, "suspend"),
	I32P(12, "backoffLimitPerIndex"), I32P(13, "maxFailedIndexes"),
	SP(14, "podReplacementPolicy"), SP(15, "managedBy"));
MESSAGE(Job, M(1, "metadata", ObjectMeta), M(2, "spec", JobSpec));
MESSAGE(JobTemplateSpec, M(1, "metadata", ObjectMeta), M(2, "spec", JobSpec));
MESSAGE(CronJobSpec, S(1, "schedule"), I64P(2, "startingDeadlineSeconds"),
	S(3, "concurrencyPolicy"), BP(4, "suspend"), M(5, "jobTemplate", JobTemplateSpec),
	I32P(6, "successfulJobsHistoryLimit"), I32P(7, "failedJobsHistoryLimit"),
	SP(8, "timeZone"));
MESSAGE(CronJob, M(1, "metadata", ObjectMeta), M(2, "spec", CronJobSpec));

/* --- rbac.authorization.k8s.io/v1 --------------------------------------- */

MESSAGE(PolicyRule, SR(1, "verbs"), SR(2, "apiGroups"), SR(3, "resources"),
	SR(4, "resourceNames"), SR(5, "nonResourceURLs"));
MESSAGE(AggregationRule, MR(1, "clusterRoleSelectors", LabelSelector));
MESSAGE(Role, M(1, "metadata", ObjectMeta), MR(2, "rules", PolicyRule));
MESSAGE(ClusterRole, M(1, "metadata", ObjectMeta), MR(2, "rules", PolicyRule),
	M(3, "aggregationRule", AggregationRule));
MESSAGE(Subject, S(1, "kind"), S(2, "apiGroup"), S(3, "name"), S(4, "namespace"));
MESSAGE(RoleRef, S(1, "apiGroup"), S(2, "kind"), S(3, "name"));
MESSAGE(RoleBinding, M(1, "metadata", ObjectMeta), MR(2, "subjects", Subject),
	M(3, "roleRef", RoleRef));

/* --- policy/v1 ---------------------------------------------------------- */

MESSAGE(PodDisruptionBudgetSpec, IOS(1, "minAvailable"), M(2, "selector", LabelSelector),
	IOS(3, "maxUnavailable"), SP(4, "unhealthyPodEvictionPolicy"));
MESSAGE(PodDisruptionBudget, M(1, "metadata", ObjectMeta),
	M(2, "spec", PodDisruptionBudgetSpec));
MESSAGE(Eviction, M(1, "metadata", ObjectMeta), M(2, "deleteOptions", DeleteOptions));

/* --- networking.k8s.io/v1 ----------------------------------------------- */

MESSAGE(ServiceBackendPort, S(1, "name"), I32(2, "number"));
MESSAGE(IngressServiceBackend, S(1, "name"), M(2, "port", ServiceBackendPort));
MESSAGE(TypedLocalObjectReference, SP(1, "apiGroup"), S(2, "kind"), S(3, "name"));
MESSAGE(IngressBackend, M(3, "resource", TypedLocalObjectReference),
	M(4, "service", IngressServiceBackend));
MESSAGE(HTTPIngressPath, S(1, "path"), M(2, "backend", IngressBackend), SP(3, "pathType"));
MESSAGE(HTTPIngressRuleValue, MR(1, "paths", HTTPIngressPath));
MESSAGE(IngressRuleValue, M(1, "http", HTTPIngressRuleValue));
MESSAGE(IngressRule, S(1, "host"), IN(2, IngressRuleValue));
MESSAGE(IngressTLS, SR(1, "hosts"), S(2, "secretName"));
MESSAGE(IngressSpec, M(1, "defaultBackend", IngressBackend), MR(2, "tls", IngressTLS),
	MR(3, "rules", IngressRule), SP(4, "ingressClassName"));
MESSAGE(Ingress, M(1, "metadata", ObjectMeta), M(2, "spec", IngressSpec));

/* --- autoscaling/v2 ----------------------------------------------------- */

MESSAGE(CrossVersionObjectReference, S(1, "kind"), S(2, "name"), S(3, "apiVersion"));
MESSAGE(MetricTarget, S(1, "type"), Q(2, "value"), Q(3, "averageValue"),
	I32P(4, "averageUtilization"));
MESSAGE(ResourceMetricSource, S(1, "name"), M(2, "target", MetricTarget));
MESSAGE(ContainerResourceMetricSource, S(1, "name"), M(2, "target", MetricTarget),
	S(3, "container"));
MESSAGE(MetricIdentifier, S(1, "name"), M(2, "selector", LabelSelector));
MESSAGE(PodsMetricSource, M(1, "metric", MetricIdentifier), M(2, "target", MetricTarget));
MESSAGE(ObjectMetricSource, M(1, "describedObject", CrossVersionObjectReference),
	M(2, "target", MetricTarget), M(3, "metric", MetricIdentifier));
MESSAGE(MetricSpec, S(1, "type"), M(2, "object", ObjectMetricSource),
	M(3, "pods", PodsMetricSource), M(4, "resource", ResourceMetricSource),
	M(7, "containerResource", ContainerResourceMetricSource));
MESSAGE(HorizontalPodAutoscalerSpec, M(1, "scaleTargetRef", CrossVersionObjectReference),
	I32P(2, "minReplicas"), I32(3, "maxReplicas"), MR(4, "metrics", MetricSpec));
MESSAGE(HorizontalPodAutoscaler, M(1, "metadata", ObjectMeta),
	M(2, "spec", HorizontalPodAutoscalerSpec));

/* --- autoscaling/v1 ----------------------------------------------------- */

MESSAGE(HorizontalPodAutoscalerSpecV1, M(1, "scaleTargetRef", CrossVersionObjectReference),
	I32P(2, "minReplicas"), I32(3, "maxReplicas"), I32P(4, "targetCPUUtilizationPercentage"));
MESSAGE(HorizontalPodAutoscalerV1, M(1, "metadata", ObjectMeta),
	M(2, "spec", HorizontalPodAutoscalerSpecV1));

/* --- authentication.k8s.io/v1 ------------------------------------------ */

MESSAGE(BoundObjectReference, S(1, "kind"), S(2, "apiVersion"), S(3, "name"), S(4, "uid"));
MESSAGE(TokenRequestSpec, SR(1, "audiences"), M(3, "boundObjectRef", BoundObjectReference),
	I64P(4, "expirationSeconds"));
MESSAGE(TokenRequest, M(1, "metadata", ObjectMeta), M(2, "spec", TokenRequestSpec));

MESSAGE(SelfSubjectReview, M(1, "metadata", ObjectMeta));

/* --- authorization.k8s.io/v1 -------------------------------------------- */

MESSAGE(ResourceAttributes, S(1, "namespace"), S(2, "verb"), S(3, "group"), S(4, "version"),
	S(5, "resource"), S(6, "subresource"), S(7, "name"));
MESSAGE(NonResourceAttributes, S(1, "path"), S(2, "verb"));
MESSAGE(SelfSubjectAccessReviewSpec, M(1, "resourceAttributes", ResourceAttributes),
	M(2, "nonResourceAttributes", NonResourceAttributes));
MESSAGE(SelfSubjectAccessReview, M(1, "metadata", ObjectMeta),
	M(2, "spec", SelfSubjectAccessReviewSpec));

/* --- scheduling.k8s.io/v1 ------------------------------------------------ */

MESSAGE(PriorityClass, M(1, "metadata", ObjectMeta), I32P(2, "value"), B(3, "globalDefault"),
	S(4, "description"), S(5, "preemptionPolicy"));

static const struct pb_root roots[] = {
	{ "v1", "Namespace", &m_Namespace },
	{ "v1", "ConfigMap", &m_ConfigMap },
	{ "v1", "Secret", &m_Secret },
	{ "v1", "ServiceAccount", &m_ServiceAccount },
	{ "v1", "Service", &m_Service },
	{ "v1", "Pod", &m_Pod },
	{ "v1", "ResourceQuota", &m_ResourceQuota },
	{ "v1", "DeleteOptions", &m_DeleteOptions },
	{ "meta.k8s.io/v1", "DeleteOptions", &m_DeleteOptions },
	{ "apps/v1", "Deployment", &m_Deployment },
	{ "batch/v1", "Job", &m_Job },
	{ "batch/v1", "CronJob", &m_CronJob },
	{ "rbac.authorization.k8s.io/v1", "Role", &m_Role },
	{ "rbac.authorization.k8s.io/v1", "RoleBinding", &m_RoleBinding },
	{ "rbac.authorization.k8s.io/v1", "ClusterRole", &m_ClusterRole },
	{ "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &m_RoleBinding },
	{ "policy/v1", "PodDisruptionBudget", &m_PodDisruptionBudget },
	{ "policy/v1", "Eviction", &m_Eviction },
	{ "networking.k8s.io/v1", "Ingress", &m_Ingress },
	{ "autoscaling/v2", "HorizontalPodAutoscaler", &m_HorizontalPodAutoscaler },
	{ "autoscaling/v1", "HorizontalPodAutoscaler", &m_HorizontalPodAutoscalerV1 },
	{ "authentication.k8s.io/v1", "TokenRequest", &m_TokenRequest },
	{ "authentication.k8s.io/v1", "SelfSubjectReview", &m_SelfSubjectReview },
	{ "authorization.k8s.io/v1", "SelfSubjectAccessReview", &m_SelfSubjectAccessReview },
	{ "scheduling.k8s.io/v1", "PriorityClass", &m_PriorityClass },
};

const struct pb_root *pb_schema_root(const char *api_version, const char *kind)
{
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strcmp(roots[i].api_version, api_version) && !strcmp(roots[i].kind, kind))
			return &roots[i];
	return NULL;
}
