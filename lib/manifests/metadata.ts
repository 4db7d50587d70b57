/*
 * The labels and annotations this app puts on the objects it writes itself. Constructs take them as
 * props (labels, annotations); the charts in lib/charts/ pass these.
 */

/**
 * Argo CD applies lower waves first and waits for them to be healthy. The namespace comes first, then
 * storage, then the Job that prepares the NFS directory (a Job is healthy once it has completed); the
 * chart's objects carry no annotation, which is wave 0, so they come last.
 */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The waves this app assigns. */
export const SyncWave = {
  NAMESPACE: '-3',
  STORAGE: '-2',
  DIRECTORY_PREP: '-1',
} as const;

/** The annotation that puts an object in an Argo CD sync wave. */
export function syncWave(wave: typeof SyncWave[keyof typeof SyncWave]): Record<string, string> {
  return { [SYNC_WAVE_ANNOTATION]: wave };
}

/** Labels every object this app writes itself carries, so `kubectl get -l` finds them. */
export const PART_OF_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/part-of': 'prometheus-book' };

/** PART_OF_LABELS as a kubectl label selector. */
export const PART_OF_SELECTOR = Object.entries(PART_OF_LABELS).map(([key, value]) => `${key}=${value}`).join(',');

/** The label that sets the Pod Security Admission level a namespace enforces. */
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/**
 * The Pod Security level of the install's namespace: "privileged", because node-exporter reads the
 * host through host networking, the host PID namespace, hostPath mounts and a host port, which the
 * "baseline" level forbids. The other pods need less: the server and kube-state-metrics meet
 * "restricted", the prep Job "baseline" (root, with CHOWN only). docs/applying.md, "Pod Security".
 */
export const INSTALL_POD_SECURITY_LABELS: Readonly<Record<string, string>> = { [POD_SECURITY_ENFORCE_LABEL]: 'privileged' };

/**
 * On the volume and its claim: GitOps tools never delete them when they leave the folder (a folder switched
 * to another environment, a renamed volume) or when the install is removed. With the Retain policy the data
 * would survive on the NFS export anyway, but a pruned claim leaves the volume Released and the server
 * without its data until someone rebinds it by hand; deleting them stays a deliberate `kubectl delete`.
 */
export const KEEP_WHEN_PRUNED: Readonly<Record<string, string>> = {
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
  'argocd.argoproj.io/sync-options': 'Prune=false',
};
