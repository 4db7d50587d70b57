# Sourced by install-tools.sh and install-kube.sh: how every Go tool of this project is built, written once.
# -buildvcs=false: the builds run inside this checkout, whose Git state is not the tool's; -trimpath: no local paths
# in the binaries; -dwarf=false: the compiler writes no debugging information, which the links drop anyway (-s -w),
# and compiles about a tenth faster for it (docs/testing.md, "A new machine"). Go applies each flag only to the
# commands that know it (so `go mod download` and `go list` take GOFLAGS too).
export GOFLAGS="-buildvcs=false -trimpath -gcflags=all=-dwarf=false"
# -s -w: no symbol table or debugging information in the binaries.
GO_LDFLAGS="-s -w"
