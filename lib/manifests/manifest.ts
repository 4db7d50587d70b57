/**
 * A Kubernetes object as plain data (quantities are strings): what helm renders, what dist/ holds and what
 * the API server returns, typed as far as this app reads it. The types of imports/k8s describe construct
 * props instead, where a quantity is a `Quantity` object.
 */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: StringMap; annotations?: StringMap; creationTimestamp?: string; [key: string]: unknown };
  spec?: Spec;
  /** What the API server reports, as far as this app reads it (a volume's phase). */
  status?: { phase?: string; [key: string]: unknown };
  /** A ClusterRole's or Role's rules. */
  rules?: Array<{ resources?: string[]; [key: string]: unknown }>;
  /** A RoleBinding's or ClusterRoleBinding's subjects, and the role it grants them. */
  subjects?: Array<{ kind: string; name: string; namespace?: string; [key: string]: unknown }>;
  roleRef?: { kind: string; name: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Labels, annotations, a selector: string keys to string values. */
type StringMap = Record<string, string>;

/** What `kubectl get -o json` prints for many objects. */
export type ManifestList = { items: Manifest[] };

/** The spec fields this app reads, of whichever kind has them: a Service's, a workload's, a volume's binding. */
export interface Spec {
  type?: string;
  loadBalancerSourceRanges?: string[];
  selector?: { matchLabels?: StringMap };
  strategy?: { type?: string; [key: string]: unknown };
  template?: PodTemplate;
  /** A PersistentVolume's claim, a PersistentVolumeClaim's volume. */
  claimRef?: { name: string; namespace: string; [key: string]: unknown };
  volumeName?: string;
  [key: string]: unknown;
}

/** A workload's pod template. */
export type PodTemplate = { metadata?: { labels?: StringMap; [key: string]: unknown }; spec: PodSpec };

/** "Kind/namespace/name" (namespace empty for cluster-scoped objects): one object's identity. */
export function objectKey(manifest: Manifest): string {
  return `${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
}

/** The first object of the kind whose name ends with `suffix`: a chart's object, whatever release name prefixes it. */
export function findBySuffix(manifests: readonly Manifest[], kind: string, suffix: string): Manifest | undefined {
  return manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name.endsWith(suffix));
}

/** A container, as far as this app reads it. */
export interface Container {
  name: string;
  image?: string;
  args?: string[];
  imagePullPolicy?: string;
  ports?: Array<{ containerPort: number; hostPort?: number; [key: string]: unknown }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A pod spec, as far as this app reads it. */
export interface PodSpec {
  containers: Container[];
  tolerations?: Array<{ key?: string; operator?: string; effect?: string }>;
  securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; runAsNonRoot?: boolean; [key: string]: unknown };
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
  [key: string]: unknown;
}

/** The pod template's spec of a workload (Deployment, DaemonSet, StatefulSet, Job), or undefined for any other object. */
export function podSpecOf(manifest: Manifest | undefined): PodSpec | undefined {
  return manifest?.spec?.template?.spec;
}
