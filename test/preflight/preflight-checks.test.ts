import * as fs from 'fs';
import * as path from 'path';
import { Kubectl } from '../../lib/preflight/kubectl';
import { runPreflight } from '../../lib/preflight/preflight-checks';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { readManifestFolder } from '../../lib/manifests/folder';
import { Manifest } from '../../lib/manifests/manifest';
import { withTempDir } from '../helpers';

/*
 * The preflight checks against a cluster played by a fake kubectl: each test says what the cluster
 * answers, by the arguments kubectl is called with, and reads what preflight concludes. The folder is
 * the committed dist/ (the lab) or dist-staging/ (a namespace of its own, a NodePort Service).
 */

type Answer = { status: number; stdout?: string; stderr?: string };

const NOT_FOUND: Answer = { status: 1, stderr: 'Error from server (NotFound): not found' };
const live = (object: unknown): Answer => ({ status: 0, stdout: JSON.stringify(object) });
const LAB = path.relative(process.cwd(), path.join(PROJECT_ROOT, 'dist'));
const STAGING = path.relative(process.cwd(), path.join(PROJECT_ROOT, 'dist-staging'));
const TODAY = path.relative(process.cwd(), path.join(PROJECT_ROOT, 'dist-today'));
const LAB_OBJECTS = readManifestFolder(LAB);
const ENV = { PATH: process.env.PATH, HELM_BIN: path.join(PROJECT_ROOT, 'tools', 'bin', 'helm') };

const REACHABLE = { 'get --raw /version': live({ major: '1', minor: '27', gitVersion: 'v1.27.16' }) };

