import * as fs from 'fs';
import * as path from 'path';
import { environmentOutdir } from '../lib/config/loader';
import { PROJECT_ROOT } from '../lib/support/project-root';
import { expectExit, expectLine, expectSuccess, literal, preflight, step, synthWith } from './check';
import { LocalCluster } from './local-cluster';

/**
 * Day 2 on the cluster that holds the lab install: a changed uid/gid applies, and a storage-size
 * change, which Kubernetes refuses, is stopped by preflight with the steps that work.
 */
export function configChangeSteps(cluster: LocalCluster): void {
  const { kubectl } = cluster;

  step('a uid/gid change applies over the install: a new prep Job is created and the server rolls (exit 0)', () => {
    const changed = synthWith({ SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001', BOOK_OWNER_GID: '1001' });
    try {
      const output = expectSuccess(kubectl(['apply', '-f', changed]), 'apply of the uid/gid change');
      expectLine(output, /^job\.batch\/prometheus-server-nfs-prep-[0-9a-f]{8} created$/);
      expectLine(output, /^deployment\.apps\/prometheus-server configured$/);
      const runAsUser = ['get', 'deployment', 'prometheus-server', '-o', 'jsonpath={.spec.template.spec.securityContext.runAsUser}'];
      const runAs = expectSuccess(kubectl(runAsUser), 'read the server\'s uid');
      if (runAs !== '1001') throw new Error(`the server runs as ${runAs}, not 1001`);
      const again = expectSuccess(kubectl(['apply', '-f', changed]), 're-apply of the uid/gid change');
      const notUnchanged = again.trim().split('\n').filter((line) => !/ unchanged$/.test(line));
      if (notUnchanged.length > 0) throw new Error(`changed on re-apply:\n${notUnchanged.join('\n')}`);
    } finally {
      fs.rmSync(path.dirname(changed), { recursive: true, force: true });
    }
  });

  step('preflight refuses a storage-size change, which apply cannot make, and names the steps that work', () => {
    const changed = synthWith({ SYNTH_ENVIRONMENTS: 'lab', BOOK_STORAGE_SIZE: '20Gi' });
    try {
      const refused = kubectl(['apply', '--dry-run=server', '-f', changed]);
      if (refused.status === 0) throw new Error('the API server accepted the resized claim');
      const result = preflight(cluster.kubeconfig, 'lab', changed);
      expectExit(result, 1, 'preflight of a resized claim');
      const steps = [
        '1) kubectl -n default scale deployment prometheus-server --replicas=0',
        '2) kubectl -n default delete pvc prometheus-server',
        '3) kubectl delete pv prometheus-server (its Retain policy keeps the data on the NFS export)',
        `4) kubectl apply -f ${path.relative(PROJECT_ROOT, changed)}`,
      ].join(' ');
      const claim = 'PersistentVolumeClaim prometheus-server exists with spec.resources.requests.storage "10Gi" (dist/ has "20Gi")';
      expectLine(result.stdout, new RegExp(`^FAIL {2}PersistentVolumeClaim: ${literal(claim)}; apply cannot change that: ${literal(steps)}$`));
    } finally {
      fs.rmSync(path.dirname(changed), { recursive: true, force: true });
    }
  });
}

/** Another environment, in its own namespace, onto an empty API server: the Namespace comes first. */
export function namespaceSteps(cluster: LocalCluster, environment: string, namespace: string): void {
  const folder = environmentOutdir(path.join(PROJECT_ROOT, 'dist'), environment);

  step(`preflight of ${environment} (a ${namespace} namespace, no LoadBalancer) passes without asking for MetalLB`, () => {
    const result = preflight(cluster.kubeconfig, environment);
    expectExit(result, 0, `preflight of ${environment}`);
    expectLine(result.stdout, new RegExp(`^ok {4}namespace: namespace ${namespace} does not exist yet; the apply creates it first$`));
    if (/metallb/.test(result.stdout)) throw new Error(`preflight asked for MetalLB:\n${result.stdout}`);
  });

  step(`kubectl apply -f ${path.relative(PROJECT_ROOT, folder)}/ creates namespace ${namespace} first, then everything in it (exit 0)`, () => {
    const output = expectSuccess(cluster.kubectl(['apply', '-f', folder]), `apply of ${environment}`);
    const lines = output.trim().split('\n');
    if (lines[0] !== `namespace/${namespace} created`) throw new Error(`the first object created was not the namespace:\n${output}`);
    const notCreated = lines.filter((line) => !/ created$/.test(line));
    if (notCreated.length > 0) throw new Error(`not created:\n${notCreated.join('\n')}`);
  });
}
