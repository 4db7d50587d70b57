import * as fs from 'fs';
import * as path from 'path';
import { environmentOutdir } from '../lib/config/loader';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { Checks, expectExit, expectLine, expectSuccess, literal, preflight, synthWith } from './check';
import { changeConvergedStep, Install, readInstall } from './lifecycle';
import { LocalCluster } from './local-cluster';

/**
 * Day 2 on the cluster that holds the lab install: a changed uid/gid applies and converges; the config
 * changed back is caught by preflight; a storage-size change, which Kubernetes refuses, is stopped by
 * preflight with the steps that work. Returns the folder of the changed config (the caller removes it).
 */
export function configChangeSteps(checks: Checks, cluster: LocalCluster, original: Install, outdir: string): string {
  const { kubectl } = cluster;
  const changedDist = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001' });
  const changed = readInstall(changedDist);

  checks.step('a uid/gid change applies over the install with exit 0: a new prep Job is created, the server Deployment configured', () => {
    const output = expectSuccess(kubectl(['apply', '-f', changedDist]), 'apply of the uid/gid change');
    expectLine(output, new RegExp(`^job\\.batch/${literal(changed.job)} created$`));
    expectLine(output, /^deployment\.apps\/prometheus-server configured$/);
  });

  changeConvergedStep(checks, cluster, changed, 1001);

  checks.step('a second apply of the changed config changes nothing', () => {
    const again = expectSuccess(kubectl(['apply', '-f', changedDist]), 're-apply of the uid/gid change');
    const notUnchanged = again.trim().split('\n').filter((line) => !/ unchanged$/.test(line));
    if (notUnchanged.length > 0) throw new Error(`changed on re-apply:\n${notUnchanged.join('\n')}`);
  });

  checks.step('preflight of the config changed back names the finished Job that apply would not run again', () => {
    const result = preflight(cluster, 'lab', outdir);
    expectExit(result, 1, 'preflight of the earlier config');
    const detail = `Job ${original.job} ran for this config before Job ${changed.job} ran for another`;
    expectLine(result.stdout, new RegExp(`^FAIL {2}Job: ${literal(detail)},.*: kubectl -n default delete job ${literal(original.job)}$`));
  });

  checks.step('preflight refuses a storage-size change, which apply cannot make, and names the steps that work', () => {
    const resized = synthWith(cluster.release, { SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001', BOOK_STORAGE_SIZE: '20Gi' });
    try {
      const refused = kubectl(['apply', '--dry-run=server', '-f', resized]);
      if (refused.status === 0) throw new Error('the API server accepted the resized claim');
      const result = preflight(cluster, 'lab', resized);
      expectExit(result, 1, 'preflight of a resized claim');
      const steps = [
        '1) kubectl -n default scale deployment prometheus-server --replicas=0',
        '2) kubectl -n default delete pvc prometheus-server',
        '3) kubectl delete pv prometheus-server (its Retain policy keeps the data on the NFS export)',
        `4) kubectl apply -f ${path.relative(PROJECT_ROOT, resized)}`,
      ].join(' ');
      const claim = 'PersistentVolumeClaim prometheus-server exists with spec.resources.requests.storage "10Gi" (dist/ has "20Gi")';
      expectLine(result.stdout, new RegExp(`^FAIL {2}PersistentVolumeClaim: ${literal(claim)}; apply cannot change that: ${literal(steps)}$`));
    } finally {
      fs.rmSync(path.dirname(resized), { recursive: true, force: true });
    }
  });
  return changedDist;
}

/** Another environment, in its own namespace, onto an empty API server: the Namespace comes first. */
export function namespaceSteps(checks: Checks, cluster: LocalCluster, environment: string, namespace: string, outdir: string): void {
  const folder = environmentOutdir(path.join(PROJECT_ROOT, 'dist'), environment);

  checks.step(`preflight of ${environment} (a ${namespace} namespace, no LoadBalancer) passes without asking for MetalLB`, () => {
    const result = preflight(cluster, environment, outdir);
    expectExit(result, 0, `preflight of ${environment}`);
    expectLine(result.stdout, new RegExp(`^ok {4}namespace: namespace ${namespace} does not exist yet; the apply creates it first$`));
    if (/metallb/.test(result.stdout)) throw new Error(`preflight asked for MetalLB:\n${result.stdout}`);
  });

  checks.step(`kubectl apply -f ${path.relative(PROJECT_ROOT, folder)}/ creates namespace ${namespace} first, then everything in it (exit 0)`, () => {
    const output = expectSuccess(cluster.kubectl(['apply', '-f', folder]), `apply of ${environment}`);
    const lines = output.trim().split('\n');
    if (lines[0] !== `namespace/${namespace} created`) throw new Error(`the first object created was not the namespace:\n${output}`);
    const notCreated = lines.filter((line) => !/ created$/.test(line));
    if (notCreated.length > 0) throw new Error(`not created:\n${notCreated.join('\n')}`);
  });
}
