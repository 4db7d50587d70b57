import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../lib/support/errors';
import { HelmChart } from '../../lib/constructs/helm-chart';
import { ensureChart, fileDigest } from '../../lib/helm/chart-archive';
import { readChartLock } from '../../lib/helm/chart-lock';
import { HelmRenderer } from '../../lib/helm/renderer';
import { findHelm } from '../../lib/helm/helm-binary';
import { PROMETHEUS_VALUE_HINTS } from '../../lib/prometheus/values';
import { MIRROR_DIR, newChart, synthObjects, tempDir, withTempDir } from '../helpers';

const helm = findHelm();
const lock = readChartLock('prometheus');
const NO_EXTRAS = { pushgateway: { enabled: false }, alertmanager: { enabled: false } };

/** Starts test/fixtures/static-server.js on 127.0.0.1 and resolves with its URL. */
function serveDirectory(dir: string): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [path.join(__dirname, '..', 'fixtures', 'static-server.js'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.stdout!.once('data', (chunk: Buffer) => resolve({ url: `http://127.0.0.1:${chunk.toString().trim()}`, server }));
  });
}

/** A chart of our own, packaged by real helm, with a lock entry pointing at it. */
function packageChart(dir: string, templates: Record<string, string>): { lockFile: string; cacheDir: string } {
  const source = path.join(dir, 'demo');
  fs.mkdirSync(path.join(source, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(source, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
  for (const [file, content] of Object.entries(templates)) {
    fs.mkdirSync(path.dirname(path.join(source, file)), { recursive: true });
    fs.writeFileSync(path.join(source, file), content);
  }
  const cacheDir = path.join(dir, 'cache');
  fs.mkdirSync(cacheDir);
  const packaged = spawnSync(helm.path, ['package', source, '--destination', cacheDir], { encoding: 'utf8' });
  expect(packaged.status).toBe(0);
  const lockFile = path.join(dir, 'charts.lock.yaml');
  const digest = fileDigest(path.join(cacheDir, 'demo-0.1.0.tgz'));
  fs.writeFileSync(lockFile, `charts:\n  demo:\n    repository: https://example.invalid/charts\n    version: 0.1.0\n    digest: ${digest}\n`);
  return { lockFile, cacheDir };
}

describe('HelmChart', () => {
  test('pulls the pinned chart over HTTP with helm pull --repo, and verifies it', async () => {
    const { dir, cleanup } = tempDir('pull');
    const { url, server } = await serveDirectory(MIRROR_DIR);
    try {
      const archive = ensureChart(lock, { helm, mirror: url, cacheDir: dir });
      expect(fileDigest(archive)).toBe('sha256:bf6a9517094b528d7671957a1c825cbf2d0fef6a9ad9f543d5a39986e7099058');
      expect(fs.readdirSync(dir)).toEqual(['prometheus-11.6.0.tgz']);
    } finally {
      server.kill('SIGTERM');
      cleanup();
    }
  });

  test('copies the pinned chart from a directory mirror', () => {
    withTempDir('pull', (dir) => {
      expect(fileDigest(ensureChart(lock, { helm, mirror: MIRROR_DIR, cacheDir: dir }))).toBe(lock.digest);
    });
  });

  /** A lock for the book's chart with the given repository and localMirrors, in `dir`. */
  function writeLock(dir: string, repository: string, localMirrors: string[]): string {
    const file = path.join(dir, 'charts.lock.yaml');
    const mirrors = localMirrors.map((mirror) => `  - ${mirror}\n`).join('');
    fs.writeFileSync(file, `charts:\n  prometheus:\n    repository: ${repository}\n    version: 11.6.0\n    digest: ${lock.digest}\nlocalMirrors:\n${mirrors}`);
    return file;
  }

  /** Runs `body` with CHART_MIRROR unset, as on a machine that has not set it. */
  function withoutMirrorVariable<T>(body: () => T): T {
    const saved = process.env.CHART_MIRROR;
    delete process.env.CHART_MIRROR;
    try {
      return body();
    } finally {
      if (saved !== undefined) process.env.CHART_MIRROR = saved;
    }
  }

  test('without CHART_MIRROR, uses the first local mirror of the lock that exists', () => {
    withTempDir('local-mirror', (dir) => {
      const lockFile = writeLock(dir, 'https://unreachable.invalid/charts', ['./no-such-mirror', MIRROR_DIR]);
      const archive = withoutMirrorVariable(() => ensureChart(readChartLock('prometheus', lockFile), { helm, cacheDir: path.join(dir, 'cache') }));
      expect(fileDigest(archive)).toBe(lock.digest);
    });
  });

  test('without CHART_MIRROR and without a local mirror, pulls from the repository', async () => {
    const { dir, cleanup } = tempDir('repository');
    const { url, server } = await serveDirectory(MIRROR_DIR);
    try {
      const lockFile = writeLock(dir, url, ['./no-such-mirror']);
      const archive = withoutMirrorVariable(() => ensureChart(readChartLock('prometheus', lockFile), { helm, cacheDir: path.join(dir, 'cache') }));
      expect(fileDigest(archive)).toBe(lock.digest);
    } finally {
      server.kill('SIGTERM');
      cleanup();
    }
  });

  test('refuses a tampered archive, and renders nothing', () => {
    withTempDir('tampered', (dir) => {
      const archive = path.join(dir, 'prometheus-11.6.0.tgz');
      const bytes = fs.readFileSync(path.join(MIRROR_DIR, 'prometheus-11.6.0.tgz'));
      bytes[bytes.length - 1] ^= 0xff;
      fs.writeFileSync(archive, bytes);
      const { chart } = newChart();
      let message = '';
      try {
        new HelmChart(chart, 'Prometheus', { chart: 'prometheus', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, chartCacheDir: dir }), values: NO_EXTRAS });
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/^chart prometheus 11\.6\.0: .*prometheus-11\.6\.0\.tgz has digest sha256:[a-f0-9]{64}, but charts\.lock\.yaml pins sha256:bf6a9517.*; refusing to render it/);
      expect(synthObjects(chart)).toEqual([]);
    });
  });

  test('a mirror that serves different bytes is refused before anything is cached', () => {
    withTempDir('mirror', (dir) => {
      const mirror = path.join(dir, 'mirror');
      fs.mkdirSync(mirror);
      fs.copyFileSync(path.join(MIRROR_DIR, 'index.yaml'), path.join(mirror, 'index.yaml'));
      fs.writeFileSync(path.join(mirror, 'prometheus-11.6.0.tgz'), 'not the chart');
      const cacheDir = path.join(dir, 'cache');
      expect(() => ensureChart(lock, { helm, mirror, cacheDir })).toThrow('refusing to render it');
      expect(fs.readdirSync(cacheDir)).toEqual([]);
    });
  });

  test('without helm and without a way to build it, says how to install helm', () => {
    withTempDir('nohelm', (dir) => {
      expect(() => findHelm({ env: { PATH: dir }, toolsBin: dir, install: false }))
        .toThrow('helm v3 not found: install it (https://helm.sh/docs/intro/install/) or install Go and run `npm run tools` to build the pinned version into tools/bin');
      expect(() => findHelm({ env: { PATH: dir }, toolsBin: dir })).toThrow(/^helm v3 not found, and building the pinned helm failed/);
    });
  });

  test('refuses an Ingress the target no longer serves, naming the value that turns it on', () => {
    const { chart } = newChart();
    expect(() => new HelmChart(chart, 'Prometheus', {
      chart: 'prometheus', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, mirror: MIRROR_DIR }), valueHints: PROMETHEUS_VALUE_HINTS,
      values: { ...NO_EXTRAS, server: { ingress: { enabled: true, hosts: ['prometheus.example.com'] } } },
    })).toThrow(/^Ingress prometheus-server uses (networking\.k8s\.io|extensions)\/v1beta1, which Kubernetes 1\.22 removed; .*; Kubernetes 1\.27 cannot apply it: turn it off with server\.ingress\.enabled=false$/);
  });

  test('refuses a PodSecurityPolicy on 1.27, naming the value that turns it on', () => {
    const { chart } = newChart();
    expect(() => new HelmChart(chart, 'Prometheus', {
      chart: 'prometheus', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, mirror: MIRROR_DIR }), valueHints: PROMETHEUS_VALUE_HINTS,
      values: { ...NO_EXTRAS, podSecurityPolicy: { enabled: true } },
    })).toThrow(/^PodSecurityPolicy prometheus-\S+ uses policy\/v1beta1, which Kubernetes 1\.25 removed; .*turn it off with (kube-state-metrics\.)?podSecurityPolicy\.enabled=false$/);
  });

  test('refuses Helm hooks, which kubectl apply cannot run', () => {
    withTempDir('hook', (dir) => {
      const hook = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n';
      const { lockFile, cacheDir } = packageChart(dir, { 'templates/hook.yaml': hook });
      const { chart } = newChart();
      expect(() => new HelmChart(chart, 'Demo', { chart: 'demo', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, lockFile, chartCacheDir: cacheDir }) }))
        .toThrow('ConfigMap migrate (demo/templates/hook.yaml) is a Helm pre-install hook; kubectl apply cannot run hooks, so turn it off in the chart values');
    });
  });

  test('includes CRDs from crds/ and skips test hooks', () => {
    withTempDir('crd', (dir) => {
      const crd = [
        'apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', 'metadata:', '  name: widgets.example.com',
        'spec:', '  group: example.com', '  names: {kind: Widget, plural: widgets}', '  scope: Namespaced',
        '  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]', '',
      ].join('\n');
      const testHook = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers: []\n';
      const { lockFile, cacheDir } = packageChart(dir, {
        'crds/widgets.yaml': crd,
        'templates/tests/smoke.yaml': testHook,
        'templates/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n',
      });
      const { chart } = newChart();
      new HelmChart(chart, 'Demo', { chart: 'demo', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, lockFile, chartCacheDir: cacheDir }), namespace: 'monitoring' });
      const objects = synthObjects(chart);
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace ?? '-'}`)).toEqual([
        'CustomResourceDefinition/widgets.example.com/-',
        'ConfigMap/demo/monitoring',
      ]);
    });
  });
});