/** A kubectl whose answers are looked up by its arguments joined with spaces; anything else is "not found". The API server answers unless told. */
function fakeKubectl(answers: Record<string, Answer>): Kubectl & { calls: string[] } {
  const calls: string[] = [];
  const known: Record<string, Answer> = { ...REACHABLE, ...answers };
  return {
    calls,
    run(args) {
      calls.push(args.join(' '));
      const answer = known[args.join(' ')] ?? NOT_FOUND;
      return { status: answer.status, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
    },
  };
}

const labVolume = () => JSON.parse(JSON.stringify(LAB_OBJECTS.find((o) => o.kind === 'PersistentVolume')));
const labJob = () => LAB_OBJECTS.find((o) => o.kind === 'Job')!;
const METALLB_CRD = { 'get crd ipaddresspools.metallb.io -o name': { status: 0, stdout: 'customresourcedefinition.apiextensions.k8s.io/ipaddresspools.metallb.io' } };
const POOLS = 'get ipaddresspools.metallb.io --all-namespaces -o json';
const ADVERTISEMENTS = 'get l2advertisements.metallb.io,bgpadvertisements.metallb.io --all-namespaces -o json';
const BOOK_POOL = { kind: 'IPAddressPool', metadata: { name: 'first-pool', namespace: 'metallb-system' }, spec: { addresses: ['192.168.1.11-192.168.1.49'] } };
const L2 = { kind: 'L2Advertisement', metadata: { name: 'l2', namespace: 'metallb-system' }, spec: {} };
/** MetalLB v0.13 or later with the book's pool and an L2Advertisement of every pool. */
const METALLB = { ...METALLB_CRD, [POOLS]: live({ items: [BOOK_POOL] }), [ADVERTISEMENTS]: live({ items: [L2] }) };
const DRY_RUN_POD = 'create --dry-run=server -o name -f -';
const DAEMON_SETS = 'get daemonsets --all-namespaces -o json';
const NAMESPACED_KINDS = 'deployments,daemonsets,statefulsets,services,serviceaccounts,configmaps';

/** The answers of a cluster whose release `prometheus` in `namespace` consists of `objects` (none: no release yet). */
function releaseObjects(namespace: string, objects: readonly Manifest[] = []): Record<string, Answer> {
  const answers: Record<string, Answer> = {};
  for (const label of ['release', 'app.kubernetes.io/instance']) {
    const labelled = objects.filter((o) => (o.metadata.labels as Record<string, string> | undefined)?.[label] === 'prometheus');
    const inNamespace = labelled.filter((o) => o.metadata.namespace === namespace);
    answers[`get ${NAMESPACED_KINDS} --namespace ${namespace} --selector ${label}=prometheus -o json`] = live({ items: inNamespace });
  }
  return answers;
}

const ADMITTED = {
  [DRY_RUN_POD]: { status: 0, stdout: 'pod/x' }, [DAEMON_SETS]: live({ items: [] }), ...releaseObjects('default'), ...releaseObjects('monitoring'),
};
const DEFAULT_NAMESPACE = { 'get namespace default -o jsonpath={.status.phase}': { status: 0, stdout: 'Active' } };

function results(kubectl: Kubectl, folder = LAB) {
  return Object.fromEntries(runPreflight(kubectl, folder, ENV).map((result) => [result.name, result]));
}

describe('preflight', () => {
  test('an empty cluster with MetalLB: every check passes, and says what apply will create', () => {
    const found = results(fakeKubectl({
      ...METALLB, ...DEFAULT_NAMESPACE, ...ADMITTED, [`-n default get jobs -l app.kubernetes.io/part-of=prometheus-book -o json`]: live({ items: [] }),
    }));
    expect(Object.values(found).filter((result) => !result.ok)).toEqual([]);
    expect(found.helm.detail).toMatch(/^helm v3\.\d+\.\d+ at /);
    expect(found.PersistentVolume.detail).toBe('PersistentVolume prometheus-server does not exist yet; apply creates it');
    expect(found.Job.detail).toMatch(/^Job prometheus-server-nfs-prep-[0-9a-f]{8} does not exist yet; apply creates it and it runs$/);
  });

  test('a cluster that cannot be reached: one line naming the server and context kubectl used, and no other check', () => {
    const refused = [
      'E1206 19:20:01.000000   4242 memcache.go:265] couldn\'t get current server API group list: Get "https://192.168.1.10:6443/api?timeout=32s": dial tcp 192.168.1.10:6443: connect: connection refused',
      'The connection to the server 192.168.1.10:6443 was refused - did you specify the right host or port?',
    ].join('\n');
    const kubectl = fakeKubectl({
      'get --raw /version': { status: 1, stderr: refused },
      'config current-context': { status: 0, stdout: 'kubernetes-admin@kubernetes\n' },
      'config view --minify -o jsonpath={.clusters[0].cluster.server}': { status: 0, stdout: 'https://192.168.1.10:6443' },
    });
    expect(runPreflight(kubectl, LAB, ENV)).toEqual([{
      name: 'cluster', ok: false,
      detail: 'cannot reach the API server https://192.168.1.10:6443 of context kubernetes-admin@kubernetes: The connection to the server 192.168.1.10:6443 '
        + 'was refused - did you specify the right host or port?; check that the cluster is running and that this context is the cluster to install on (kubectl config get-contexts)',
    }]);
    expect(kubectl.calls.filter((call) => !call.startsWith('config '))).toEqual(['get --raw /version']);
  });

  test('no kubeconfig at all: one line that says so and where kubectl looks', () => {
    const kubectl = fakeKubectl({
      'get --raw /version': { status: 1, stderr: 'The connection to the server localhost:8080 was refused - did you specify the right host or port?' },
      'config current-context': { status: 1, stderr: 'error: current-context is not set' },
    });
    expect(runPreflight(kubectl, LAB, ENV)).toEqual([{
      name: 'cluster', ok: false,
      detail: 'cannot reach a cluster: kubectl has no current context (The connection to the server localhost:8080 was refused - did you specify the right host '
        + 'or port?); set KUBECONFIG to the cluster\'s kubeconfig, or copy it to ~/.kube/config',
    }]);
  });

  test('without MetalLB, a LoadBalancer install fails and names what to install; a NodePort install does not ask', () => {
    expect(results(fakeKubectl(DEFAULT_NAMESPACE)).metallb).toEqual({
      name: 'metallb', ok: false, detail: 'MetalLB not found (no CRD ipaddresspools.metallb.io): install MetalLB (https://metallb.universe.tf/installation/); '
        + 'without it the LoadBalancer Service default/prometheus-server would stay <pending>',
    });
    const kubectl = fakeKubectl({});
    expect(results(kubectl, STAGING).metallb).toBeUndefined();
    expect(kubectl.calls.some((call) => call.includes('metallb'))).toBe(false);
  });

  test('MetalLB with a pool and an L2Advertisement of it passes, naming both', () => {
    expect(results(fakeKubectl(METALLB)).metallb).toEqual({
      name: 'metallb', ok: true, detail: 'IPAddressPool metallb-system/first-pool (192.168.1.11-192.168.1.49) announced by L2Advertisement metallb-system/l2',
    });
    const namingIt = { ...L2, spec: { ipAddressPools: ['first-pool'] } };
    expect(results(fakeKubectl({ ...METALLB, [ADVERTISEMENTS]: live({ items: [namingIt] }) })).metallb.ok).toBe(true);
  });

  test('an advertisement that picks pools by labels announces the pool only when a selector matches its labels', () => {
    const labelled = { ...BOOK_POOL, metadata: { ...BOOK_POOL.metadata, labels: { lab: 'book', tier: 'lan' } } };
    const verdict = (...selectors: object[]): boolean => results(fakeKubectl({
      ...METALLB, [POOLS]: live({ items: [labelled] }), [ADVERTISEMENTS]: live({ items: [{ ...L2, spec: { ipAddressPoolSelectors: selectors } }] }),
    })).metallb.ok;
    expect(verdict({ matchLabels: { lab: 'book' } })).toBe(true);
    expect(verdict({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['wan', 'lan'] }, { key: 'spare', operator: 'DoesNotExist' }] })).toBe(true);
    expect(verdict({ matchLabels: { lab: 'other' } }, { matchExpressions: [{ key: 'lab', operator: 'Exists' }] })).toBe(true);
    expect(verdict({ matchLabels: { lab: 'other' } })).toBe(false);
    expect(verdict({ matchLabels: { lab: 'book' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['lan'] }] })).toBe(false);
    expect(verdict({ matchExpressions: [{ key: 'spare', operator: 'Exists' }] })).toBe(false);
  });

  test('MetalLB without a pool fails: the Service would stay <pending>; the book\'s range is named', () => {
    const found = results(fakeKubectl({ ...METALLB, [POOLS]: live({ items: [] }) })).metallb;
    expect(found).toEqual({
      name: 'metallb', ok: false, detail: 'MetalLB is installed but has no IPAddressPool: the LoadBalancer Service default/prometheus-server would stay <pending>; '
        + 'create one with the addresses it may hand out (the book\'s is 192.168.1.11-192.168.1.49) and an L2Advertisement of it',
    });
    const manual = { ...BOOK_POOL, spec: { ...BOOK_POOL.spec, autoAssign: false } };
    expect(results(fakeKubectl({ ...METALLB, [POOLS]: live({ items: [manual] }) })).metallb.detail)
      .toMatch(/^MetalLB is installed but has no IPAddressPool that hands out addresses \(metallb-system\/first-pool: autoAssign false or no addresses\)/);
  });

  test('a pool that no advertisement announces fails: the address would answer nowhere', () => {
    const other = { ...L2, spec: { ipAddressPools: ['another-pool'] } };
    const elsewhere = { ...L2, metadata: { ...L2.metadata, namespace: 'default' } };
    for (const advertisements of [[], [other], [elsewhere]]) {
      expect(results(fakeKubectl({ ...METALLB, [ADVERTISEMENTS]: live({ items: advertisements }) })).metallb).toEqual({
        name: 'metallb', ok: false, detail: 'no L2Advertisement or BGPAdvertisement announces IPAddressPool metallb-system/first-pool: the Service '
          + 'default/prometheus-server would get an address nothing answers on; create an L2Advertisement of it (the book\'s lab is layer 2)',
      });
    }
  });

  test('MetalLB before v0.13 (no CRDs) passes on its ConfigMap\'s address pools', () => {
    const legacy = { '-n metallb-system get configmap config -o jsonpath={.data.config}': { status: 0, stdout: 'address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - 192.168.1.11-192.168.1.49\n' } };
    expect(results(fakeKubectl(legacy)).metallb).toEqual({ name: 'metallb', ok: true, detail: 'ConfigMap metallb-system/config (MetalLB before v0.13) names address pools' });
  });

  test('a namespace the folder does not create must exist; one it creates may be missing; one being deleted fails', () => {
    expect(results(fakeKubectl(METALLB)).namespace).toEqual({ name: 'namespace', ok: false, detail: 'namespace default not found: create it (kubectl create namespace default)' });
    expect(results(fakeKubectl({}), STAGING).namespace.detail).toBe('namespace monitoring does not exist yet; the apply creates it first');
    const terminating = { 'get namespace monitoring -o jsonpath={.status.phase}': { status: 0, stdout: 'Terminating' } };
    expect(results(fakeKubectl(terminating), STAGING).namespace).toMatchObject({ ok: false, detail: expect.stringMatching(/^namespace monitoring is being deleted/) });
  });

  test('Pod Security: a namespace whose level rejects node-exporter\'s pods fails, naming the level, the reason and the label that admits them', () => {
    const rejected = {
      status: 1,
      stderr: 'Error from server (Forbidden): error when creating "STDIN": pods "prometheus-node-exporter-preflight" is forbidden: '
        + 'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true, hostPID=true), hostPort (container "prometheus-node-exporter" uses hostPort 9100)',
    };
    const inputs: string[] = [];
    const kubectl: Kubectl = {
      run(args, input) {
        if (args.join(' ') !== DRY_RUN_POD) return fakeKubectl({ ...METALLB, ...DEFAULT_NAMESPACE }).run(args);
        inputs.push(input ?? '');
        const pod = JSON.parse(input ?? '{}');
        return pod.spec.hostNetwork ? { ...rejected, stdout: '' } : { status: 0, stdout: 'pod/x', stderr: '' };
      },
    };
    const checks = runPreflight(kubectl, LAB, ENV).filter((result) => result.name === 'pod-security');
    expect(checks.map((check) => `${check.ok} ${/pods of (\w+ [\w-]+)/.exec(check.detail)?.[1]}`)).toEqual([
      expect.stringMatching(/^true Job prometheus-server-nfs-prep-[0-9a-f]{8}$/),
      'false DaemonSet prometheus-node-exporter', 'true Deployment prometheus-kube-state-metrics', 'true Deployment prometheus-server',
    ]);
    expect(checks.find((check) => !check.ok)!.detail).toBe([
      'namespace default enforces Pod Security "baseline", which rejects the pods of DaemonSet prometheus-node-exporter',
      '(host namespaces (hostNetwork=true, hostPID=true), hostPort (container "prometheus-node-exporter" uses hostPort 9100));',
      'docs/applying.md, "Pod Security", says why; allow it: kubectl label --overwrite namespace default pod-security.kubernetes.io/enforce=privileged',
    ].join(' '));
    // The probe is the workload's own pod, without the service account that may not exist yet.
    const probe = JSON.parse(inputs.find((input) => JSON.parse(input).spec.hostNetwork)!);
    expect(probe.metadata).toMatchObject({ name: 'prometheus-node-exporter-preflight', namespace: 'default' });
    expect(probe.spec.serviceAccountName).toBeUndefined();
    expect(probe.spec.hostPID).toBe(true);
  });

  test('Pod Security is not asked of a namespace the folder creates: the apply labels it first', () => {
    const kubectl = fakeKubectl({});
    results(kubectl, STAGING);
    expect(kubectl.calls.filter((call) => call === DRY_RUN_POD)).toEqual([]);
  });

  test('another install: a ClusterRoleBinding that binds another namespace\'s service accounts is named with its owner', () => {
    const binding = { ...LAB_OBJECTS.find((o) => o.kind === 'ClusterRoleBinding')! };
    const theirs = { ...binding, subjects: [{ kind: 'ServiceAccount', name: 'prometheus-server', namespace: 'monitoring' }] };
    const found = runPreflight(fakeKubectl({
      ...METALLB, ...DEFAULT_NAMESPACE, ...ADMITTED, [`get clusterrolebinding ${binding.metadata.name} -o json`]: live(theirs),
    }), LAB, ENV).filter((result) => result.name === 'shared cluster');
    expect(found.find((result) => !result.ok)?.detail)
      .toBe(`ClusterRoleBinding ${binding.metadata.name} belongs to the install in namespace monitoring; applying would take it over: give this install its own namespace`);
  });

  test('another install\'s node-exporter on the host port: named, with the setting that avoids a second one', () => {
    const nodeExporter = LAB_OBJECTS.find((o) => o.kind === 'DaemonSet')!;
    const theirs = { ...nodeExporter, metadata: { ...nodeExporter.metadata, namespace: 'monitoring' } };
    const kubectl = fakeKubectl({ ...METALLB, ...DEFAULT_NAMESPACE, ...ADMITTED, [DAEMON_SETS]: live({ items: [nodeExporter, theirs] }) });
    const found = runPreflight(kubectl, LAB, ENV).find((result) => result.name === 'host ports')!;
    expect(found).toEqual({
      name: 'host ports', ok: false,
      detail: 'DaemonSet monitoring/prometheus-node-exporter takes host port 9100 on every node, so the pods of DaemonSet prometheus-node-exporter '
        + 'would stay Pending; one node-exporter per node serves every Prometheus: set prometheus.nodeExporter: false for this environment',
    });
    // Its own DaemonSet, already applied, is not another install.
    const again = fakeKubectl({ ...METALLB, ...DEFAULT_NAMESPACE, ...ADMITTED, [DAEMON_SETS]: live({ items: [nodeExporter] }) });
    expect(runPreflight(again, LAB, ENV).find((result) => result.name === 'host ports')!.ok).toBe(true);
  });

  test('a live volume with another NFS path fails with the steps that work, in order, and keeps the data', () => {
    const volume = labVolume();
    volume.spec.nfs.path = '/nfs_shared/elsewhere';
    const found = results(fakeKubectl({ ...METALLB, ...DEFAULT_NAMESPACE, ...ADMITTED, 'get persistentvolume prometheus-server -o json': live(volume) }));
    expect(found.PersistentVolume.ok).toBe(false);
    expect(found.PersistentVolume.detail).toBe([
      'PersistentVolume prometheus-server exists with spec.nfs.path "/nfs_shared/elsewhere" (dist/ has "/nfs_shared/prometheus/server");',
      'apply cannot change that: 1) kubectl -n default scale deployment prometheus-server --replicas=0 2) kubectl -n default delete pvc prometheus-server',
      `3) kubectl delete pv prometheus-server (its Retain policy keeps the data on the NFS export) 4) kubectl apply -f ${LAB}`,
    ].join(' '));
  });

  test('a Released volume fails with the one patch that lets the new claim bind it', () => {
    const volume = { ...labVolume(), status: { phase: 'Released' } };
    const found = results(fakeKubectl({ ...METALLB, ...DEFAULT_NAMESPACE, 'get persistentvolume prometheus-server -o json': live(volume) }));
    expect(found.PersistentVolume).toMatchObject({ ok: false, detail: expect.stringContaining('is Released: its old claim was deleted') });
    expect(found.PersistentVolume.detail).toContain(`kubectl patch pv prometheus-server --type json -p '[{"op":"remove","path":"/spec/claimRef/uid"}`);
  });

  test('a Job of this config that ran before another config\'s Job fails with the delete that makes apply run it again', () => {
    const jobs = { items: [
      { metadata: { name: labJob().metadata.name, creationTimestamp: '2026-01-01T00:00:00Z' } },
      { metadata: { name: 'prometheus-server-nfs-prep-00000000', creationTimestamp: '2026-01-02T00:00:00Z' } },
    ] };
    const found = results(fakeKubectl({ ...METALLB, ...DEFAULT_NAMESPACE, '-n default get jobs -l app.kubernetes.io/part-of=prometheus-book -o json': live(jobs) }));
    expect(found.Job.ok).toBe(false);
    expect(found.Job.detail).toMatch(new RegExp(`delete it and apply runs it again: kubectl -n default delete job ${labJob().metadata.name}$`));
  });

  test('a cluster that answers its version but no question after it fails each check with kubectl\'s first line, never passes it', () => {
    const refused: Answer = { status: 1, stderr: 'The connection to the server 127.0.0.1:6443 was refused\nmore' };
    const version = REACHABLE['get --raw /version'];
    const kubectl: Kubectl = {
      run: (args) => (args.join(' ') === 'get --raw /version' ? { status: 0, stdout: version.stdout!, stderr: '' } : { status: refused.status, stdout: '', stderr: refused.stderr! }),
    };
    const found = results(kubectl);
    expect(found.namespace).toEqual({ name: 'namespace', ok: false, detail: 'cannot ask the cluster about namespace default: The connection to the server 127.0.0.1:6443 was refused' });
    expect(Object.values(found).filter((result) => result.name !== 'helm').every((result) => !result.ok)).toBe(true);
  });

  test('a folder without manifests is refused with what to run', () => {
    withTempDir('preflight', (dir) => {
      expect(() => runPreflight(fakeKubectl({}), dir, ENV)).toThrow(`${dir} holds no manifests: run \`npm run synth\` first`);
      fs.rmdirSync(dir);
      expect(() => runPreflight(fakeKubectl({}), dir, ENV)).toThrow(/holds no manifests/);
    });
  });

  describe('a release running from the other chart', () => {
    const HELM_RECORD = 'get secrets --namespace default --selector owner=helm,name=prometheus -o name';
    const upgradeResults = (installed: readonly Manifest[], folder: string, helmRecord = '') => results(fakeKubectl({
      ...METALLB, ...DEFAULT_NAMESPACE, ...ADMITTED, ...releaseObjects('default', installed),
      [DAEMON_SETS]: live({ items: installed.filter((o) => o.kind === 'DaemonSet') }),
      [HELM_RECORD]: { status: 0, stdout: helmRecord },
    }), folder);
    const upgrade = (installed: readonly Manifest[], folder: string) => upgradeResults(installed, folder).upgrade;

    test('the book\'s install switched to today\'s chart: names what apply cannot change, and the steps, server first, apply last', () => {
      const result = upgrade(LAB_OBJECTS, TODAY);
      expect(result.ok).toBe(false);
      expect(result.detail).toContain('release prometheus in namespace default runs another chart: apply cannot change ');
      expect(result.detail).toContain('Deployment prometheus-server has selector {"app":"prometheus","component":"server","release":"prometheus"}, '
        + 'the folder\'s is {"app.kubernetes.io/component":"server","app.kubernetes.io/instance":"prometheus","app.kubernetes.io/name":"prometheus"} (immutable)');
      expect(result.detail).toContain('Deployment prometheus-kube-state-metrics has selector {"app.kubernetes.io/name":"kube-state-metrics"}');
      expect(result.detail).toContain('DaemonSet prometheus-node-exporter is not in the folder');
      expect(result.steps).toEqual([
        'kubectl delete deployment prometheus-server --namespace default --cascade=foreground --wait=true',
        'kubectl delete daemonset prometheus-node-exporter --namespace default --cascade=foreground --wait=true',
        'kubectl delete deployment prometheus-kube-state-metrics --namespace default --cascade=foreground --wait=true',
        'kubectl delete service/prometheus-node-exporter serviceaccount/prometheus-node-exporter --namespace default',
        `kubectl apply -f ${TODAY}`,
      ]);
      expect(result.steps!.join('\n')).not.toMatch(/persistentvolume|pvc/i);
    });

    test('installed with the book\'s `helm install`: Helm removes the release, record and all, waiting for the old pods; then the apply', () => {
      const result = upgradeResults(LAB_OBJECTS, TODAY, 'secret/sh.helm.release.v1.prometheus.v1\n').upgrade;
      expect(result.ok).toBe(false);
      expect(result.steps).toEqual(['helm uninstall prometheus --namespace default --cascade=foreground --wait', `kubectl apply -f ${TODAY}`]);
    });

    test('the old node-exporter on host port 9100 is the upgrade\'s to remove, not another install\'s', () => {
      expect(upgradeResults(LAB_OBJECTS, TODAY)['host ports']).toMatchObject({ ok: true });
      const otherInstall = LAB_OBJECTS.filter((o) => o.kind === 'DaemonSet').map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'elsewhere' } }));
      expect(upgradeResults(otherInstall, TODAY)['host ports']).toMatchObject({ ok: false });
    });

    test('the lab\'s release in default is not the business of an install in another namespace (no step touches it)', () => {
      const found = results(fakeKubectl({ ...METALLB, ...ADMITTED, ...releaseObjects('default', LAB_OBJECTS) }), STAGING);
      expect(found.upgrade).toMatchObject({ ok: true, detail: 'no object of release prometheus in namespace monitoring yet' });
    });

    test('the same chart already installed: apply can change every live object', () => {
      expect(upgrade(LAB_OBJECTS, LAB)).toMatchObject({ ok: true, detail: 'release prometheus in namespace default: apply can change every live object' });
    });

    test('back from today\'s chart (Prometheus 3) to the book\'s (2.19) is refused: 2.19 cannot read the data 3 wrote', () => {
      const result = upgrade(readManifestFolder(TODAY), LAB);
      expect(result).toMatchObject({ ok: false, detail: expect.stringMatching(/^the running server is Prometheus 3\.14\.0, the folder's 2\.19\.0: .*opens only in 2\.55 or later/) });
      expect(result.steps).toBeUndefined();
    });
  });
});
