import { PART_OF_SELECTOR } from '../manifests/metadata';
import { Manifest, ManifestList } from '../manifests/manifest';
import { cannotAsk, CheckResult } from './check-result';
import { Kubectl } from './kubectl';

/**
 * The prep Job is named for its spec, so a config changed back to an earlier one names a Job that
 * may still exist (it is kept for a day) and has finished: apply would not run it again, though a
 * newer Job has since given the directory to another uid. Preflight finds that case and names the
 * command that makes apply run it again.
 */
export function checkPrepJob(kubectl: Kubectl, manifests: readonly Manifest[]): CheckResult[] {
  return manifests.filter((m) => m.kind === 'Job').map((job) => checkJob(kubectl, job));
}

function checkJob(kubectl: Kubectl, job: Manifest): CheckResult {
  const namespace = job.metadata.namespace ?? 'default';
  const result = kubectl.run(['-n', namespace, 'get', 'jobs', '-l', PART_OF_SELECTOR, '-o', 'json']);
  if (result.status !== 0) return cannotAsk('Job', `the Jobs of namespace ${namespace}`, result.stderr);
  const live = (JSON.parse(result.stdout) as ManifestList).items;
  const same = live.find((item) => item.metadata.name === job.metadata.name);
  if (!same) return { name: 'Job', ok: true, detail: `Job ${job.metadata.name} does not exist yet; apply creates it and it runs` };
  const createdAt = (item: Manifest) => item.metadata.creationTimestamp ?? '';
  const newer = live.filter((item) => item.metadata.name !== job.metadata.name && createdAt(item) > createdAt(same));
  if (newer.length === 0) return { name: 'Job', ok: true, detail: `Job ${job.metadata.name} exists for this config already` };
  const problem = `Job ${job.metadata.name} ran for this config before Job ${newer[0].metadata.name} ran for another`;
  const command = `kubectl -n ${namespace} delete job ${job.metadata.name}`;
  const remedy = `so the directory may belong to that config's owner; delete it and apply runs it again: ${command}`;
  return { name: 'Job', ok: false, detail: `${problem}, ${remedy}` };
}
