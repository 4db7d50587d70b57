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
