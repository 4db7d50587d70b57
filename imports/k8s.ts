// Kubernetes 1.27 bindings. `cdk8s import k8s@1.27` would download the schema from the internet; the
// cdk8s-plus-27 package already ships the very same generated bindings, so this file re-exports them.
// The deep path loads only the bindings, not the whole cdk8s-plus library.
export * from 'cdk8s-plus-27/lib/imports/k8s';
