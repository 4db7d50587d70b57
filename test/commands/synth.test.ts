import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findRemovedApiRule } from '../../lib/manifests/api-version-rules';
import { Manifest } from '../../lib/manifests/manifest';
import { CLUSTER_SCOPED_KINDS } from '../../lib/manifests/namespace-scoping';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { parseDocuments } from '../../lib/manifests/yaml';
import { findOne, MIRROR_DIR, readTree, tempDir } from '../helpers';

/** Runs the real synth entry point (the esbuild bundle `npm run synth` runs) into `outdir`. */
function synth(outdir: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'build', 'synth.js')], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CHART_MIRROR: MIRROR_DIR, CDK8S_OUTDIR: outdir, ...env },
  });
}

function labOnly(tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).filter(([file]) => file.startsWith('lab/')));
}

function parseTree(tree: Record<string, string>): Manifest[] {
  return Object.keys(tree).sort().flatMap((file) => parseDocuments(tree[file]).map((doc) => doc.value as Manifest));
}

describe('synth', () => {
  const { dir, cleanup } = tempDir('synth');
  const outdir = path.join(dir, 'dist');
  // The first synth compiles the bundles and fills this code cache; later ones run from it.
  const codeCacheDir = path.join(dir, 'code-cache');
  let tree: Record<string, string> = {};
  let objects: Manifest[] = [];

  beforeAll(() => {
    const build = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build.mjs'), 'synth'], { encoding: 'utf8' });
    expect(build.stderr).toBe('');
    const result = synth(outdir, { CODE_CACHE_DIR: codeCacheDir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    tree = readTree(outdir);
    objects = parseTree(labOnly(tree));
  });
  afterAll(cleanup);

  test('writes the whole install per environment, storage first, in file order', () => {
    expect(Object.keys(tree)).toEqual([
      'lab/0000-storage.k8s.yaml',
      'lab/0001-nfs-directory-prep.k8s.yaml',
      'lab/0002-prometheus.k8s.yaml',
      'staging/0000-storage.k8s.yaml',
      'staging/0001-nfs-directory-prep.k8s.yaml',
      'staging/0002-prometheus.k8s.yaml',
    ]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'PersistentVolume/prometheus-server',
      'PersistentVolumeClaim/prometheus-server',
      'Job/prometheus-server-nfs-prep',
      'ServiceAccount/prometheus-kube-state-metrics',
      'ServiceAccount/prometheus-node-exporter',
      'ServiceAccount/prometheus-server',
      'ConfigMap/prometheus-server',
      'ClusterRole/prometheus-kube-state-metrics',
      'ClusterRole/prometheus-server',
      'ClusterRoleBinding/prometheus-kube-state-metrics',
      'ClusterRoleBinding/prometheus-server',
      'Service/prometheus-kube-state-metrics',
      'Service/prometheus-node-exporter',
      'Service/prometheus-server',
      'DaemonSet/prometheus-node-exporter',
      'Deployment/prometheus-kube-state-metrics',
      'Deployment/prometheus-server',
    ]);
  });

  test('matches the snapshot of the whole dist/', () => {
    expect(tree).toMatchSnapshot();
  });

  test('the committed dist/ is what this commit synthesizes', () => {
    expect(readTree(path.join(PROJECT_ROOT, 'dist'))).toEqual(tree);
  });

  test('the same commit gives the same bytes', () => {
    const again = path.join(dir, 'again');
    expect(synth(again, { CODE_CACHE_DIR: codeCacheDir }).status).toBe(0);
    expect(readTree(again)).toEqual(tree);
  });

  test('the code cache changes nothing but speed: the same bytes without it and with a damaged one', () => {
    const cacheFiles = fs.readdirSync(codeCacheDir).sort();
    expect(cacheFiles).toEqual([expect.stringMatching(/^synth-app-[0-9a-f]{24}\.bin$/)]);
    const withoutCache = path.join(dir, 'without-code-cache');
    expect(synth(withoutCache, { CODE_CACHE_DIR: 'off' }).status).toBe(0);
    expect(readTree(withoutCache)).toEqual(tree);

    for (const name of cacheFiles) {
      const file = path.join(codeCacheDir, name);
      const bytes = fs.readFileSync(file);
      bytes[bytes.length >> 1] ^= 0xff;
      fs.writeFileSync(file, bytes);
    }
    const withDamagedCache = path.join(dir, 'damaged-code-cache');
    const result = synth(withDamagedCache, { CODE_CACHE_DIR: codeCacheDir });
    expect(result.stderr).toBe('');
    expect(readTree(withDamagedCache)).toEqual(tree);
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
      expect(server().spec.template.spec.securityContext).toEqual({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true });
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

  test('has no pushgateway and no alertmanager', () => {
    const names = objects.map((o) => o.metadata.name).join(' ');
    expect(names).not.toMatch(/pushgateway|alertmanager/);
  });

  test('node-exporter tolerates the control-plane taint under both names', () => {
    const daemonSet = findOne(objects, 'DaemonSet', 'prometheus-node-exporter') as any;
    expect(daemonSet.spec.template.spec.tolerations).toEqual([
      { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
    ]);
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

  test('the staging environment has its own NFS server, namespace and Service type', () => {
    const staging = parseTree(Object.fromEntries(Object.entries(tree).filter(([file]) => file.startsWith('staging/'))));
    expect(staging).toHaveLength(objects.length);
    const volume = findOne(staging, 'PersistentVolume') as any;
    expect(volume.metadata.name).toBe('staging-prometheus-server');
    expect(volume.spec.nfs).toEqual({ server: 'nfs.staging.internal', path: '/exports/monitoring/prometheus' });
    expect(volume.spec.capacity.storage).toBe('50Gi');
    expect((findOne(staging, 'PersistentVolumeClaim') as any).spec.volumeName).toBe('staging-prometheus-server');
    const job = findOne(staging, 'Job') as any;
    expect(job.spec.template.spec.volumes[0].nfs).toEqual({ server: 'nfs.staging.internal', path: '/exports' });
    expect(job.spec.template.spec.containers[0].env[0]).toEqual({ name: 'DATA_DIR', value: '/export/monitoring/prometheus' });
    expect((findOne(staging, 'Service', 'prometheus-server') as any).spec.type).toBe('NodePort');
    for (const object of staging.filter((o) => !CLUSTER_SCOPED_KINDS.has(o.kind))) {
      expect(`${object.kind}/${object.metadata.name} ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name} monitoring`);
    }
  });

  test('no object appears twice', () => {
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('a hostile NFS server value fails with one line, runs nothing and leaves dist/ as it was', () => {
    const marker = path.join(dir, 'x');
    const result = synth(outdir, { BOOK_NFS_SERVER: `999.1.1.1;touch ${marker}` });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`synth: error: BOOK_NFS_SERVER (nfs.server): "999.1.1.1;touch ${marker}" is invalid: expected an IPv4 address or a DNS-1123 host name\n`);
    expect(fs.existsSync(marker)).toBe(false);
    expect(readTree(outdir)).toEqual(tree);
    expect(fs.readdirSync(dir).filter((entry) => entry.startsWith('.dist-new-'))).toEqual([]);
  });

  test('a failure after validation (tampered chart) fails with one line and leaves dist/ as it was', () => {
    const cacheDir = path.join(dir, 'tampered-cache');
    fs.mkdirSync(cacheDir);
    const bytes = fs.readFileSync(path.join(MIRROR_DIR, 'prometheus-11.6.0.tgz'));
    bytes[100] ^= 0xff;
    fs.writeFileSync(path.join(cacheDir, 'prometheus-11.6.0.tgz'), bytes);
    const result = synth(outdir, { CHART_CACHE_DIR: cacheDir });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^synth: error: chart prometheus 11\.6\.0: .* refusing to render it .*\n$/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readTree(outdir)).toEqual(tree);
    expect(fs.readdirSync(dir).filter((entry) => entry.startsWith('.dist-new-'))).toEqual([]);
  });
});
