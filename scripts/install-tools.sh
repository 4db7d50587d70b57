#!/usr/bin/env bash
# Installs the pinned command-line tools into tools/bin (gitignored) with `go install`, from the Go
# module proxy (helm, kubectl-validate, kube-score, kustomize; promtool of each Prometheus release a
# chart runs, through its module under test/promtool/), and downloads the OpenAPI documents of the Kubernetes
# releases kubectl-validate has no schemas for; `node` installs the Node.js CI also runs on, from the npm registry.
# Usage: scripts/install-tools.sh [helm] [kubectl-validate] [kube-score] [kustomize] [promtool] [kube-schemas] [node]
# (default: all but node).
# Already-installed tools of the right version are kept, so running it again is cheap.
set -euo pipefail

HELM_VERSION=v3.18.6
KUBECTL_VALIDATE_VERSION=v0.0.4
KUBE_SCORE_VERSION=v1.20.0
KUSTOMIZE_VERSION=v5.8.1
# The Node.js release CI runs synth and npm test with besides the machine's own (Node 20, past its end of life).
NODE_VERSION=24.22.3

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/go-env.sh
source "$root/scripts/go-env.sh"
bin="$root/tools/bin"
mkdir -p "$bin"

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "install-tools: Go is not installed; install Go (https://go.dev/dl/) or put helm v3 on PATH (https://helm.sh/docs/intro/install/)" >&2
    exit 1
  fi
}

# go install writes into GOBIN; the stamp file records which version is there.
# A binary is kept only when its stamp names the version and it still runs (a truncated or replaced
# file is built again rather than trusted).
# $4: linker flags beyond GO_LDFLAGS ("" for none).
install_tool() {
  local name=$1 version=$2 package=$3 ldflags=$4 why=$5 check=$6
  local stamp="$bin/.$name.version"
  if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]] && timeout 30 "$bin/$name" $check >/dev/null 2>&1; then
    return 0
  fi
  require_go
  echo "install-tools: building $name $version with $(go version | cut -d' ' -f3) into tools/bin, $why (first time only)" >&2
  local start
  start=$(date +%s)
  rm -f "$bin/$name" "$stamp"
  GOBIN="$bin" go install -ldflags "$GO_LDFLAGS $ldflags" "$package@$version"
  echo "$version" > "$stamp"
  echo "install-tools: $name built in $(( $(date +%s) - start ))s" >&2
}

install_helm() {
  install_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm \
    "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "which renders the chart (about 5 minutes on a new machine)" "version"
}

install_kubectl_validate() {
  install_tool kubectl-validate "$KUBECTL_VALIDATE_VERSION" sigs.k8s.io/kubectl-validate "" \
    "which npm test uses to check each dist folder against its target's schemas (several minutes on a new machine)" "--help"
}

install_kube_score() {
  install_tool kube-score "$KUBE_SCORE_VERSION" github.com/zegl/kube-score/cmd/kube-score "" \
    "which npm test runs over dist/ as a gate (under a minute)" "version"
}

install_kustomize() {
  install_tool kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5 "" \
    "which npm test runs to build each dist folder as Flux's kustomize-controller does (under a minute)" "version"
}

