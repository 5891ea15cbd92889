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
TEST_PKGS="libcmocka-dev git perl curl jq clang libclang-rt-14-dev python3 procps
golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev"

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
