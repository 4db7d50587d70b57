#!/usr/bin/env bash
# Builds what `npm run e2e` runs, from the Go module proxy, into tools/ (gitignored): for each Kubernetes
# release the e2e proves (one pinned module per release under e2e/kube/, named by its minor version),
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl into tools/kube/<version>/; kwok,
# which simulates the nodes, into tools/bin; and Flux's kustomize-controller (the module e2e/flux pins)
# with its CRDs and source-controller's into tools/flux/. The first build of each takes minutes; later
# runs find the binaries and return at once.
#
# Usage: scripts/install-kube.sh [v1.27 v1.37 ...]   (default: $E2E_KUBE, else every module under e2e/kube)
set -euo pipefail

KWOK_VERSION=v0.8.0
KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/tools/bin"
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

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "install-kube: Go is not installed; it is needed to build $1" >&2
    exit 1
  fi
}

# The release a module pins: the version of k8s.io/kubernetes its go.mod requires.
release_of() {
  sed -n -E 's#^\s*k8s\.io/kubernetes (v[0-9.]+)$#\1#p' "$root/e2e/kube/$1/go.mod" | head -1
}

build_release() {
  local module=$1 version dest stamp wanted minor ldflags start
  if [[ ! -f "$root/e2e/kube/$module/go.mod" ]]; then
    echo "install-kube: no module e2e/kube/$module: expected one of $(ls "$root/e2e/kube" | tr '\n' ' ')" >&2
    exit 2
  fi
  version=$(release_of "$module")
  dest="$root/tools/kube/$version"
  stamp="$dest/.built"
  wanted="$version ${KUBE_BINARIES[*]}"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  require_go "kube-apiserver and kubectl $version"
  mkdir -p "$dest"
  minor=$(echo "$version" | cut -d. -f2)
  ldflags="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  start=$(date +%s)
  echo "install-kube: building ${KUBE_BINARIES[*]} $version with $(go version | cut -d' ' -f3) for npm run e2e (first time only: several minutes a release, 10-15 on a new machine)" >&2
  (
    cd "$root/e2e/kube/$module"
    # The checksum database has no entry for this one module of the older releases (404); go.sum, committed, pins its hash.
    export GONOSUMDB=k8s.io/legacy-cloud-providers
    export GOFLAGS="-buildvcs=false ${KUBE_GOFLAGS:-}"
    # providerless leaves out the in-tree cloud providers, which a loopback API server does not need.
    for binary in "${KUBE_BINARIES[@]}"; do
      echo "install-kube: $binary $version ($(( $(date +%s) - start ))s so far)" >&2
      go build -trimpath -tags providerless -ldflags "$ldflags" -o "$dest/$binary" "k8s.io/kubernetes/cmd/$binary"
    done
  )
  echo "$wanted" > "$stamp"
  echo "install-kube: $version built in $(( $(date +%s) - start ))s" >&2
}

build_kwok() {
  local stamp="$bin/.kwok.version"
  if [[ -x "$bin/kwok" && -f "$stamp" && "$(cat "$stamp")" == "$KWOK_VERSION" ]]; then
    return 0
  fi
  require_go "kwok $KWOK_VERSION"
  local start
  start=$(date +%s)
  echo "install-kube: building kwok $KWOK_VERSION, which simulates the e2e's nodes (first time only, about a minute)" >&2
  (cd "$root" && GOBIN="$bin" GOFLAGS=-buildvcs=false go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
  echo "$KWOK_VERSION" > "$stamp"
  echo "install-kube: kwok built in $(( $(date +%s) - start ))s" >&2
}

# Flux's kustomize-controller: built through e2e/flux (its go.mod has replaces, so `go install` refuses
# it); its Kustomization CRD from its module, the source CRDs (ExternalArtifact and the four it watches)
# from source-controller's module of the release whose API it requires.
build_flux() {
  local dest="$root/tools/flux" module="$root/e2e/flux" version source_version stamp wanted start
  version=$(sed -n -E 's#^\s*github\.com/fluxcd/kustomize-controller (v[0-9.]+)( // indirect)?$#\1#p' "$module/go.mod" | head -1)
  stamp="$dest/.built"
  wanted="kustomize-controller $version"
  if [[ -x "$dest/kustomize-controller" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  require_go "Flux's kustomize-controller $version"
  start=$(date +%s)
  echo "install-kube: building Flux's kustomize-controller $version, which reconciles dist/ in the e2e (first time only: about 4 minutes)" >&2
  mkdir -p "$dest/crds"
  (
    cd "$module"
    export GOFLAGS=-buildvcs=false
    go build -trimpath -ldflags "-s -w" -o "$dest/kustomize-controller" github.com/fluxcd/kustomize-controller
    source_version=$(go list -m -f '{{.Version}}' github.com/fluxcd/source-controller/api)
    cp "$(go list -m -f '{{.Dir}}' github.com/fluxcd/kustomize-controller)"/config/crd/bases/*.yaml "$dest/crds/"
    source_dir=$(go mod download -json "github.com/fluxcd/source-controller@$source_version" | sed -n -E 's#^\s*"Dir": "(.*)",?$#\1#p')
    cp "$source_dir"/config/crd/bases/*.yaml "$dest/crds/"
    chmod u+w "$dest"/crds/*.yaml
  )
  echo "$wanted" > "$stamp"
  echo "install-kube: kustomize-controller built in $(( $(date +%s) - start ))s" >&2
}

modules=("$@")
if [[ ${#modules[@]} -eq 0 ]]; then
  if [[ -n "${E2E_KUBE:-}" ]]; then
    IFS=', ' read -r -a modules <<< "$E2E_KUBE"
  else
    mapfile -t modules < <(ls "$root/e2e/kube")
  fi
fi
for module in "${modules[@]}"; do
  build_release "$module"
done
build_kwok
build_flux
