// Builds Flux's kustomize-controller from the Go module proxy for `npm run e2e`. Its own go.mod has
// replace directives (so `go install` refuses it); this module requires it as a tool and repeats its
// non-local replaces. Nothing of Flux is committed but this file and go.sum.
module prometheus-book/e2e/flux

go 1.26.0

tool github.com/fluxcd/kustomize-controller

require github.com/fluxcd/kustomize-controller v1.9.6

// Replaces of kustomize-controller v1.9.6's go.mod, repeated (the local ./api one is served as its own module).
replace github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be

replace (
	sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.21.1
	sigs.k8s.io/kustomize/kyaml => sigs.k8s.io/kustomize/kyaml v0.21.1
)

replace gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1