# promtool of each Prometheus release a chart runs (v2.19.0: the book's; v3.14.0: today's), one pinned module
# each under test/promtool/ (Prometheus' go.mod has a replace, so `go install` refuses it), into
# tools/bin/promtool-<version>; and every other tool such a module lists (2.19's tsdb; both releases' prometheus,
# for the e2e's programs part) as <name>-<version>.
# The module's first lines name the release and the build tags (3.14: Prometheus' own tags that leave out
# every service discovery but Kubernetes', the only one the configs use: 4 minutes instead of 10).
install_promtool() {
  local module version tags package name stamp start packages names
  for module in "$root"/test/promtool/*/; do
    version=$(sed -n -E 's#^// promtool-version: (v[0-9.]+)$#\1#p' "$module/go.mod" | head -1)
    tags=$(sed -n -E 's#^// promtool-build-tags: ([a-z_,]+)$#\1#p' "$module/go.mod" | head -1)
    packages=() names=()
    for package in $(sed -n -E 's#^\s*(tool )?(github\.com/prometheus/prometheus/[a-z/]*cmd/[a-z]+)\)?$#\2#p' "$module/go.mod"); do
      name=$(basename "$package")
      stamp="$bin/.$name-$version.version"
      if [[ -x "$bin/$name-$version" && -f "$stamp" && "$(cat "$stamp")" == "$version $tags" ]] && timeout 30 "$bin/$name-$version" --help >/dev/null 2>&1; then
        continue
      fi
      packages+=("$package") names+=("$name")
    done
    [[ ${#packages[@]} -gt 0 ]] || continue
    require_go
    local purpose="promtool, which npm test runs over each environment's Prometheus config and data"
    [[ " ${names[*]} " != *" prometheus "* ]] || purpose+=", and prometheus, the server the e2e runs as the install's server pods run it"
    echo "install-tools: building ${names[*]} $version with $(go version | cut -d' ' -f3) into tools/bin: $purpose (first time only: about 4-6 minutes on two cores)" >&2
    start=$(date +%s)
    rm -rf "$bin/.prometheus-$version.new"
    # One build: promtool and prometheus share most of their packages, and their links run side by side.
    (cd "$module" && go build -tags "$tags" \
      -ldflags "$GO_LDFLAGS -X github.com/prometheus/common/version.Version=${version#v}" -o "$bin/.prometheus-$version.new/" "${packages[@]}")
    for name in "${names[@]}"; do
      mv "$bin/.prometheus-$version.new/$name" "$bin/$name-$version"
      echo "$version $tags" > "$bin/.$name-$version.version"
    done
    rmdir "$bin/.prometheus-$version.new"
    echo "install-tools: ${names[*]} $version built in $(( $(date +%s) - start ))s" >&2
  done
}

install_kube_schemas() {
  local module release minor
  for module in "$root"/e2e/kube/*/; do
    release=$(sed -n -E 's#^\s*k8s\.io/kubernetes (v[0-9.]+)$#\1#p' "$module/go.mod" | head -1)
    minor=$(echo "$release" | cut -d. -f2)
    (( minor > 30 )) || continue
    if [[ -d "$(go env GOMODCACHE)/k8s.io/kubernetes@$release/api/openapi-spec/v3" ]]; then
      continue
    fi
    require_go
    echo "install-tools: downloading k8s.io/kubernetes $release for its OpenAPI documents, which npm test validates the $release target against (first time only, under a minute)" >&2
    (cd "$module" && go mod download k8s.io/kubernetes)
  done
}

# Node.js $NODE_VERSION into tools/node/bin/node, from the npm registry's node-<platform>-<arch> package (the binary
# the `node` package installs, without its install script): for CI's second run on a supported Node line.
install_node() {
  local dest="$root/tools/node" package
  if [[ -x "$dest/bin/node" && "$("$dest/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]]; then
    return 0
  fi
  package="node-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')"
  echo "install-tools: installing Node.js $NODE_VERSION ($package from the npm registry) into tools/node, for CI's run on Node 24 (first time only, under a minute)" >&2
  rm -rf "$dest"
  npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix "$dest" "$package@$NODE_VERSION" >&2
  mkdir -p "$dest/bin"
  ln -sf "../node_modules/$package/bin/node" "$dest/bin/node"
}

targets=("$@")
# promtool first: its lane starts, and the others build beside it.
[[ ${#targets[@]} -gt 0 ]] || targets=(promtool helm kubectl-validate kube-score kustomize kube-schemas)
# promtool's builds, the longest, in a lane of their own beside the others: Go builds are CPU-bound, but each has
# phases that are not (module downloads, its links, mostly on one core), which the other lane fills. A failed lane
# fails the run once the other ends.
lanes=()
for target in "${targets[@]}"; do
  case "$target" in
    helm) install_helm ;;
    kubectl-validate) install_kubectl_validate ;;
    kube-score) install_kube_score ;;
    kustomize) install_kustomize ;;
    promtool) install_promtool & lanes+=($!) ;;
    kube-schemas) install_kube_schemas ;;
    node) install_node ;;
    *) echo "install-tools: unknown tool '$target' (expected helm, kubectl-validate, kube-score, kustomize, promtool, kube-schemas or node)" >&2; exit 2 ;;
  esac
done
failed=0
for lane in "${lanes[@]}"; do wait "$lane" || failed=1; done
exit "$failed"
