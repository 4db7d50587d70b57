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

/** Labels every object this app writes itself carries, so `kubectl get -l` finds them. */
export const PART_OF_LABELS = { 'app.kubernetes.io/part-of': 'prometheus-book' } as const;
