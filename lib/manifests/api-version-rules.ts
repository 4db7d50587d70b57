import { Manifest } from './manifest';

/**
 * One table of the API versions Kubernetes removed, and what to do with an object that still uses
 * one when the target version no longer serves it: rewrite it (the replacement has the same schema)
 * or refuse it (the replacement needs field conversion, or there is none).
 */

/** What to do with objects of one removed apiVersion and kind. */
export interface ApiVersionRule {
  /** The removed apiVersion. */
  readonly apiVersion: string;
  /** Kinds the rule covers. */
  readonly kinds: readonly string[];
  /** Minor version of Kubernetes 1.x that stopped serving it. */
  readonly removedIn: number;
  /** Replacement with an identical schema: the object is rewritten to it. */
  readonly rewriteTo?: string;
  /** Why it cannot be rewritten: the object is refused. */
  readonly refuse?: string;
}

const WORKLOADS = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'];

/** Every removal from 1.16 to 1.32 that a chart of 2020 or later might still emit. */
export const API_VERSION_RULES: readonly ApiVersionRule[] = [
  { apiVersion: 'extensions/v1beta1', kinds: WORKLOADS, removedIn: 16, refuse: 'apps/v1 requires spec.selector and changed defaults' },
  { apiVersion: 'apps/v1beta1', kinds: WORKLOADS, removedIn: 16, refuse: 'apps/v1 requires spec.selector and changed defaults' },
  { apiVersion: 'apps/v1beta2', kinds: WORKLOADS, removedIn: 16, refuse: 'apps/v1 requires spec.selector and changed defaults' },
  { apiVersion: 'extensions/v1beta1', kinds: ['NetworkPolicy'], removedIn: 16, rewriteTo: 'networking.k8s.io/v1' },
  { apiVersion: 'extensions/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 16, refuse: 'PodSecurityPolicy no longer exists (removed in 1.25); Pod Security Admission replaces it' },
  { apiVersion: 'extensions/v1beta1', kinds: ['Ingress'], removedIn: 22, refuse: 'networking.k8s.io/v1 Ingress needs field conversion (service.name/port, pathType)' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['Ingress'], removedIn: 22, refuse: 'networking.k8s.io/v1 Ingress needs field conversion (service.name/port, pathType)' },
  { apiVersion: 'networking.k8s.io/v1beta1', kinds: ['IngressClass'], removedIn: 22, rewriteTo: 'networking.k8s.io/v1' },
  { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], removedIn: 22, rewriteTo: 'rbac.authorization.k8s.io/v1' },
  { apiVersion: 'admissionregistration.k8s.io/v1beta1', kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], removedIn: 22, refuse: 'admissionregistration.k8s.io/v1 requires sideEffects and admissionReviewVersions' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', kinds: ['CustomResourceDefinition'], removedIn: 22, refuse: 'apiextensions.k8s.io/v1 requires a structural schema per version' },
  { apiVersion: 'apiregistration.k8s.io/v1beta1', kinds: ['APIService'], removedIn: 22, rewriteTo: 'apiregistration.k8s.io/v1' },
  { apiVersion: 'certificates.k8s.io/v1beta1', kinds: ['CertificateSigningRequest'], removedIn: 22, refuse: 'certificates.k8s.io/v1 requires signerName' },
  { apiVersion: 'coordination.k8s.io/v1beta1', kinds: ['Lease'], removedIn: 22, rewriteTo: 'coordination.k8s.io/v1' },
  { apiVersion: 'scheduling.k8s.io/v1beta1', kinds: ['PriorityClass'], removedIn: 22, rewriteTo: 'scheduling.k8s.io/v1' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], removedIn: 22, rewriteTo: 'storage.k8s.io/v1' },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: 25, rewriteTo: 'batch/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], removedIn: 25, rewriteTo: 'policy/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodSecurityPolicy'], removedIn: 25, refuse: 'PodSecurityPolicy no longer exists; Pod Security Admission replaces it' },
  { apiVersion: 'node.k8s.io/v1beta1', kinds: ['RuntimeClass'], removedIn: 25, rewriteTo: 'node.k8s.io/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', kinds: ['EndpointSlice'], removedIn: 25, refuse: 'discovery.k8s.io/v1 replaced topology with deprecatedTopology and zone' },
  { apiVersion: 'events.k8s.io/v1beta1', kinds: ['Event'], removedIn: 25, refuse: 'events.k8s.io/v1 renamed and validates fields differently' },
  { apiVersion: 'autoscaling/v2beta1', kinds: ['HorizontalPodAutoscaler'], removedIn: 25, refuse: 'autoscaling/v2 restructured the metric targets' },
  { apiVersion: 'autoscaling/v2beta2', kinds: ['HorizontalPodAutoscaler'], removedIn: 26, rewriteTo: 'autoscaling/v2' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta1', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: 26, refuse: 'later versions renamed assuredConcurrencyShares' },
  { apiVersion: 'storage.k8s.io/v1beta1', kinds: ['CSIStorageCapacity'], removedIn: 27, rewriteTo: 'storage.k8s.io/v1' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: 29, refuse: 'later versions renamed assuredConcurrencyShares' },
  { apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], removedIn: 32, refuse: 'flowcontrol.apiserver.k8s.io/v1 changed concurrency-share defaults' },
];

/** Why an object cannot be applied to the target version. */
export class RemovedApiError extends Error {
  constructor(public readonly manifest: Manifest, public readonly rule: ApiVersionRule, message: string) {
    super(message);
    this.name = 'RemovedApiError';
  }
}

/** The rule for an object, if its apiVersion is removed in the target version. */
export function findRemovedApiRule(manifest: Manifest, targetMinor: number, rules: readonly ApiVersionRule[] = API_VERSION_RULES): ApiVersionRule | undefined {
  return rules.find((rule) => rule.apiVersion === manifest.apiVersion && rule.kinds.includes(manifest.kind) && targetMinor >= rule.removedIn);
}

/**
 * Returns the object as the target version serves it: unchanged, or with its apiVersion rewritten.
 * Throws a RemovedApiError for an object whose API is gone and cannot be rewritten.
 */
export function upgradeApiVersion(manifest: Manifest, targetMinor: number, rules: readonly ApiVersionRule[] = API_VERSION_RULES): Manifest {
  const rule = findRemovedApiRule(manifest, targetMinor, rules);
  if (!rule) return manifest;
  if (rule.rewriteTo) return { ...manifest, apiVersion: rule.rewriteTo };
  const what = `${manifest.kind} ${manifest.metadata.name} uses ${manifest.apiVersion}, which Kubernetes 1.${rule.removedIn} removed`;
  throw new RemovedApiError(manifest, rule, `${what}; it cannot be rewritten: ${rule.refuse}`);
}
