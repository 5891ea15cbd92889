#!/bin/sh
# install-deps.sh — installs the Debian packages Bosun builds and tests with.
#
#   scripts/install-deps.sh              install whatever is missing
#   scripts/install-deps.sh --if-missing  the same, silent when nothing is
#
# Build: the libraries of DESIGN.md with their headers. Tests: git, prove
# (perl), cmocka, clang with libFuzzer, curl and jq for shell tests, Go with
# Sprig and sigs.k8s.io/yaml for the Helm reference renderer (bench/helm-ref).
# Needs root (or sudo) only when something is missing.
set -eu

BUILD_PKGS="build-essential pkg-config libgit2-dev libyaml-dev libssl-dev libmicrohttpd-dev
libsqlite3-dev libcurl4-openssl-dev libjansson-dev libpcre2-dev zlib1g-dev"
TEST_PKGS="libcmocka-dev git perl curl jq clang libclang-rt-14-dev python3 procps openssh-server tmux
chromium wrk gojq
golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v3-dev"
# Node.js and npm run the browser tests; a machine may have them from elsewhere
# than Debian (e.g. a nodesource build that bundles npm), so look for commands.
command -v node >/dev/null 2>&1 || TEST_PKGS="$TEST_PKGS nodejs"
command -v npm >/dev/null 2>&1 || TEST_PKGS="$TEST_PKGS npm"
# The cluster tests drive the real kubectl and the Python client. Debian 12's
# own kubectl (kubernetes-client) is old; prefer a `kubectl` package when an
# apt source offers one.
TEST_PKGS="$TEST_PKGS python3-kubernetes"
if ! command -v kubectl >/dev/null 2>&1; then
	if apt-cache show kubectl >/dev/null 2>&1; then
		TEST_PKGS="$TEST_PKGS kubectl"
	else
		TEST_PKGS="$TEST_PKGS kubernetes-client"
	fi
fi

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "${1:-}" = "--if-missing" ] || echo "install-deps: everything is installed"
	exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
