/** A Kubernetes object as plain data: what helm renders and what dist/ holds. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** "Kind/namespace/name" (namespace empty for cluster-scoped objects): one object's identity. */
export function objectKey(manifest: Manifest): string {
  return `${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
}

/** The first object of the kind whose name ends with `suffix`: a chart's object, whatever release name prefixes it. */
export function findBySuffix(manifests: readonly Manifest[], kind: string, suffix: string): Manifest | undefined {
  return manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name.endsWith(suffix));
}
