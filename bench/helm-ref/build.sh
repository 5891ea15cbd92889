#!/bin/sh
# build.sh OUT — builds the reference renderer from Debian's Go packages
# (golang-go, golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev;
# with golang-gopkg-yaml.v3-dev also toYamlPretty) in GOPATH mode, offline.
set -eu
cd "$(dirname "$0")"
out=$1
mkdir -p "$(dirname "$out")"
tags=
[ -d /usr/share/gocode/src/gopkg.in/yaml.v3 ] && tags=yamlv3
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$(dirname "$out")/go-cache" GOFLAGS= \
	go build -tags "$tags" -o "$out" .
