import * as fs from 'fs';
import * as path from 'path';
import { HelmRelease } from '../../lib/constructs/helm-release';
import { RenderCache } from '../../lib/helm/render-cache';
import { HelmRenderer } from '../../lib/helm/renderer';
import { countingHelm, MIRRORS, newChart, synthObjects, withTempDir } from '../helpers';

const VALUES = { alertmanager: { enabled: false }, pushgateway: { enabled: false } };

/** A render cache of its own and a helm that counts its runs; each test starts from nothing. */
function withCache(body: (render: (values: object) => unknown, calls: () => number, cacheDir: string) => void): void {
  withTempDir('render-cache', (dir) => {
    const cacheDir = path.join(dir, 'renders');
    const { helm, calls } = countingHelm(dir);
    const render = (values: object) => {
      const { chart } = newChart();
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: new RenderCache(cacheDir) });
      new HelmRelease(chart, 'Prometheus', { chart: 'edu/prometheus', kubernetesVersion: '1.27', values, renderer });
      return synthObjects(chart);
    };
    body(render, calls, cacheDir);
  });
}

/** Rewrites every entry of the cache. */
function rewriteEntries(cacheDir: string, change: (content: string) => string): void {
  for (const entry of fs.readdirSync(cacheDir)) fs.writeFileSync(path.join(cacheDir, entry), change(fs.readFileSync(path.join(cacheDir, entry), 'utf8')));
}

describe('RenderCache', () => {
  test('the first render runs helm and stores the output with its sha256', () => withCache((render, calls, cacheDir) => {
    render(VALUES);
    expect(calls()).toBe(1);
    const entries = fs.readdirSync(cacheDir);
    expect(entries).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(cacheDir, entries[0]), 'utf8')).sha256).toMatch(/^[a-f0-9]{64}$/);
  }));

  test('the same input (keys in any order) never runs helm twice, and gives the same objects', () => withCache((render, calls) => {
    const first = render(VALUES);
    expect(render({ pushgateway: { enabled: false }, alertmanager: { enabled: false } })).toEqual(first);
    expect(calls()).toBe(1);
  }));

  test('other values are another entry', () => withCache((render, calls, cacheDir) => {
    render(VALUES);
    render({ ...VALUES, server: { service: { type: 'NodePort' } } });
    expect(calls()).toBe(2);
    expect(fs.readdirSync(cacheDir)).toHaveLength(2);
  }));

  test('a corrupt entry is ignored and rebuilt, never trusted', () => withCache((render, calls, cacheDir) => {
    const first = render(VALUES);
    rewriteEntries(cacheDir, (text) => {
      const content = JSON.parse(text);
      return JSON.stringify({ ...content, output: content.output.replace(/prometheus-server/g, 'evil-server') });
    });
    expect(render(VALUES)).toEqual(first);
    expect(calls()).toBe(2);
  }));

  test('a truncated entry is ignored and rebuilt', () => withCache((render, calls, cacheDir) => {
    const first = render(VALUES);
    rewriteEntries(cacheDir, () => '{"format":1,"key":"');
    expect(render(VALUES)).toEqual(first);
    expect(calls()).toBe(2);
  }));
});
