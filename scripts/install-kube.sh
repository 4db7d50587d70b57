#!/usr/bin/env bash
# Builds kube-apiserver and kubectl of the pinned Kubernetes release into tools/bin (gitignored), from
# the Go module proxy, through the small module in e2e/kube. The first build takes several minutes;
# later runs find the binaries and return at once.
set -euo pipefail

KUBE_VERSION=v1.27.16

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/tools/bin"
stamp="$bin/.kube.version"
mkdir -p "$bin"

# etcd, which kube-apiserver stores in: Debian's package where there is none, when this runs as root.
if ! command -v etcd >/dev/null 2>&1 && [[ ! -x "$bin/etcd" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "install-kube: installing Debian's etcd-server for the e2e API server (about a minute, first time only)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
  else
    echo "install-kube: etcd not found: install it (Debian: apt-get install etcd-server) and run this again" >&2
    exit 1
  fi
fi
if [[ -x "$bin/kube-apiserver" && -x "$bin/kubectl" && -f "$stamp" && "$(cat "$stamp")" == "$KUBE_VERSION" ]]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-kube: Go is not installed; it is needed to build kube-apiserver and kubectl $KUBE_VERSION" >&2
  exit 1
fi

minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
pkg=k8s.io/component-base/version
client_pkg=k8s.io/client-go/pkg/version
ldflags="-s -w"
for p in "$pkg" "$client_pkg"; do
  ldflags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done

cd "$root/e2e/kube"
start=$(date +%s)
echo "install-kube: building kube-apiserver and kubectl $KUBE_VERSION with $(go version | cut -d' ' -f3) for npm run e2e (first time only: about 5 minutes with a warm Go module cache, 10-15 on a new machine)" >&2
# The checksum database has no entry for this one module (404); go.sum, committed, pins its hash.
export GONOSUMDB=k8s.io/legacy-cloud-providers
export GOFLAGS="-buildvcs=false ${KUBE_GOFLAGS:-}"
# providerless leaves out the in-tree cloud providers, which a loopback API server does not need.
go build -trimpath -tags providerless -ldflags "$ldflags" -o "$bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
go build -trimpath -tags providerless -ldflags "$ldflags" -o "$bin/kubectl" k8s.io/kubernetes/cmd/kubectl
echo "$KUBE_VERSION" > "$stamp"
echo "install-kube: built in $(( $(date +%s) - start ))s" >&2
