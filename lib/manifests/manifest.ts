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

/**
 * A container as rendered (plain JSON: quantities are strings), as far as this app reads it. The types of
 * imports/k8s describe construct props instead, where a quantity is a `Quantity` object.
 */
export interface Container {
  name: string;
  image?: string;
  args?: string[];
  imagePullPolicy?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A pod spec as rendered, as far as this app reads it. */
export interface PodSpec {
  containers: Container[];
  tolerations?: Array<{ key?: string; operator?: string; effect?: string }>;
  securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; runAsNonRoot?: boolean; [key: string]: unknown };
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
  [key: string]: unknown;
}

/** The pod template's spec of a workload (Deployment, DaemonSet, StatefulSet, Job), or undefined for any other object. */
export function podSpecOf(manifest: Manifest | undefined): PodSpec | undefined {
  return (manifest?.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
}
