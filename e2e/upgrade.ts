import { environmentOutdir } from '../lib/config/loader';
import { Manifest } from '../lib/manifests/manifest';
import { POD_SECURITY_ENFORCE_LABEL } from '../lib/manifests/metadata';
import { Checks, expectExit, expectLine, expectSuccess, preflight } from './check';
import { MetalLb } from './metallb';
import { getJson, waitFor } from './converge';
import { convergedSteps, Install, readInstall, selectorOf, storedAsWritten } from './lifecycle';
import { LocalCluster } from './local-cluster';
import { SimulatedNode } from './simulated-nodes';

/*
 * The way from the book's chart to today's on a running install: the lab applied and converged; the
 * environment switched to today's chart, which apply alone cannot reach (immutable selectors, a renamed
 * DaemonSet on the same host port); preflight's printed steps, run as printed; then today's install
 * converged on the same claim and volume, the old objects gone.
 */

interface Identity {
  uid: string;
  volumeName?: string;
}

/** The book's install (the lab's folder) upgraded to today's chart (the folder of environment `today`), both under `outdir`. */
export function upgradeSteps(checks: Checks, cluster: LocalCluster, outdir: string, nodes: readonly SimulatedNode[]): { steps: number } {
  const { kubectl } = cluster;
  const book = readInstall(environmentOutdir(outdir, 'lab'));
  const today = readInstall(environmentOutdir(outdir, 'today'));
  const identity = (kind: string, name: string): Identity => {
    const object = getJson<Manifest & { spec?: { volumeName?: string } }>(kubectl, ['-n', book.namespace, 'get', kind, name]);
    return { uid: String(object.metadata.uid), volumeName: object.spec?.volumeName };
  };

  MetalLb.start(cluster).addLabPool();
  checks.step('the book\'s install: applied (MetalLB with the book\'s pool, Pod Security "privileged" as preflight asks) and converged', () => {
    expectSuccess(kubectl(['label', '--overwrite', 'namespace', book.namespace, `${POD_SECURITY_ENFORCE_LABEL}=privileged`]), 'label namespace');
    expectExit(preflight(cluster, 'lab', outdir), 0, 'preflight of the book\'s install');
    expectSuccess(kubectl(['apply', '-f', book.folder]), 'apply the book\'s install');
  });
  convergedSteps(checks, cluster, book, nodes);
  const claimBefore = identity('pvc', book.claim);
  const volumeBefore = identity('pv', claimBefore.volumeName ?? '');

  checks.step('apply alone cannot reach today\'s chart: the server refuses the changed selectors', () => {
    const result = kubectl(['apply', '--dry-run=server', '-f', today.folder]);
    if (result.status === 0) throw new Error('the server accepted today\'s install over the book\'s');
    if (!/spec\.selector: Invalid value: .*field is immutable/.test(result.stderr)) throw new Error(`refused for another reason: ${result.stderr}`);
  });

  let printed: string[] = [];
  checks.step('preflight for today names what apply cannot change and prints the steps: server first, the claim and volume kept', () => {
    const result = preflight(cluster, 'today', outdir);
    expectExit(result, 1, 'preflight');
    expectLine(result.stdout, /^FAIL {2}upgrade: release prometheus in namespace default runs another chart: apply cannot change .*DaemonSet prometheus-node-exporter is not in /);
    printed = [...result.stdout.matchAll(/^ {8}\d+\. (kubectl .*)$/gm)].map((match) => match[1]);
    if (!/^kubectl delete deployment prometheus-server /.test(printed[0] ?? '')) throw new Error(`the server is not deleted first:\n${printed.join('\n')}`);
    if (!/^kubectl apply -f /.test(printed[printed.length - 1] ?? '')) throw new Error(`the apply is not last:\n${printed.join('\n')}`);
    if (printed.some((command) => /persistentvolume|pvc/i.test(command))) throw new Error('a step deletes the claim or the volume');
  });

  checks.step('the printed steps, run as printed: the old server\'s pods are gone before any other step, so two servers never share the data', () => {
    for (const [index, command] of printed.entries()) {
      expectSuccess(kubectl(command.split(' ').slice(1)), command);
      if (index === 0) {
        const oldServer = bookServerPods(cluster, book);
        if (oldServer.length > 0) throw new Error(`the book's server pods still exist after the first step: ${oldServer.join(', ')}`);
      }
    }
  });

  convergedSteps(checks, cluster, today, nodes);
  checks.step('every object of today\'s install reads back as its folder wrote it', () => storedAsWritten(cluster, today));

  checks.step('the same claim is bound to the same volume (uids unchanged)', () => {
    const claimAfter = identity('pvc', today.claim);
    const volumeAfter = identity('pv', claimAfter.volumeName ?? '');
    if (claimAfter.uid !== claimBefore.uid || volumeAfter.uid !== volumeBefore.uid || claimAfter.volumeName !== claimBefore.volumeName) {
      throw new Error(`claim ${JSON.stringify(claimBefore)} -> ${JSON.stringify(claimAfter)}, volume ${volumeBefore.uid} -> ${volumeAfter.uid}`);
    }
  });

  checks.step('the book\'s objects are gone: its node-exporter, its pods; one server pod runs, Prometheus v3', () => {
    for (const [kind, name] of [['daemonset', 'prometheus-node-exporter'], ['service', 'prometheus-node-exporter'], ['serviceaccount', 'prometheus-node-exporter']]) {
      const result = kubectl(['-n', today.namespace, 'get', kind, name]);
      if (result.status === 0) throw new Error(`${kind} ${name} still exists`);
    }
    waitFor('no pod of the book\'s chart', () => {
      const left = podsWithLabel(cluster, today.namespace, 'release=prometheus');
      return left.length === 0 ? undefined : `still there: ${left.join(', ')}`;
    });
    const servers = getJson<{ items: Manifest[] }>(kubectl, ['-n', today.namespace, 'get', 'pods', '-l', 'app.kubernetes.io/component=server']).items;
    const images = servers.map((pod) => ((pod.spec as { containers: Array<{ image: string }> }).containers.map((c) => c.image)).join(','));
    if (servers.length !== 1 || !images[0].includes('prometheus:v3.')) throw new Error(`server pods: ${images.join(' | ')}`);
  });

  checks.step('after the upgrade, preflight for today passes and a second apply changes nothing', () => {
    const result = preflight(cluster, 'today', outdir);
    expectExit(result, 0, 'preflight');
    expectLine(result.stdout, /^ok {4}upgrade: release prometheus in namespace default: apply can change every live object$/);
    const output = expectSuccess(kubectl(['apply', '-f', today.folder]), 'second apply');
    const changed = output.trim().split('\n').filter((line) => !/ unchanged$/.test(line));
    if (changed.length > 0) {
      // kubectl's own log of the patches it sends: the fields the manifest and the stored object disagree on.
      const patches = kubectl(['apply', '-f', today.folder, '-v=8']).stderr.split('\n').filter((line) => /"Request Body" body="\{/.test(line));
      throw new Error(`changed on re-apply:\n${changed.join('\n')}\n${patches.join('\n')}`);
    }
  });
  return { steps: printed.length };
}

function podsWithLabel(cluster: LocalCluster, namespace: string, selector: string): string[] {
  return getJson<{ items: Manifest[] }>(cluster.kubectl, ['-n', namespace, 'get', 'pods', '-l', selector]).items.map((pod) => pod.metadata.name);
}

/** The book's server pods, by the selector of its server Deployment. */
function bookServerPods(cluster: LocalCluster, book: Install): string[] {
  const server = book.manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'prometheus-server');
  return podsWithLabel(cluster, book.namespace, selectorOf(server) ?? '');
}
