#!/usr/bin/env bash
# Builds what `npm run e2e` runs into tools/bin (gitignored), from the Go module proxy: kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl of the pinned Kubernetes release, through the small
# module in e2e/kube, and kwok, which simulates the nodes. The first build takes several minutes; later
# runs find the binaries and return at once.
set -euo pipefail

KUBE_VERSION=v1.27.16
KWOK_VERSION=v0.8.0
KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

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
wanted="$KUBE_VERSION ${KUBE_BINARIES[*]} kwok-$KWOK_VERSION"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
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
echo "install-kube: building ${KUBE_BINARIES[*]} $KUBE_VERSION and kwok $KWOK_VERSION with $(go version | cut -d' ' -f3) for npm run e2e (first time only: several minutes, 10-15 on a new machine)" >&2
# The checksum database has no entry for this one module (404); go.sum, committed, pins its hash.
export GONOSUMDB=k8s.io/legacy-cloud-providers
export GOFLAGS="-buildvcs=false ${KUBE_GOFLAGS:-}"
# providerless leaves out the in-tree cloud providers, which a loopback API server does not need.
for binary in "${KUBE_BINARIES[@]}"; do
  echo "install-kube: $binary ($(( $(date +%s) - start ))s so far)" >&2
  go build -trimpath -tags providerless -ldflags "$ldflags" -o "$bin/$binary" "k8s.io/kubernetes/cmd/$binary"
done
echo "install-kube: kwok $KWOK_VERSION ($(( $(date +%s) - start ))s so far)" >&2
(cd "$root" && GOBIN="$bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
echo "$wanted" > "$stamp"
echo "install-kube: built in $(( $(date +%s) - start ))s" >&2
