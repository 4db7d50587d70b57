/**
 * Argo CD applies lower waves first and waits for them to be healthy. Storage comes first, then the
 * Job that prepares the NFS directory (a Job is healthy once it has completed), then Prometheus.
 */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

export const SyncWave = {
  STORAGE: '-2',
  DIRECTORY_PREP: '-1',
  PROMETHEUS: '0',
} as const;

/** Labels every object this app writes carries, so `kubectl get -l` finds the whole install. */
export const PART_OF_LABELS = { 'app.kubernetes.io/part-of': 'prometheus-book' } as const;
