#!/bin/sh
# Bundles TypeScript entry points into build/<name>.js with esbuild's own command, which only strips types (the
# type check is `npm run typecheck`, part of `npm test`): one file for Node to read instead of the few hundred
# that cdk8s and this app are made of. Measured in docs/architecture.md, "Build without type-checking".
# Usage: sh scripts/build.sh [name ...]   (default: every entry point)
set -eu
cd "$(dirname "$0")/.."
all="main docs vendor chart preflight e2e bench empty-app helm-app"
entries=""
# shellcheck disable=SC2086 # the list, one word per name
[ $# -gt 0 ] || set -- $all
for name in "$@"; do
  case "$name" in
    main) entries="$entries main=main.ts" ;;
    docs | vendor | preflight | chart) entries="$entries $name=lib/commands/$name.ts" ;;
    e2e) entries="$entries e2e=e2e/run.ts" ;;
    bench | empty-app | helm-app) entries="$entries $name=bench/$name.ts" ;;
    *) echo "build: unknown bundle \"$name\": expected one of $all" >&2; exit 2 ;;
  esac
done
# Each bundle is written beside build/ and renamed into it, so that a synth started at the same time reads
# the old bundle or the new one whole, never one being written.
fresh="build/.bundles-$$"
trap 'rm -rf "$fresh"' EXIT
# shellcheck disable=SC2086 # one word per entry point
node_modules/.bin/esbuild $entries --bundle --platform=node --target=node20 --format=cjs --outdir="$fresh" \
  --log-level=warning --legal-comments=none
for bundle in "$fresh"/*.js; do
  mv -f "$bundle" build/
done
