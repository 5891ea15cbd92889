/*
 * gen-k8s — writes a multi-document stream of Kubernetes manifests for the
 * YAML benchmark: Deployments, Services and ConfigMaps in the shapes `helm
 * template` produces (labels, annotations, env lists, probes, resources,
 * literal blocks, quoted strings, numbers and booleans), varied by a fixed
 * pseudo-random sequence so every run writes the same bytes.
 *
 *     gen-k8s OUT.yaml [MEGABYTES]      (default 50)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned next(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *words[] = {
	"web", "api", "worker", "cache", "queue", "auth", "billing", "search",
	"frontend", "backend", "metrics", "gateway", "ingest", "report", "mailer",
};
static const char *teams[] = { "payments", "platform", "growth", "data", "infra" };
static const char *images[] = {
	"nginx:1.25.3", "ghcr.io/example/api:v2.14.0", "redis:7.2-alpine",
	"registry.k8s.io/pause:3.9", "quay.io/prometheus/node-exporter:v1.7.0",
};

#define W(...) fprintf(out, __VA_ARGS__)

static void labels(FILE *out, const char *ind, const char *name, unsigned id)
{
	W("%sapp.kubernetes.io/name: %s\n", ind, name);
	W("%sapp.kubernetes.io/instance: %s-%u\n", ind, name, id);
	W("%sapp.kubernetes.io/managed-by: Helm\n", ind);
	W("%shelm.sh/chart: %s-%u.%u.%u\n", ind, name, next(3), next(20), next(10));
	if (next(2))
		W("%steam: %s\n", ind, teams[next(5)]);
}

static void deployment(FILE *out, unsigned id)
{
	const char *name = words[next(15)];
	W("---\n# Source: %s/templates/deployment.yaml\n", name);
	W("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n");
	W("  name: %s-%u\n  namespace: ns-%u\n  labels:\n", name, id, id % 17);
	labels(out, "    ", name, id);
	W("  annotations:\n    deployment.kubernetes.io/revision: \"%u\"\n", 1 + next(40));
	W("    checksum/config: %08x%08x%08x%08x\n", next(1u << 31), next(1u << 31),
	  next(1u << 31), next(1u << 31));
	W("spec:\n  replicas: %u\n  revisionHistoryLimit: 10\n", 1 + next(5));
	W("  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", name);
	W("      app.kubernetes.io/instance: %s-%u\n", name, id);
	W("  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 25%%\n"
	  "      maxUnavailable: 0\n");
	W("  template:\n    metadata:\n      labels:\n");
	labels(out, "        ", name, id);
	W("    spec:\n      serviceAccountName: %s\n", name);
	W("      securityContext:\n        runAsNonRoot: true\n        runAsUser: %u\n"
	  "        fsGroup: 2000\n", 1000 + next(100));
	W("      containers:\n");
	unsigned nc = 1 + next(2);
	for (unsigned c = 0; c < nc; c++) {
		W("      - name: %s\n        image: \"%s\"\n        imagePullPolicy: IfNotPresent\n",
		  c ? "sidecar" : name, images[next(5)]);
		if (next(2))
			W("        args:\n        - --port=%u\n        - --log-level=info\n"
			  "        - \"--feature-gates=Alpha=true,Beta=false\"\n", 8000 + next(1000));
		W("        ports:\n        - name: http\n          containerPort: %u\n"
		  "          protocol: TCP\n", 8080 + next(10));
		W("        env:\n");
		unsigned ne = 2 + next(6);
		for (unsigned e = 0; e < ne; e++) {
			switch (next(4)) {
			case 0:
				W("        - name: VAR_%u\n          value: \"%u\"\n", e, next(100000));
				break;
			case 1:
				W("        - name: ENABLE_%u\n          value: \"true\"\n", e);
				break;
			case 2:
				W("        - name: POD_NAME_%u\n          valueFrom:\n"
				  "            fieldRef:\n              fieldPath: metadata.name\n", e);
				break;
			default:
				W("        - name: URL_%u\n          value: https://%s.example.com:%u/v1/path?q=%u\n",
				  e, words[next(15)], 443 + next(2), next(1000));
			}
		}
		W("        resources:\n          limits:\n            cpu: %um\n            memory: %uMi\n",
		  100 * (1 + next(20)), 64 * (1 + next(32)));
		W("          requests:\n            cpu: %um\n            memory: %uMi\n",
		  50 * (1 + next(10)), 32 * (1 + next(16)));
		W("        livenessProbe:\n          httpGet:\n            path: /healthz\n"
		  "            port: http\n          initialDelaySeconds: %u\n          periodSeconds: 10\n",
		  5 + next(30));
		W("        readinessProbe:\n          tcpSocket:\n            port: http\n"
		  "          timeoutSeconds: 1.5\n");
		W("        volumeMounts:\n        - name: config\n          mountPath: /etc/%s\n"
		  "          readOnly: true\n", name);
	}
	W("      volumes:\n      - name: config\n        configMap:\n          name: %s-%u-config\n",
	  name, id);
	if (next(3) == 0)
		W("      tolerations:\n      - key: node-role.kubernetes.io/control-plane\n"
		  "        operator: Exists\n        effect: NoSchedule\n");
}

static void service(FILE *out, unsigned id)
{
	const char *name = words[next(15)];
	W("---\napiVersion: v1\nkind: Service\nmetadata:\n  name: %s-%u\n  labels:\n", name, id);
	labels(out, "    ", name, id);
	W("spec:\n  type: %s\n  ports:\n", next(4) ? "ClusterIP" : "NodePort");
	unsigned np = 1 + next(3);
	for (unsigned p = 0; p < np; p++)
		W("    - port: %u\n      targetPort: http\n      protocol: TCP\n      name: p%u\n",
		  80 + p, p);
	W("  selector:\n    app.kubernetes.io/name: %s\n    app.kubernetes.io/instance: %s-%u\n",
	  name, name, id);
}

static void configmap(FILE *out, unsigned id)
{
	const char *name = words[next(15)];
	W("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-%u-config\n  labels:\n",
	  name, id);
	labels(out, "    ", name, id);
	W("data:\n  LOG_LEVEL: %s\n  WORKERS: \"%u\"\n  ENABLED: \"yes\"\n",
	  next(2) ? "debug" : "info", 1 + next(16));
	W("  config.yaml: |\n    server:\n      port: %u\n      timeout: %us\n    upstreams:\n",
	  8000 + next(100), 1 + next(60));
	unsigned nu = 2 + next(5);
	for (unsigned u = 0; u < nu; u++)
		W("      - url: http://%s-%u.svc.cluster.local:%u\n        weight: %u\n",
		  words[next(15)], u, 8080 + u, 1 + next(10));
	W("  nginx.conf: |-\n    worker_processes auto;\n    events { worker_connections %u; }\n"
	  "    http {\n      server { listen 80; location / { proxy_pass http://127.0.0.1:%u; } }\n"
	  "    }\n", 512 << next(3), 8080 + next(10));
	W("  motd: 'Welcome to %s, it''s #%u'\n", name, id);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen-k8s OUT.yaml [MEGABYTES]\n");
		return 2;
	}
	long target = (argc > 2 ? atol(argv[2]) : 50) * 1000000L;
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	for (unsigned id = 0; ftell(out) < target; id++) {
		deployment(out, id);
		service(out, id);
		configmap(out, id);
	}
	if (fclose(out)) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
