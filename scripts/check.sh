#!/usr/bin/env bash
# The static half of `npm test`: type-check, lint and unused exports side by side (each runs on one
# core), failing if any of them fails. Their output is their own.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=node_modules/.bin
"$bin/tsc" -p tsconfig.json --incremental --tsBuildInfoFile .cache/tsconfig.tsbuildinfo &
typecheck=$!
"$bin/eslint" --cache --cache-location .cache/eslint/ . &
lint=$!
"$bin/ts-unused-exports" tsconfig.json --allowUnusedTypes --silent &
unused=$!
status=0
for job in "$typecheck" "$lint" "$unused"; do
  wait "$job" || status=1
done
exit "$status"
