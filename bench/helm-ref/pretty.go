//go:build yamlv3

// pretty.go — Helm's toYamlPretty: goyaml.v3 (Helm vendors it as
// sigs.k8s.io/yaml/goyaml.v3) with indent 2. Built when Debian's
// golang-gopkg-yaml.v3-dev is there (build.sh passes -tags yamlv3).
package main

import (
	"bytes"
	"strings"

	goYaml "gopkg.in/yaml.v3"
)

func toYAMLPretty(v interface{}) string {
	var data bytes.Buffer
	encoder := goYaml.NewEncoder(&data)
	encoder.SetIndent(2)
	if err := encoder.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(data.String(), "\n")
}

func init() {
	optionalFuncs["toYamlPretty"] = toYAMLPretty
}
