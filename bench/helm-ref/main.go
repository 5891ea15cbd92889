// helm-ref — the reference renderer for Bosun's Helm engine: Go's own
// text/template with Masterminds' Sprig and sigs.k8s.io/yaml (Debian's
// packages), driven the way Helm v3's engine drives them, for charts
// without subcharts. It prints what `helm template` prints:
//
//	helm-ref CHART_DIR [-f VALUES]... [--kube-version V] [-n NAMESPACE] [-N TIMES]
//
// With -N it renders N times and reports the time per render on stderr
// (the benchmark peer).
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

type Dependency struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	Repository   string        `json:"repository"`
	Condition    string        `json:"condition,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Enabled      bool          `json:"enabled,omitempty"`
	ImportValues []interface{} `json:"import-values,omitempty"`
	Alias        string        `json:"alias,omitempty"`
}

type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (kv *KubeVersion) String() string     { return kv.Version }
func (kv *KubeVersion) GitVersion() string { return kv.Version }

type VersionSet []string

func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type Capabilities struct {
	APIVersions VersionSet
	KubeVersion KubeVersion
	HelmVersion map[string]string
}

type files map[string][]byte

func (f files) GetBytes(name string) []byte { return f[name] }
func (f files) Get(name string) string      { return string(f[name]) }
func (f files) Glob(pattern string) files {
	nf := files{}
	for name, contents := range f {
		if ok, _ := path.Match(pattern, name); ok {
			nf[name] = contents
		}
	}
	return nf
}
func (f files) AsConfig() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = string(v)
	}
	return toYAML(m)
}
func (f files) AsSecrets() string {
	if len(f) == 0 {
		return ""
	}
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = base64.StdEncoding.EncodeToString(v)
	}
	return toYAML(m)
}
func (f files) Lines(p string) []string {
	if f == nil || f[p] == nil {
		return []string{}
	}
	return strings.Split(string(f[p]), "\n")
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

// optionalFuncs holds Helm functions whose Go packages may be missing
// (pretty.go adds toYamlPretty when built with -tags yamlv3).
var optionalFuncs = map[string]interface{}{}

func fromYAML(str string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(str string) []interface{} {
	a := []interface{}{}
	if err := yaml.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(data)
}

func fromJSON(str string) map[string]interface{} {
	m := make(map[string]interface{})
	if err := json.Unmarshal([]byte(str), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(str string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(str), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// coalesceTables: chartutil's coalesceTablesFullKey with merge false.
func coalesceTables(dst, src map[string]interface{}) map[string]interface{} {
	if src == nil {
		return dst
	}
	if dst == nil {
		return src
	}
	for key, val := range dst {
		if val == nil {
			src[key] = nil
		}
	}
	for key, val := range src {
		if dv, ok := dst[key]; ok && dv == nil {
			delete(dst, key)
		} else if !ok {
			dst[key] = val
		} else if sv, ok := val.(map[string]interface{}); ok {
			if dvm, ok := dv.(map[string]interface{}); ok {
				coalesceTables(dvm, sv)
			}
		}
	}
	return dst
}

func coalesceValues(chartVals, v map[string]interface{}) {
	for key, val := range chartVals {
		if value, ok := v[key]; ok {
			if value == nil {
				delete(v, key)
			} else if dest, ok := value.(map[string]interface{}); ok {
				if src, ok := val.(map[string]interface{}); ok {
					coalesceTables(dest, src)
				}
			}
		} else {
			v[key] = val
		}
	}
}

func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if v, ok := v.(map[string]interface{}); ok {
			if bv, ok := out[k]; ok {
				if bv, ok := bv.(map[string]interface{}); ok {
					out[k] = mergeMaps(bv, v)
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}

func readValues(p string) map[string]interface{} {
	data, err := os.ReadFile(p)
	if err != nil {
		return map[string]interface{}{}
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &m); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %s: %v\n", p, err)
		os.Exit(1)
	}
	return m
}

var installOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}

type manifest struct {
	name, content, kind string
}

type simpleHead struct {
	Kind     string `json:"kind,omitempty"`
	Metadata *struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata,omitempty"`
}

var sep = regexp.MustCompile("(?:^|\\s*\n)---\\s*")

func splitManifests(big string) []string {
	var out []string
	for _, d := range sep.Split(strings.TrimSpace(big), -1) {
		if d == "" {
			continue
		}
		out = append(out, strings.TrimSpace(d))
	}
	return out
}

func sortByKind(ms []manifest) {
	order := map[string]int{}
	for i, k := range installOrder {
		order[k] = i
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, aok := order[ms[i].kind]
		b, bok := order[ms[j].kind]
		if !aok && !bok {
			return ms[i].kind < ms[j].kind
		}
		if !aok {
			return false
		}
		if !bok {
			return true
		}
		return a < b
	})
}

