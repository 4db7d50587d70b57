#!/usr/bin/env bash
# Builds what `npm run e2e` runs, from the Go module proxy, into tools/ (gitignored): for each Kubernetes
# release the e2e proves (one pinned module per release under e2e/kube/, named by its minor version),
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kube-proxy into tools/kube/<version>/; kwok,
# which simulates the nodes, into tools/bin; Flux's source-controller and kustomize-controller with their CRDs into
# tools/flux/; Argo CD into tools/argocd/; MetalLB into tools/metallb/; the programs the install's pods run
# (node_exporter, kube-state-metrics, the config reloaders) into tools/programs/; Debian's etcd-server,
# redis-server, iptables and chromium; and Prometheus's web UI into tools/prometheus-ui/, for the browser. The first
# build of each takes minutes; later runs find the binaries and return at once.
#
# Usage: scripts/install-kube.sh [v1.27 v1.37 ...]   (default: $E2E_KUBE, else every module under e2e/kube)
set -euo pipefail

KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/go-env.sh
source "$root/scripts/go-env.sh"
bin="$root/tools/bin"
mkdir -p "$bin"

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "install-kube: Go is not installed; it is needed to build $1" >&2
    exit 1
  fi
}

# The e2e's other Go tools that are Kubernetes clients, through two modules, each named for the release line of
# Kubernetes' client libraries its tools share: Go resolves a module's requirements once, so those libraries (and
# controller-runtime, and much else) are compiled once for all of its tools rather than once a tool (docs/testing.md).
# e2e/tools-v0.36: Flux's source- and kustomize-controller, kwok, kube-state-metrics v2 and prometheus-config-reloader;
# e2e/tools-v0.34: Argo CD's two roles and MetalLB's controller and speaker. Each go.mod says why it has replaces.
TOOLS_V036="$root/e2e/tools-v0.36"
TOOLS_V034="$root/e2e/tools-v0.34"

# The version of module $2 that the module in folder $1 requires.
required_version() {
  local version
  version=$(sed -n -E "s#^\s*${2//./\\.} (v[^ ]+)( // indirect)?\$#\1#p" "$1/go.mod" | head -1)
  if [[ -z "$version" ]]; then
    echo "install-kube: ${1#"$root/"}/go.mod does not require $2" >&2
    exit 1
  fi
  echo "$version"
}

# What the module in folder $1 pins, for the stamps of the tools built through it: a tool is built again when its
# module's go.mod or go.sum changes (another version of a library it links), not only when its own version does.
module_pin() {
  cat "$1/go.mod" "$1/go.sum" | sha256sum | cut -c1-12
}

# The release a module pins: the version of k8s.io/kubernetes its go.mod requires.
release_of() {
  sed -n -E 's#^\s*k8s\.io/kubernetes (v[0-9.]+)$#\1#p' "$root/e2e/kube/$1/go.mod" | head -1
}

# Commands of a release, through its module, with the version a release build stamps in: one `go build` for them
# all, so their shared packages are compiled once and their links run side by side. Into folder $3, each named as
# its command.
build_kube_commands() {
  local module=$1 version=$2 output=$3 minor ldflags p
  shift 3
  minor=$(echo "$version" | cut -d. -f2)
  ldflags="$GO_LDFLAGS"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  (
    cd "$root/e2e/kube/$module"
    # The checksum database has no entry for this one module of the older releases (404); go.sum, committed, pins its hash.
    export GONOSUMDB=k8s.io/legacy-cloud-providers
    # providerless leaves out the in-tree cloud providers, which a loopback API server does not need.
    go build -tags providerless -ldflags "$ldflags" -o "$output/" "${@/#/k8s.io/kubernetes/cmd/}"
  )
}

