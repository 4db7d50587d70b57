import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findRemovedApiRule } from '../../lib/manifests/api-version-rules';
import { Manifest } from '../../lib/manifests/manifest';
import { CLUSTER_SCOPED_KINDS } from '../../lib/manifests/namespace-scoping';
import { SYNTH_NODE_ARGS } from '../../lib/app/synth-command';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { parseDocuments } from '../../lib/manifests/yaml';
import { readManifestFolder } from '../../lib/manifests/folder';
import { findHelm } from '../../lib/helm/helm-binary';
import { environmentNames, environmentOutdir } from '../../lib/config/loader';
import { BOOK_MIRROR, CDK8S_CLI, CHART_MIRROR_VALUE, cliEnvironment, findOne, prepareCliWorkdir, readTree, tempDir } from '../helpers';

/** Runs the real synth entry point (the esbuild bundle `npm run synth` runs) into `outdir`. */
function synth(outdir: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, SYNTH_NODE_ARGS, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CHART_MIRROR: CHART_MIRROR_VALUE, CDK8S_OUTDIR: outdir, ...env },
  });
}

const ENVIRONMENTS = environmentNames(path.join(PROJECT_ROOT, 'config', 'environments'));

/** Every environment's folder under `outdir` (dist/, dist-<name>/), keyed "<folder>/<file>". */
function readOutput(outdir: string): Record<string, string> {
  const output: Record<string, string> = {};
  for (const name of ENVIRONMENTS) {
    const folder = environmentOutdir(outdir, name);
    const key = environmentOutdir('dist', name);
    for (const [file, content] of Object.entries(readTree(folder))) output[`${key}/${file}`] = content;
  }
  return output;
}

const readObjects = readManifestFolder;

/**
 * The real helm behind a wrapper that logs each `helm template` it runs: its pid (the wrapper execs helm),
 * its arguments, and the values it was given on stdin, kept in a file named by the pid.
 */
function loggingHelm(dir: string): { helm: string; renders: () => Array<{ pid: number; render: string }> } {
  fs.mkdirSync(dir);
  const log = path.join(dir, 'renders');
  const helm = path.join(dir, 'helm');
  fs.writeFileSync(helm, `#!/bin/sh
[ "$1" = template ] || exec '${findHelm().path}' "$@"
cat > '${dir}'/$$.values
echo "$$ $*" >> '${log}'
exec '${findHelm().path}' "$@" < '${dir}'/$$.values
`, { mode: 0o755 });
  const renders = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []).map((line) => {
    const pid = Number(line.split(' ')[0]);
    return { pid, render: `${line.slice(line.indexOf(' ') + 1)} ${fs.readFileSync(path.join(dir, `${pid}.values`), 'utf8')}` };
  });
  return { helm, renders };
}

/** True while the process exists and is not a zombie. */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  return fs.existsSync(stat) && fs.readFileSync(stat, 'utf8').split(') ')[1][0] !== 'Z';
}