func render(dir string, valueFiles []string, kube, ns string) (string, error) {
	meta := &Metadata{}
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return "", err
	}
	if err := yaml.Unmarshal(data, meta); err != nil {
		return "", err
	}
	chartVals := readValues(filepath.Join(dir, "values.yaml"))
	user := map[string]interface{}{}
	for _, f := range valueFiles {
		user = mergeMaps(user, readValues(f))
	}
	coalesceValues(chartVals, user)

	fs := files{}
	tpls := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		b, _ := os.ReadFile(p)
		switch {
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json" || rel == "Chart.lock":
		case strings.HasPrefix(rel, "templates/"):
			tpls[path.Join(meta.Name, rel)] = string(b)
		default:
			fs[rel] = b
		}
		return nil
	})

	v := strings.TrimPrefix(kube, "v")
	parts := strings.Split(v, ".")
	kv := KubeVersion{Version: "v" + v, Major: parts[0], Minor: parts[1]}
	caps := &Capabilities{
		APIVersions: VersionSet{"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1",
			"rbac.authorization.k8s.io/v1", "autoscaling/v2", "autoscaling/v1",
			"apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1", "storage.k8s.io/v1",
			"scheduling.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1"},
		KubeVersion: kv,
		HelmVersion: map[string]string{"Version": "v3.21.4"},
	}
	top := map[string]interface{}{
		"Chart": struct {
			Metadata
			IsRoot bool
		}{*meta, true},
		"Files":        fs,
		"Release":      map[string]interface{}{"Name": "release-name", "Namespace": ns, "IsUpgrade": false, "IsInstall": true, "Revision": 1, "Service": "Helm"},
		"Capabilities": caps,
		"Values":       user,
		"Subcharts":    map[string]interface{}{},
	}

	t := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	included := map[string]int{}
	var includeFun func(string, interface{}) (string, error)
	includeFun = func(name string, d interface{}) (string, error) {
		var buf strings.Builder
		if included[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		included[name]++
		err := t.ExecuteTemplate(&buf, name, d)
		included[name]--
		return buf.String(), err
	}
	for k, f := range map[string]interface{}{
		"toYaml": toYAML, "fromYaml": fromYAML, "fromYamlArray": fromYAMLArray,
		"toJson": toJSON, "fromJson": fromJSON, "fromJsonArray": fromJSONArray,
		"include": includeFun,
		"required": func(warn string, val interface{}) (interface{}, error) {
			if val == nil {
				return val, fmt.Errorf("%s", warn)
			} else if s, ok := val.(string); ok && s == "" {
				return val, fmt.Errorf("%s", warn)
			}
			return val, nil
		},
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
	} {
		funcs[k] = f
	}
	for k, f := range optionalFuncs {
		funcs[k] = f
	}
	funcs["tpl"] = func(text string, vals interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		c.Option("missingkey=zero")
		c, err = c.New("gotpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf strings.Builder
		if err := c.Execute(&buf, vals); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	t.Funcs(funcs)

	keys := make([]string, 0, len(tpls))
	for k := range tpls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		ca, cb := strings.Count(a, "/"), strings.Count(b, "/")
		if ca == cb {
			return a > b
		}
		return ca > cb
	})
	for _, k := range keys {
		if _, err := t.New(k).Parse(tpls[k]); err != nil {
			return "", err
		}
	}
	rendered := map[string]string{}
	for _, k := range keys {
		if strings.HasPrefix(path.Base(k), "_") {
			continue
		}
		top["Template"] = map[string]interface{}{"Name": k, "BasePath": path.Join(meta.Name, "templates")}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, k, top); err != nil {
			return "", err
		}
		rendered[k] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	names := make([]string, 0, len(rendered))
	for k := range rendered {
		if strings.HasSuffix(k, "NOTES.txt") {
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	var gen, hooks []manifest
	for _, n := range names {
		if strings.TrimSpace(rendered[n]) == "" {
			continue
		}
		for _, m := range splitManifests(rendered[n]) {
			var h simpleHead
			if err := yaml.Unmarshal([]byte(m), &h); err != nil {
				return "", fmt.Errorf("YAML parse error on %s: %v", n, err)
			}
			if h.Metadata != nil && h.Metadata.Annotations != nil {
				if _, ok := h.Metadata.Annotations["helm.sh/hook"]; ok {
					hooks = append(hooks, manifest{n, m, h.Kind})
					continue
				}
			}
			gen = append(gen, manifest{n, m, h.Kind})
		}
	}
	sortByKind(gen)
	sortByKind(hooks)
	var b bytes.Buffer
	for _, m := range gen {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.name, m.content)
	}
	var out bytes.Buffer
	fmt.Fprintln(&out, strings.TrimSpace(b.String()))
	for _, m := range hooks {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.name, m.content)
	}
	return out.String(), nil
}

func main() {
	var dir, kube, ns = "", "v1.20.0", "default"
	var valueFiles []string
	times := 0
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-f":
			i++
			valueFiles = append(valueFiles, args[i])
		case "--kube-version":
			i++
			kube = args[i]
		case "-n":
			i++
			ns = args[i]
		case "-N":
			i++
			times, _ = strconv.Atoi(args[i])
		default:
			dir = args[i]
		}
	}
	if !strings.Contains(strings.TrimPrefix(kube, "v"), ".") {
		kube += ".0"
	}
	if times > 0 {
		start := time.Now()
		for i := 0; i < times; i++ {
			if _, err := render(dir, valueFiles, kube, ns); err != nil {
				fmt.Fprintf(os.Stderr, "Error: %v\n", err)
				os.Exit(1)
			}
		}
		fmt.Fprintf(os.Stderr, "%d renders, %.3f ms per render\n", times,
			float64(time.Since(start).Microseconds())/1000/float64(times))
		return
	}
	out, err := render(dir, valueFiles, kube, ns)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
	fmt.Print(out)
}
