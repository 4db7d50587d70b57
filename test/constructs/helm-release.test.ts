import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HelmRelease } from '../../lib/constructs/helm-release';
import { chartContentDigest } from '../../lib/helm/chart-content';
import { HelmRenderer } from '../../lib/helm/renderer';
import { findHelm } from '../../lib/helm/helm-binary';
import { PROMETHEUS_VALUE_HINTS } from '../../lib/prometheus/settings';
import { MIRRORS, newChart, synthObjects, withTempDir } from '../helpers';

const helm = findHelm();
const NO_EXTRAS = { pushgateway: { enabled: false }, alertmanager: { enabled: false } };

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
  fs.mkdirSync(path.join(cacheDir, 'local'));
  fs.renameSync(path.join(cacheDir, 'demo-0.1.0.tgz'), path.join(cacheDir, 'local', 'demo-0.1.0.tgz'));
  const digest = chartContentDigest(path.join(cacheDir, 'local', 'demo-0.1.0.tgz'));
  fs.writeFileSync(lockFile, `charts:\n  local/demo:\n    repository: https://example.invalid/charts\n    version: 0.1.0\n    digest: ${digest}\n`);
  return { lockFile, cacheDir };
}

describe('HelmRelease', () => {
  test('without helm and without a way to build it, says how to install helm', () => {
    withTempDir('nohelm', (dir) => {
      expect(() => findHelm({ env: { PATH: dir }, toolsBin: dir, install: false }))
        .toThrow('helm v3 not found: install it (https://helm.sh/docs/intro/install/) or install Go and run `npm run tools` to build the pinned version into tools/bin');
      expect(() => findHelm({ env: { PATH: dir }, toolsBin: dir })).toThrow(/^helm v3 not found, and building the pinned helm failed/);
    });
  });

  test('refuses an Ingress the target no longer serves, naming the value that turns it on', () => {
    const { chart } = newChart();
    expect(() => new HelmRelease(chart, 'Prometheus', {
      chart: 'edu/prometheus', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, mirrors: MIRRORS }), valueHints: PROMETHEUS_VALUE_HINTS,
      values: { ...NO_EXTRAS, server: { ingress: { enabled: true, hosts: ['prometheus.example.com'] } } },
    })).toThrow(/^Ingress prometheus-server uses (networking\.k8s\.io|extensions)\/v1beta1, which Kubernetes 1\.22 removed; .*; Kubernetes 1\.27 cannot apply it: turn it off with server\.ingress\.enabled=false$/);
  });

  test('refuses a PodSecurityPolicy on 1.27, naming the value that turns it on', () => {
    const { chart } = newChart();
    expect(() => new HelmRelease(chart, 'Prometheus', {
      chart: 'edu/prometheus', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, mirrors: MIRRORS }), valueHints: PROMETHEUS_VALUE_HINTS,
      values: { ...NO_EXTRAS, podSecurityPolicy: { enabled: true } },
    })).toThrow(/^PodSecurityPolicy prometheus-\S+ uses policy\/v1beta1, which Kubernetes 1\.25 removed; .*turn it off with (kube-state-metrics\.)?podSecurityPolicy\.enabled=false$/);
  });

  test('refuses Helm hooks, which kubectl apply cannot run', () => {
    withTempDir('hook', (dir) => {
      const hook = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install\n';
      const { lockFile, cacheDir } = packageChart(dir, { 'templates/hook.yaml': hook });
      const { chart } = newChart();
      expect(() => new HelmRelease(chart, 'Demo', { chart: 'local/demo', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, lockFile, chartCacheDir: cacheDir }) }))
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
      new HelmRelease(chart, 'Demo', { chart: 'local/demo', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, lockFile, chartCacheDir: cacheDir }), namespace: 'monitoring' });
      const objects = synthObjects(chart);
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace ?? '-'}`)).toEqual([
        'CustomResourceDefinition/widgets.example.com/-',
        'ConfigMap/demo/monitoring',
      ]);
    });
  });
});