describe('synth', () => {
  const { dir, cleanup } = tempDir('synth');
  const outdir = path.join(dir, 'dist');
  // The committed config: what dist/ holds.
  let tree: Record<string, string> = {};
  let files: string[] = [];
  // The book's defaults (an empty lab.yaml) and a second environment, from files of this test's own, so
  // the assertions on values hold whatever the committed environment files say.
  const bookConfigDir = path.join(dir, 'book-config');
  const bookOutdir = path.join(dir, 'book');
  let objects: Manifest[] = [];
  let other: Manifest[] = [];

  beforeAll(() => {
    const result = synth(outdir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    tree = readOutput(outdir);
    files = fs.readdirSync(outdir).sort();

    fs.mkdirSync(bookConfigDir);
    fs.writeFileSync(path.join(bookConfigDir, 'lab.yaml'), '');
    fs.writeFileSync(path.join(bookConfigDir, 'other.yaml'), [
      'namespace: monitoring',
      'nfs: {server: nfs.other.internal, exportRoot: /exports, dataPath: /exports/monitoring/prometheus}',
      'storage: {volumeName: other-prometheus-server, size: 50Gi}',
      'prometheus: {serviceType: NodePort}', '',
    ].join('\n'));
    const book = synth(bookOutdir, { SYNTH_CONFIG_DIR: bookConfigDir });
    expect(book.stderr).toBe('');
    objects = readObjects(bookOutdir);
    other = readObjects(`${bookOutdir}-other`);
  });
  afterAll(cleanup);

  test('writes the default environment to dist/ itself, which kubectl apply -f dist/ reads in apply order', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((file) => /^\d{4}-.*\.k8s\.yaml$/.test(file))).toBe(true);
    const fileOf = (kind: string) => files.findIndex((file) => parseDocuments(tree[`dist/${file}`]).some((doc) => (doc.value as Manifest).kind === kind));
    expect(fileOf('PersistentVolumeClaim')).toBeLessThan(fileOf('Job'));
    expect(fileOf('Job')).toBeLessThan(fileOf('Deployment'));
  });

  test('writes every other environment beside dist/, never inside it', () => {
    for (const name of ENVIRONMENTS.filter((environment) => environment !== 'lab')) {
      expect(fs.readdirSync(environmentOutdir(outdir, name)).length).toBeGreaterThan(0);
      expect(fs.existsSync(path.join(outdir, name))).toBe(false);
    }
    expect(fs.readdirSync(outdir).every((entry) => fs.statSync(path.join(outdir, entry)).isFile())).toBe(true);
  });

  test('installs the book\'s parts and nothing else: storage, the prep Job, server, node-exporter, kube-state-metrics', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of ['PersistentVolume', 'PersistentVolumeClaim', 'Job', 'Deployment', 'DaemonSet', 'Service', 'ConfigMap']) {
      expect(kinds).toContain(kind);
    }
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name).sort())
      .toEqual(['prometheus-kube-state-metrics', 'prometheus-server']);
    expect(objects.filter((o) => o.kind === 'Namespace')).toEqual([]);
  });

  test('matches the snapshot of the whole dist/', () => {
    expect(tree).toMatchSnapshot();
  });

  test('the committed dist/ and dist-*/ are what this commit synthesizes', () => {
    expect(readOutput(path.join(PROJECT_ROOT, 'dist'))).toEqual(tree);
  });

  test('renders each environment\'s chart once with a cold render cache and not at all with a warm one, and leaves no helm running', () => {
    const { helm, renders } = loggingHelm(path.join(dir, 'logging-helm'));
    const env = { HELM_BIN: helm, RENDER_CACHE_DIR: path.join(dir, 'counted-renders') };
    const cold = synth(path.join(dir, 'counted', 'dist'), env);
    expect({ status: cold.status, stderr: cold.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readOutput(path.join(dir, 'counted', 'dist'))).toEqual(tree);
    const runs = renders();
    // Each environment has one release of the chart, rendered with values of its own.
    expect(new Set(runs.map((run) => run.render)).size).toBe(ENVIRONMENTS.length);
    expect(runs).toHaveLength(ENVIRONMENTS.length);
    expect(runs.filter((run) => running(run.pid))).toEqual([]);

    const warm = synth(path.join(dir, 'counted', 'dist'), env);
    expect({ status: warm.status, stderr: warm.stderr }).toEqual({ status: 0, stderr: '' });
    expect(renders()).toHaveLength(ENVIRONMENTS.length);
    expect(readOutput(path.join(dir, 'counted', 'dist'))).toEqual(tree);
  });

  describe('entry points', () => {
    /** `cdk8s synth [args]` run in `workdir` as a user runs it in the project, its scratch folder `<workdir>/cli-output`. */
    function cliSynth(workdir: string, args: string[] = [], env: Record<string, string> = {}) {
      prepareCliWorkdir(workdir, path.join(workdir, 'cli-output'));
      return spawnSync(process.execPath, [CDK8S_CLI, 'synth', ...args], { cwd: workdir, encoding: 'utf8', env: cliEnvironment({ CHART_MIRROR: CHART_MIRROR_VALUE, ...env }) });
    }

    test('npx cdk8s synth writes dist/ and dist-<name>/ in its working folder, and lists each file it wrote', () => {
      const workdir = path.join(dir, 'cli');
      const result = cliSynth(workdir);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      expect(readOutput(path.join(workdir, 'dist'))).toEqual(tree);
      const listed = result.stdout.split('\n').filter((line) => line.startsWith('  - ')).map((line) => line.slice(4));
      expect(listed.map((file) => path.relative(path.join(workdir, 'cli-output'), file)).sort()).toEqual(Object.keys(tree).sort());
      for (const file of listed) expect(fs.realpathSync(file)).toBe(path.join(workdir, path.relative(path.join(workdir, 'cli-output'), file)));
    });

    test('construct metadata follows the CLI\'s CDK8S_RECORD_CONSTRUCT_METADATA: in the CLI\'s folder, never in dist/', () => {
      const workdir = path.join(dir, 'cli-metadata');
      expect(cliSynth(workdir, [], { CDK8S_RECORD_CONSTRUCT_METADATA: 'true' }).status).toBe(0);
      expect(readOutput(path.join(workdir, 'dist'))).toEqual(tree);
      const metadata = JSON.parse(fs.readFileSync(path.join(workdir, 'cli-output', 'construct-metadata.json'), 'utf8'));
      expect(metadata.resources['prometheus-server']).toEqual({ path: expect.stringMatching(/^prometheus\//) });
      expect(metadata.resources[findOne(objects, 'Job').metadata.name]).toEqual({ path: 'nfs-directory-prep/NfsDirectoryJob/Job' });
    });

    test('npx cdk8s synth --stdout prints the lab as one stream and writes no folder', () => {
      const workdir = path.join(dir, 'cli-stdout');
      const result = cliSynth(workdir, ['--stdout']);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      expect(parseDocuments(result.stdout).map((document) => document.value)).toEqual(readObjects(outdir));
      expect(fs.readdirSync(workdir).sort()).toEqual(['cdk8s.yaml']);
    });

    test('npx cdk8s synth -o DIR writes DIR for the lab and DIR-<name> for the others', () => {
      const workdir = path.join(dir, 'cli-o');
      const result = cliSynth(workdir, ['-o', 'out']);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      expect(readOutput(path.join(workdir, 'out'))).toEqual(tree);
      expect(fs.existsSync(path.join(workdir, 'dist'))).toBe(false);
    });

    test('six npm run synth at once, each rebuilding the bundle, all succeed', async () => {
      const command = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts.synth as string;
      const target = path.join(dir, 'six', 'dist');
      const runs = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
        const child = spawn('sh', ['-c', command], { cwd: PROJECT_ROOT, env: { ...process.env, CHART_MIRROR: CHART_MIRROR_VALUE, CDK8S_OUTDIR: target } });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
        child.once('close', (status) => resolve(`${status} ${stderr}`));
      })));
      expect(runs).toEqual(Array(6).fill('0 '));
      expect(readOutput(target)).toEqual(tree);
    });
  });

  test('the same commit gives the same bytes', () => {
    const again = path.join(dir, 'again');
    expect(synth(again).status).toBe(0);
    expect(readOutput(again)).toEqual(tree);
  });

  describe('Prometheus server', () => {
    const server = () => findOne(objects, 'Deployment', 'prometheus-server') as any;
    const container = () => server().spec.template.spec.containers.find((c: any) => c.name === 'prometheus-server');

    test('keeps the book\'s no-lockfile and the chart\'s lifecycle flag the reload sidecar needs', () => {
      expect(container().args).toEqual(expect.arrayContaining(['--storage.tsdb.no-lockfile', '--web.enable-lifecycle']));
      const reloader = server().spec.template.spec.containers.find((c: any) => c.name.endsWith('configmap-reload'));
      expect(reloader.args).toContain('--webhook-url=http://127.0.0.1:9090/-/reload');
    });

    test('runs as 1000:1000, not root', () => {
      expect(server().spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true });
    });

    test('stores data on the claim prometheus-server', () => {
      const storage = server().spec.template.spec.volumes.find((v: any) => v.name === 'storage-volume');
      expect(storage.persistentVolumeClaim.claimName).toBe('prometheus-server');
      expect(findOne(objects, 'PersistentVolumeClaim').metadata.name).toBe('prometheus-server');
    });

    test('never runs two servers on one TSDB: Recreate, not RollingUpdate', () => {
      expect(server().spec.strategy).toEqual({ type: 'Recreate' });
    });

    test('is reachable through a LoadBalancer Service (MetalLB)', () => {
      expect((findOne(objects, 'Service', 'prometheus-server') as any).spec.type).toBe('LoadBalancer');
    });
  });

  describe('hardening', () => {
    const workloads = () => objects.filter((o) => ['Deployment', 'DaemonSet', 'Job'].includes(o.kind)) as any[];
    const containers = () => workloads().flatMap((w) => w.spec.template.spec.containers.map((c: any) => ({ owner: w.metadata.name, ...c })));

    test('every container requests CPU, memory and ephemeral storage, and has limits', () => {
      for (const container of containers()) {
        for (const kind of ['requests', 'limits']) {
          expect(`${container.name} ${kind} ${Object.keys(container.resources?.[kind] ?? {}).sort()}`).toBe(`${container.name} ${kind} cpu,ephemeral-storage,memory`);
        }
      }
    });

    test('the server gets the lab\'s sizing: 200m/1 CPU, 512Mi/1Gi', () => {
      const server = containers().find((c) => c.name === 'prometheus-server');
      expect(server.resources).toEqual({
        requests: { 'cpu': '200m', 'memory': '512Mi', 'ephemeral-storage': '16Mi' },
        limits: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '256Mi' },
      });
    });

    test('every container: no escalation, no capabilities, read-only root; every pod: RuntimeDefault seccomp', () => {
      for (const container of containers()) {
        expect({ name: container.name, ...container.securityContext }).toMatchObject({
          name: container.name, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
        });
      }
      for (const workload of workloads()) {
        expect(`${workload.metadata.name} ${workload.spec.template.spec.securityContext.seccompProfile.type}`).toBe(`${workload.metadata.name} RuntimeDefault`);
      }
    });

    test('node-exporter runs as nobody, with probes on its metrics port and no API token', () => {
      const nodeExporter = findOne(objects, 'DaemonSet') as any;
      const pod = nodeExporter.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.containers[0].readinessProbe.httpGet.port).toBe('metrics');
      expect(pod.containers[0].livenessProbe.tcpSocket.port).toBe('metrics');
    });

    test('the reload sidecar runs as nobody, not as the data directory\'s owner', () => {
      expect(containers().find((c) => c.name.endsWith('configmap-reload')).securityContext).toMatchObject({ runAsUser: 65534, runAsNonRoot: true });
    });

    test('the lifecycle API is reachable only from the lab network and from inside the cluster', () => {
      expect((findOne(objects, 'Service', 'prometheus-server') as any).spec.loadBalancerSourceRanges).toEqual(['192.168.1.0/24']);
      const policy = findOne(objects, 'NetworkPolicy', 'prometheus-server') as any;
      const serverLabels = (findOne(objects, 'Deployment', 'prometheus-server') as any).spec.template.metadata.labels;
      expect(serverLabels).toMatchObject(policy.spec.podSelector.matchLabels);
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      expect(policy.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '192.168.1.0/24' } }, { namespaceSelector: {} }], ports: [{ port: 9090, protocol: 'TCP' }] }]);
    });

    test('the prep Job may neither receive nor open a connection', () => {
      const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'prometheus-server-nfs-prep') as any;
      const jobLabels = (findOne(objects, 'Job') as any).spec.template.metadata.labels;
      expect(jobLabels).toMatchObject(policy.spec.podSelector.matchLabels);
      expect(policy.spec).toEqual({ podSelector: policy.spec.podSelector, policyTypes: ['Ingress', 'Egress'] });
    });

    test('a NodePort Service carries no LoadBalancer source ranges (the API refuses them there)', () => {
      expect((findOne(other, 'Service', 'prometheus-server') as any).spec.loadBalancerSourceRanges).toBeUndefined();
    });
  });

  test('has no pushgateway and no alertmanager', () => {
    const names = objects.map((o) => o.metadata.name).join(' ');
    expect(names).not.toMatch(/pushgateway|alertmanager/);
  });

  test('node-exporter tolerates the control-plane taint of a 1.27 cluster, control-plane', () => {
    const daemonSet = findOne(objects, 'DaemonSet', 'prometheus-node-exporter') as any;
    expect(daemonSet.spec.template.spec.tolerations).toEqual([{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('kube-state-metrics does not watch APIs that 1.27 removed', () => {
    const ksm = findOne(objects, 'Deployment', 'prometheus-kube-state-metrics') as any;
    const args: string[] = ksm.spec.template.spec.containers[0].args;
    for (const retired of ['cronjobs', 'poddisruptionbudgets', 'horizontalpodautoscalers', 'ingresses', 'certificatesigningrequests']) {
      expect(args).not.toContain(`--collectors=${retired}`);
    }
    expect(args).toContain('--collectors=pods');
  });

  test('kube-state-metrics may not read Secrets', () => {
    const role = findOne(objects, 'ClusterRole', 'prometheus-kube-state-metrics') as any;
    const resources = role.rules.flatMap((rule: any) => rule.resources);
    expect(resources).not.toContain('secrets');
    expect(resources).toContain('pods');
  });

  test('uses no apiVersion that 1.27 no longer serves', () => {
    const removed = objects.filter((object) => findRemovedApiRule(object, 27)).map((o) => `${o.kind}/${o.metadata.name} ${o.apiVersion}`);
    expect(removed).toEqual([]);
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
      expect(objects.filter((o) => o.kind === kind).map((o) => o.apiVersion)).toEqual(['rbac.authorization.k8s.io/v1', 'rbac.authorization.k8s.io/v1']);
    }
  });

  test('every namespaced object names the namespace; cluster-scoped ones do not', () => {
    for (const object of objects) {
      const expected = CLUSTER_SCOPED_KINDS.has(object.kind) ? undefined : 'default';
      expect(`${object.kind}/${object.metadata.name} ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name} ${expected}`);
    }
    for (const binding of objects.filter((o) => o.kind === 'ClusterRoleBinding') as any[]) {
      expect(binding.subjects.every((s: any) => s.namespace === 'default')).toBe(true);
    }
  });

  test('another environment has its own NFS server, namespace and Service type, and creates its namespace first', () => {
    expect(other).toHaveLength(objects.length + 1);
    expect(other[0]).toEqual({
      apiVersion: 'v1', kind: 'Namespace',
      metadata: {
        name: 'monitoring',
        labels: { 'app.kubernetes.io/part-of': 'prometheus-book', 'pod-security.kubernetes.io/enforce': 'privileged' },
        annotations: { 'argocd.argoproj.io/sync-wave': '-3' },
      },
    });
    const volume = findOne(other, 'PersistentVolume') as any;
    expect(volume.metadata.name).toBe('other-prometheus-server');
    expect(volume.spec.nfs).toEqual({ server: 'nfs.other.internal', path: '/exports/monitoring/prometheus' });
    expect(volume.spec.capacity.storage).toBe('50Gi');
    expect((findOne(other, 'PersistentVolumeClaim') as any).spec.volumeName).toBe('other-prometheus-server');
    const job = findOne(other, 'Job') as any;
    expect(job.spec.template.spec.volumes[0].nfs).toEqual({ server: 'nfs.other.internal', path: '/exports' });
    expect(job.spec.template.spec.containers[0].env[0]).toEqual({ name: 'DATA_DIR', value: '/export/monitoring/prometheus' });
    expect((findOne(other, 'Service', 'prometheus-server') as any).spec.type).toBe('NodePort');
    for (const object of other.filter((o) => !CLUSTER_SCOPED_KINDS.has(o.kind))) {
      expect(`${object.kind}/${object.metadata.name} ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name} monitoring`);
    }
  });

  test('no object appears twice', () => {
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('SYNTH_ENVIRONMENTS limits a run and leaves the other environments\' folders as they were', () => {
    const limited = path.join(dir, 'limited');
    expect(synth(limited).status).toBe(0);
    const before = readOutput(limited);
    const result = synth(limited, { SYNTH_ENVIRONMENTS: 'lab', BOOK_OWNER_UID: '1001' });
    expect(result.stderr).toBe('');
    const after = readOutput(limited);
    const changed = Object.keys(after).filter((file) => after[file] !== before[file]);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((file) => file.startsWith('dist/'))).toBe(true);
  });

  test('a uid change gives the prep Job a new name, so apply creates a Job instead of editing an immutable one', () => {
    const changed = path.join(dir, 'uid-changed');
    expect(synth(changed, { SYNTH_CONFIG_DIR: bookConfigDir, BOOK_OWNER_UID: '1001' }).status).toBe(0);
    const before = findOne(objects, 'Job').metadata.name;
    const after = findOne(readObjects(changed), 'Job').metadata.name;
    expect(before).toMatch(/^prometheus-server-nfs-prep-[0-9a-f]{8}$/);
    expect(after).toMatch(/^prometheus-server-nfs-prep-[0-9a-f]{8}$/);
    expect(after).not.toBe(before);
  });

  test('a hostile NFS server value fails with one line, runs nothing and leaves dist/ as it was', () => {
    const marker = path.join(dir, 'x');
    const result = synth(outdir, { BOOK_NFS_SERVER: `999.1.1.1;touch ${marker}` });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`synth: error: BOOK_NFS_SERVER (nfs.server): "999.1.1.1;touch ${marker}" is invalid: expected an IPv4 address or a DNS-1123 host name\n`);
    expect(fs.existsSync(marker)).toBe(false);
    expect(readOutput(outdir)).toEqual(tree);
    expect(fs.readdirSync(dir).filter((entry) => entry.startsWith('.dist-new-'))).toEqual([]);
  });

  test('a failure after validation (tampered chart) fails with one line and leaves dist/ as it was', () => {
    const cacheDir = path.join(dir, 'tampered-cache');
    fs.mkdirSync(path.join(cacheDir, 'edu'), { recursive: true });
    const bytes = fs.readFileSync(path.join(BOOK_MIRROR, 'prometheus-11.6.0.tgz'));
    bytes[100] ^= 0xff;
    fs.writeFileSync(path.join(cacheDir, 'edu', 'prometheus-11.6.0.tgz'), bytes);
    const result = synth(outdir, { CHART_CACHE_DIR: cacheDir });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^synth: error: chart edu\/prometheus 11\.6\.0: .*prometheus-11\.6\.0\.tgz is not a chart archive .* refusing to render it .*\n$/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readOutput(outdir)).toEqual(tree);
    expect(fs.readdirSync(dir).filter((entry) => entry.startsWith('.dist-new-'))).toEqual([]);
  });
});
