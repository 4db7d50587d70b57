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
const RBAC = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const WEBHOOKS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
const STORAGE = ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'];
const FLOW_CONTROL = ['FlowSchema', 'PriorityLevelConfiguration'];
const ADMISSION_POLICIES = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];

function rewrite(apiVersion: string, kinds: readonly string[], removedIn: number, rewriteTo: string): ApiVersionRule {
  return { apiVersion, kinds, removedIn, rewriteTo };
}

function refuse(apiVersion: string, kinds: readonly string[], removedIn: number, why: string): ApiVersionRule {
  return { apiVersion, kinds, removedIn, refuse: why };
}

/**
 * Every removal of a beta or GA API from 1.16 to 1.37 that a chart might emit (alpha APIs, which no
 * cluster serves by default, are left out). Through 1.32: the Kubernetes deprecated-API migration guide.
 * 1.33 to 1.37: the served kinds of each release's OpenAPI v3 documents (api/openapi-spec/v3 of
 * k8s.io/kubernetes v1.32.0, v1.33.0 ... v1.36.0 and v1.37.2) compared release by release; 1.33 removed
 * only authentication.k8s.io/v1beta1 SelfSubjectReview, which is asked, never applied, and 1.35 and 1.36
 * only alpha APIs. test/manifests/api-version-rules.test.ts checks the table against the 1.37 documents.
 */
export const API_VERSION_RULES: readonly ApiVersionRule[] = [
  refuse('extensions/v1beta1', WORKLOADS, 16, 'apps/v1 requires spec.selector and changed defaults'),
  refuse('apps/v1beta1', WORKLOADS, 16, 'apps/v1 requires spec.selector and changed defaults'),
  refuse('apps/v1beta2', WORKLOADS, 16, 'apps/v1 requires spec.selector and changed defaults'),
  rewrite('extensions/v1beta1', ['NetworkPolicy'], 16, 'networking.k8s.io/v1'),
  refuse('extensions/v1beta1', ['PodSecurityPolicy'], 16, 'PodSecurityPolicy no longer exists (removed in 1.25); Pod Security Admission replaces it'),
  refuse('extensions/v1beta1', ['Ingress'], 22, 'networking.k8s.io/v1 Ingress needs field conversion (service.name/port, pathType)'),
  refuse('networking.k8s.io/v1beta1', ['Ingress'], 22, 'networking.k8s.io/v1 Ingress needs field conversion (service.name/port, pathType)'),
  rewrite('networking.k8s.io/v1beta1', ['IngressClass'], 22, 'networking.k8s.io/v1'),
  rewrite('rbac.authorization.k8s.io/v1beta1', RBAC, 22, 'rbac.authorization.k8s.io/v1'),
  refuse('admissionregistration.k8s.io/v1beta1', WEBHOOKS, 22, 'admissionregistration.k8s.io/v1 requires sideEffects and admissionReviewVersions'),
  refuse('apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], 22, 'apiextensions.k8s.io/v1 requires a structural schema per version'),
  rewrite('apiregistration.k8s.io/v1beta1', ['APIService'], 22, 'apiregistration.k8s.io/v1'),
  refuse('certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], 22, 'certificates.k8s.io/v1 requires signerName'),
  rewrite('coordination.k8s.io/v1beta1', ['Lease'], 22, 'coordination.k8s.io/v1'),
  rewrite('scheduling.k8s.io/v1beta1', ['PriorityClass'], 22, 'scheduling.k8s.io/v1'),
  rewrite('storage.k8s.io/v1beta1', STORAGE, 22, 'storage.k8s.io/v1'),
  rewrite('batch/v1beta1', ['CronJob'], 25, 'batch/v1'),
  rewrite('policy/v1beta1', ['PodDisruptionBudget'], 25, 'policy/v1'),
  refuse('policy/v1beta1', ['PodSecurityPolicy'], 25, 'PodSecurityPolicy no longer exists; Pod Security Admission replaces it'),
  rewrite('node.k8s.io/v1beta1', ['RuntimeClass'], 25, 'node.k8s.io/v1'),
  refuse('discovery.k8s.io/v1beta1', ['EndpointSlice'], 25, 'discovery.k8s.io/v1 replaced topology with deprecatedTopology and zone'),
  refuse('events.k8s.io/v1beta1', ['Event'], 25, 'events.k8s.io/v1 renamed and validates fields differently'),
  refuse('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], 25, 'autoscaling/v2 restructured the metric targets'),
  rewrite('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], 26, 'autoscaling/v2'),
  refuse('flowcontrol.apiserver.k8s.io/v1beta1', FLOW_CONTROL, 26, 'later versions renamed assuredConcurrencyShares'),
  rewrite('storage.k8s.io/v1beta1', ['CSIStorageCapacity'], 27, 'storage.k8s.io/v1'),
  refuse('flowcontrol.apiserver.k8s.io/v1beta2', FLOW_CONTROL, 29, 'later versions renamed assuredConcurrencyShares'),
  refuse('flowcontrol.apiserver.k8s.io/v1beta3', FLOW_CONTROL, 32, 'flowcontrol.apiserver.k8s.io/v1 changed concurrency-share defaults'),
  rewrite('admissionregistration.k8s.io/v1beta1', ADMISSION_POLICIES, 34, 'admissionregistration.k8s.io/v1'),
  rewrite('networking.k8s.io/v1beta1', ['IPAddress', 'ServiceCIDR'], 37, 'networking.k8s.io/v1'),
  rewrite('storage.k8s.io/v1beta1', ['VolumeAttributesClass'], 37, 'storage.k8s.io/v1'),
];

/** Why an object cannot be applied to the target version. */
export class RemovedApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemovedApiError';
  }
}

/** The rule for an object, if its apiVersion is removed in the target version. */
export function findRemovedApiRule(manifest: Manifest, targetMinor: number): ApiVersionRule | undefined {
  return API_VERSION_RULES.find((rule) => rule.apiVersion === manifest.apiVersion && rule.kinds.includes(manifest.kind)
    && targetMinor >= rule.removedIn);
}

/**
 * Returns the object as the target version serves it: unchanged, or with its apiVersion rewritten.
 * Throws a RemovedApiError for an object whose API is gone and cannot be rewritten.
 */
export function upgradeApiVersion(manifest: Manifest, targetMinor: number): Manifest {
  const rule = findRemovedApiRule(manifest, targetMinor);
  if (!rule) return manifest;
  if (rule.rewriteTo) return { ...manifest, apiVersion: rule.rewriteTo };
  const what = `${manifest.kind} ${manifest.metadata.name} uses ${manifest.apiVersion}, which Kubernetes 1.${rule.removedIn} removed`;
  throw new RemovedApiError(`${what}; it cannot be rewritten: ${rule.refuse}`);
}
