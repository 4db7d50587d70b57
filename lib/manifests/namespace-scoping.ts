import { Manifest } from './manifest';

/** Built-in kinds that are cluster-scoped; every other kind is treated as namespaced. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService', 'CertificateSigningRequest', 'ClusterRole', 'ClusterRoleBinding', 'CSIDriver', 'CSINode',
  'CustomResourceDefinition', 'FlowSchema', 'IngressClass', 'MutatingWebhookConfiguration', 'Namespace', 'Node',
  'PersistentVolume', 'PodSecurityPolicy', 'PriorityClass', 'PriorityLevelConfiguration', 'RuntimeClass',
  'StorageClass', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);

/**
 * `helm template --namespace` only tells the templates the namespace; it does not put it on the
 * objects. This puts `metadata.namespace` on every namespaced object (so `kubectl apply -f` lands in
 * the configured namespace whatever the kubectl context), takes it off cluster-scoped ones, and gives
 * ServiceAccount subjects of bindings the namespace when the chart left it out.
 */
export function scopeToNamespace(manifest: Manifest, namespace: string): Manifest {
  const metadata = { ...manifest.metadata };
  if (CLUSTER_SCOPED_KINDS.has(manifest.kind)) {
    delete metadata.namespace;
  } else {
    metadata.namespace = namespace;
  }
  const scoped: Manifest = { ...manifest, metadata };
  if (BINDING_KINDS.has(manifest.kind) && Array.isArray(manifest.subjects)) {
    scoped.subjects = manifest.subjects
      .map((subject) => (subject.kind === 'ServiceAccount' && !subject.namespace ? { ...subject, namespace } : subject));
  }
  return scoped;
}

/**
 * A chart's ClusterRoles and ClusterRoleBindings are named for the release alone, so two releases of
 * one chart in two namespaces would share them and rewrite each other's bindings on every apply. This
 * appends `suffix` to their names, and to every binding's reference to a renamed ClusterRole, so each
 * install owns its own. An empty suffix changes nothing.
 */
export function suffixClusterRbac(manifest: Manifest, suffix: string, renamedRoles: ReadonlySet<string>): Manifest {
  if (suffix === '') return manifest;
  const renamed = manifest.kind === 'ClusterRole' || manifest.kind === 'ClusterRoleBinding'
    ? { ...manifest, metadata: { ...manifest.metadata, name: `${manifest.metadata.name}${suffix}` } }
    : manifest;
  const { roleRef } = manifest;
  if (!BINDING_KINDS.has(manifest.kind) || roleRef?.kind !== 'ClusterRole' || !renamedRoles.has(roleRef.name)) return renamed;
  return { ...renamed, roleRef: { ...roleRef, name: `${roleRef.name}${suffix}` } };
}
