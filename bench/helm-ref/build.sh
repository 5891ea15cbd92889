#!/bin/sh
# build.sh OUT — builds the reference renderer from Debian's Go packages
# (golang-go, golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev)
# in GOPATH mode, offline.
set -eu
cd "$(dirname "$0")"
out=$1
mkdir -p "$(dirname "$out")"
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$(dirname "$out")/go-cache" GOFLAGS= \
	go build -o "$out" .