# A release's control plane and kubectl (stamp .built) and its kube-proxy (stamp .kube-proxy.built: added later, so
# a folder built before it keeps its four binaries): whichever are missing, in one build.
build_release() {
  local module=$1 version dest wanted proxy_wanted start binary commands=()
  if [[ ! -f "$root/e2e/kube/$module/go.mod" ]]; then
    echo "install-kube: no module e2e/kube/$module: expected one of $(ls "$root/e2e/kube" | tr '\n' ' ')" >&2
    exit 2
  fi
  version=$(release_of "$module")
  dest="$root/tools/kube/$version"
  wanted="$version ${KUBE_BINARIES[*]}"
  proxy_wanted="$version kube-proxy"
  [[ -f "$dest/.built" && "$(cat "$dest/.built")" == "$wanted" ]] || commands+=("${KUBE_BINARIES[@]}")
  [[ -x "$dest/kube-proxy" && -f "$dest/.kube-proxy.built" && "$(cat "$dest/.kube-proxy.built")" == "$proxy_wanted" ]] || commands+=(kube-proxy)
  if [[ ${#commands[@]} -eq 0 ]]; then
    return 0
  fi
  require_go "${commands[*]} $version"
  mkdir -p "$dest"
  start=$(date +%s)
  echo "install-kube: building ${commands[*]} $version with $(go version | cut -d' ' -f3) for npm run e2e (first time only: several minutes a release, 10-15 on a new machine)" >&2
  rm -rf "$dest/.new"
  build_kube_commands "$module" "$version" "$dest/.new" "${commands[@]}"
  for binary in "${commands[@]}"; do mv "$dest/.new/$binary" "$dest/$binary"; done
  rmdir "$dest/.new"
  [[ " ${commands[*]} " != *" kubectl "* ]] || echo "$wanted" > "$dest/.built"
  [[ " ${commands[*]} " != *" kube-proxy "* ]] || echo "$proxy_wanted" > "$dest/.kube-proxy.built"
  echo "install-kube: ${commands[*]} $version built in $(( $(date +%s) - start ))s" >&2
}

build_kwok() {
  local stamp="$bin/.kwok.version" version wanted start
  version=$(required_version "$TOOLS_V036" sigs.k8s.io/kwok)
  wanted="$version $(module_pin "$TOOLS_V036")"
  if [[ -x "$bin/kwok" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  require_go "kwok $version"
  start=$(date +%s)
  echo "install-kube: building kwok $version, which simulates the e2e's nodes (first time only, about a minute)" >&2
  (cd "$TOOLS_V036" && go build -ldflags "$GO_LDFLAGS" -o "$bin/kwok" sigs.k8s.io/kwok/cmd/kwok)
  echo "$wanted" > "$stamp"
  echo "install-kube: kwok built in $(( $(date +%s) - start ))s" >&2
}

# Flux's source-controller and kustomize-controller, through e2e/tools-v0.36 (their go.mod files have replaces, so
# `go install` refuses them); their CRDs from their modules.
build_flux() {
  local dest="$root/tools/flux" module="$TOOLS_V036" version source_version stamp wanted start controller
  version=$(required_version "$module" github.com/fluxcd/kustomize-controller)
  source_version=$(required_version "$module" github.com/fluxcd/source-controller)
  stamp="$dest/.built"
  wanted="kustomize-controller $version source-controller $source_version $(module_pin "$module")"
  if [[ -x "$dest/kustomize-controller" && -x "$dest/source-controller" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  require_go "Flux's controllers"
  mkdir -p "$dest/crds"
  start=$(date +%s)
  echo "install-kube: building Flux's source-controller $source_version and kustomize-controller $version, which follow the e2e's Git repository (first time only: 5 to 10 minutes)" >&2
  # One build: the two share most of their packages, and their links run side by side.
  (cd "$module" && go build -ldflags "$GO_LDFLAGS" -o "$dest/" github.com/fluxcd/source-controller github.com/fluxcd/kustomize-controller)
  echo "install-kube: Flux's controllers built in $(( $(date +%s) - start ))s" >&2
  for controller in source-controller kustomize-controller; do
    cp "$(cd "$module" && go list -m -f '{{.Dir}}' "github.com/fluxcd/$controller")"/config/crd/bases/*.yaml "$dest/crds/"
  done
  chmod u+w "$dest"/crds/*.yaml
  echo "$wanted" > "$stamp"
}

# Argo CD's application controller and repo server: one binary (e2e/tools-v0.34/argocd, which links only these two
# roles; argo-cd's go.mod has replaces, so `go install` refuses it), run under the name of its role; its CRDs from its
# module. Its cache, redis-server, is Debian's (install_debian_tools).
build_argocd() {
  local dest="$root/tools/argocd" module="$TOOLS_V034" version stamp wanted start
  version=$(required_version "$module" github.com/argoproj/argo-cd/v3)
  stamp="$dest/.built"
  wanted="argo-cd $version $(module_pin "$module")"
  if [[ -x "$dest/argocd" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  require_go "Argo CD $version"
  start=$(date +%s)
  echo "install-kube: building Argo CD $version (application controller and repo server), which follows the e2e's Git repository (first time only: about 10 minutes on two cores)" >&2
  mkdir -p "$dest/crds"
  (
    cd "$module"
    go build -ldflags "$GO_LDFLAGS" -o "$dest/argocd" ./argocd
    cp "$(go list -m -f '{{.Dir}}' github.com/argoproj/argo-cd/v3)"/manifests/crds/*-crd.yaml "$dest/crds/"
  )
  chmod u+w "$dest"/crds/*.yaml
  echo "$wanted" > "$stamp"
  echo "install-kube: Argo CD built in $(( $(date +%s) - start ))s" >&2
}

# The programs the install's pods run, for the e2e's programs part (Prometheus itself comes with promtool, from
# test/promtool/): each at its image's version, into tools/programs/<name>-<version>. `go install` where the
# module allows it; else through the module the fourth column names, which must require that version:
# e2e/tools-v0.36 for those that share its Kubernetes libraries, a module of its own under e2e/programs/ for the
# book's kube-state-metrics (see its go.mod). configmap-reload v0.3.0, the book's, is not served by the proxy: v0.14.0
# (same flags, same `..data` trigger) stands in for it.
PROGRAMS=(
  "node_exporter v1.0.1 github.com/prometheus/node_exporter"
  "node_exporter v1.12.1 github.com/prometheus/node_exporter"
  "kube-state-metrics v1.9.7 k8s.io/kube-state-metrics e2e/programs/kube-state-metrics-v1.9.7"
  "kube-state-metrics v2.20.0 k8s.io/kube-state-metrics/v2 e2e/tools-v0.36"
  "configmap-reload v0.14.0 github.com/jimmidyson/configmap-reload"
  "prometheus-config-reloader v0.93.1 github.com/prometheus-operator/prometheus-operator/cmd/prometheus-config-reloader e2e/tools-v0.36"
)

build_programs() {
  local dest="$root/tools/programs" entry name version package module required stamp wanted start ldflags
  mkdir -p "$dest"
  for entry in "${PROGRAMS[@]}"; do
    read -r name version package module <<< "$entry"
    # A program built through a module has a stamp of that module's pin; one from `go install` is its version alone.
    stamp="$dest/.$name-$version.built"
    wanted=""
    [[ -z "$module" ]] || wanted=$(module_pin "$root/$module")
    if [[ -x "$dest/$name-$version" && ( -z "$module" || "$(cat "$stamp" 2>/dev/null)" == "$wanted" ) ]]; then continue; fi
    require_go "$name $version"
    start=$(date +%s)
    echo "install-kube: building $name $version, which the e2e runs as the install's pods run it (first time only: under 2 minutes)" >&2
    ldflags="$GO_LDFLAGS -X github.com/prometheus/common/version.Version=${version#v}"
    if [[ -n "$module" ]]; then
      module="$root/$module"
      required=$(cd "$module" && go list -f '{{.Module.Version}}' "$package")
      if [[ "$required" != "$version" ]]; then
        echo "install-kube: ${module#"$root/"} requires $package at $required, not $version: make PROGRAMS and its go.mod agree" >&2
        exit 1
      fi
      (cd "$module" && go build -ldflags "$ldflags" -o "$dest/.$name-$version.new" "$package")
    else
      GOBIN="$dest/.build" go install -ldflags "$ldflags" "$package@$version"
      mv "$dest/.build/$(basename "${package%/v[0-9]*}")" "$dest/.$name-$version.new"
    fi
    mv "$dest/.$name-$version.new" "$dest/$name-$version"
    [[ -z "$module" ]] || echo "$wanted" > "$stamp"
    echo "install-kube: $name $version built in $(( $(date +%s) - start ))s" >&2
  done
}

# What the e2e runs from Debian's packages, where the machine has none: etcd (kube-apiserver's store; or one in
# tools/bin), redis-server (Argo CD's cache), iptables (which kube-proxy programs) and Chromium (the browser that
# loads Prometheus's UI).
install_debian_tools() {
  local missing=() entry tool package
  for entry in etcd:etcd-server redis-server:redis-server iptables:iptables chromium:chromium; do
    IFS=: read -r tool package <<< "$entry"
    if ! command -v "$tool" >/dev/null 2>&1 && [[ ! -x "$bin/$tool" ]]; then missing+=("$package"); fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
}

# Debian's packages named, those not installed yet (apt-get update first, once), when this runs as root.
apt_install() {
  local missing=() package policy=/usr/sbin/policy-rc.d made_policy=""
  for package in "$@"; do
    if ! dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then missing+=("$package"); fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then return 0; fi
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-kube: ${missing[*]} not found: install it (Debian: apt-get install ${missing[*]}) and run this again" >&2
    exit 1
  fi
  echo "install-kube: installing Debian's ${missing[*]} for npm run e2e (a minute or two, first time only)" >&2
  # Installed, not started: the e2e starts its own etcd and redis on 127.0.0.1 (policy-rc.d keeps a package's
  # service from starting).
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1; fi
  if [[ -z ${APT_UPDATED:-} ]]; then apt-get update -qq && APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n $made_policy ]]; then rm -f "$policy"; fi
}

# Prometheus's web UI. A build from the Go module (scripts/install-tools.sh) serves it from web/ui under its working
# folder, and the module holds the UI's sources only: not 2.19's vendored libraries (a module leaves out vendor/
# folders) nor 3.14's built app. So, into tools/prometheus-ui/<version>/web/ui, what the release's image builds in:
# 2.19's own templates, scripts and styles with the libraries it vendored taken from Debian's packages, as Debian's
# prometheus package does (the four it carries itself from that package, whichever version Debian serves: four
# small scripts of the classic UI); 3.14's app built from its sources and lockfile with pnpm (the module names no
# pnpm version; this pin is ours).
PNPM_VERSION=10.34.9
build_prometheus_ui() {
  local dest="$root/tools/prometheus-ui" version module src out work start
  for version in v2.19.0 v3.14.0; do
    out="$dest/$version/web/ui"
    if [[ -f "$dest/$version/.built" ]]; then continue; fi
    module="$root/test/promtool/v${version:1:4}"
    src=$(cd "$module" && go mod download github.com/prometheus/prometheus && go list -m -f '{{.Dir}}' github.com/prometheus/prometheus)/web/ui
    start=$(date +%s)
    echo "install-kube: assembling Prometheus $version's web UI, which the e2e's browser loads (first time only: under 5 minutes)" >&2
    rm -rf "$dest/$version" && mkdir -p "$out"
    work=$(mktemp -d) && chmod 755 "$work"
    if [[ $version == v2.* ]]; then
      apt_install libjs-bootstrap4 libjs-eonasdan-bootstrap-datetimepicker libjs-jquery libjs-jquery-hotkeys libjs-moment \
        libjs-moment-timezone libjs-mustache libjs-popper.js libjs-rickshaw libjs-d3
      (cd "$work" && apt-get download -qq prometheus && dpkg-deb -x prometheus_*.deb deb)
      cp -r "$src/templates" "$src/static" "$out/"
      chmod -R u+w "$out"
      local vendor="$out/static/vendor" js=/usr/share/javascript debian="$work/deb/usr/share/prometheus/web/static/vendor"
      mkdir -p "$vendor"/{js,bootstrap-4.3.1,bootstrap3-typeahead,bootstrap4-glyphicons/css,eonasdan-bootstrap-datetimepicker,fuzzy,moment,mustache,rickshaw/vendor}
      cp "$js/jquery/jquery.min.js" "$vendor/js/jquery-3.3.1.min.js"
      cp "$js/popper.js/popper.min.js" "$js/jquery-hotkeys/jquery.hotkeys.js" "$debian/js/jquery.selection.js" "$vendor/js/"
      cp -rL "$js/bootstrap4/css" "$js/bootstrap4/js" "$vendor/bootstrap-4.3.1/"
      cp "$debian/bootstrap3-typeahead/bootstrap3-typeahead.js" "$vendor/bootstrap3-typeahead/bootstrap3-typeahead.min.js"
      cp "$debian/bootstrap4-glyphicons/css/bootstrap-glyphicons.css" "$vendor/bootstrap4-glyphicons/css/bootstrap-glyphicons.min.css"
      cp "$js/eonasdan-bootstrap-datetimepicker/bootstrap-datetimepicker.min."* "$vendor/eonasdan-bootstrap-datetimepicker/"
      cp "$debian/fuzzy/fuzzy.js" "$vendor/fuzzy/"
      cp "$js/moment/moment.min.js" "$vendor/moment/"
      cp "$js/moment-timezone/moment-timezone-with-data.min.js" "$vendor/moment/"
      cp "$js/mustache/mustache.min.js" "$vendor/mustache/"
      cp "$js/rickshaw/rickshaw.min.css" "$js/rickshaw/rickshaw.min.js" "$vendor/rickshaw/"
      cp "$js/d3/d3.min.js" "$vendor/rickshaw/vendor/d3.v3.js"
      # d3 3's layouts are in d3 itself: the separate file 2.19 loads is empty here.
      : > "$vendor/rickshaw/vendor/d3.layout.min.js"
    else
      cp -r "$src" "$work/ui" && chmod -R u+w "$work/ui"
      (
        cd "$work/ui"
        npx -y "pnpm@$PNPM_VERSION" install --frozen-lockfile --reporter=silent
        npx -y "pnpm@$PNPM_VERSION" run build:module > build-module.log 2>&1 || { cat build-module.log >&2; exit 1; }
        # vite alone: the app's `build` script type-checks first, which the served files do not need.
        cd mantine-ui && npx vite build --logLevel error
      )
      mkdir -p "$out/static" && mv "$work/ui/mantine-ui/dist" "$out/static/mantine-ui"
    fi
    rm -rf "$work"
    echo "$version" > "$dest/$version/.built"
    echo "install-kube: Prometheus $version's web UI ready in $(( $(date +%s) - start ))s" >&2
  done
}

# MetalLB's controller and speaker (go.universe.tf/metallb), through e2e/tools-v0.34, into tools/metallb/, with its
# CRDs, RBAC and the controller's Deployment and speaker's DaemonSet from its module, for the e2e's LoadBalancer
# Service. v0.16.1: v0.16.2 needs github.com/metallb/frr-k8s v0.0.27, whose source the Go module proxy refuses (403);
# v0.16.1's dependencies are all served.
build_metallb() {
  local dest="$root/tools/metallb" module="$TOOLS_V034" version stamp wanted start module_dir
  version=$(required_version "$module" go.universe.tf/metallb)
  stamp="$dest/.built"
  wanted="metallb $version: controller speaker crds rbac controllers $(module_pin "$module")"
  if [[ -x "$dest/controller" && -x "$dest/speaker" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    return 0
  fi
  require_go "MetalLB $version"
  start=$(date +%s)
  echo "install-kube: building MetalLB $version (controller and speaker), which gives the e2e's LoadBalancer Service its address (first time only: about 5 minutes)" >&2
  mkdir -p "$dest/crds" "$dest/rbac" "$dest/controllers"
  (cd "$module" && go build -ldflags "$GO_LDFLAGS" -o "$dest/" go.universe.tf/metallb/controller go.universe.tf/metallb/speaker)
  module_dir=$(cd "$module" && go list -m -f '{{.Dir}}' go.universe.tf/metallb)
  cp "$module_dir"/config/crd/bases/*.yaml "$dest/crds/"
  cp "$module_dir"/config/rbac/role.yaml "$module_dir"/config/rbac/service-accounts.yaml "$dest/rbac/"
  cp "$module_dir"/config/controllers/controller.yaml "$module_dir"/config/controllers/speaker.yaml "$dest/controllers/"
  chmod u+w "$dest"/crds/*.yaml "$dest"/rbac/*.yaml "$dest"/controllers/*.yaml
  echo "$wanted" > "$stamp"
  echo "install-kube: MetalLB built in $(( $(date +%s) - start ))s" >&2
}

modules=("$@")
if [[ ${#modules[@]} -eq 0 ]]; then
  if [[ -n "${E2E_KUBE:-}" ]]; then
    IFS=', ' read -r -a modules <<< "$E2E_KUBE"
  else
    mapfile -t modules < <(ls "$root/e2e/kube")
  fi
fi
# Each release once (two lanes must not build one release at the same time), and at least one.
mapfile -t modules < <(printf '%s\n' "${modules[@]}" | awk 'NF && !seen[$0]++')
if [[ ${#modules[@]} -eq 0 ]]; then
  echo "install-kube: no release to build: expected one or more of $(ls "$root/e2e/kube" | tr '\n' ' ')" >&2
  exit 2
fi
# Three lanes side by side, each in its order: the tools of e2e/tools-v0.36 (Flux, kwok, then the programs), then
# all releases but the last; the last release (the longest build); Debian's packages, the UI (downloads and an npm
# build), then the tools of e2e/tools-v0.34 (Argo CD, MetalLB). Go builds are CPU-bound, but each has phases that
# are not (module downloads, its links, mostly on one core), which the other lanes fill; balanced by a new machine's
# times (docs/testing.md) so that no lane runs long alone at the end. The lanes share the Go caches, which Go keeps
# safe for concurrent use, and the tools of one module are built one after another in one lane, so that their
# shared packages are compiled once (two builds at the same time would each compile them); apt runs in one lane only
# (dpkg takes one at a time). A failed lane fails the run once the others end (no build is left half-running).
# Without root, apt cannot run: say what is missing before any build starts.
if [[ $(id -u) -ne 0 ]]; then install_debian_tools; fi
lanes=()
(
  build_flux
  build_kwok
  build_programs
  for module in "${modules[@]:0:${#modules[@]}-1}"; do build_release "$module"; done
) & lanes+=($!)
(
  build_release "${modules[-1]}"
) & lanes+=($!)
(
  install_debian_tools
  build_prometheus_ui
  build_argocd
  build_metallb
) & lanes+=($!)
failed=0
for lane in "${lanes[@]}"; do wait "$lane" || failed=1; done
exit "$failed"
