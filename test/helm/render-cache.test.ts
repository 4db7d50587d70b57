import * as fs from 'fs';
import * as path from 'path';
import { HelmChart } from '../../lib/constructs/helm-chart';
import { RenderCache } from '../../lib/helm/render-cache';
import { HelmRenderer } from '../../lib/helm/renderer';
import { countingHelm, MIRROR_DIR, newChart, synthObjects, tempDir } from '../helpers';

describe('RenderCache', () => {
  const { dir, cleanup } = tempDir('render-cache');
  const cacheDir = path.join(dir, 'renders');
  const { helm, calls } = countingHelm(dir);
  afterAll(cleanup);

  function render(values: object) {
    const { chart } = newChart();
    new HelmChart(chart, 'Prometheus', { chart: 'prometheus', values, renderer: new HelmRenderer({ helm, mirror: MIRROR_DIR, renderCache: new RenderCache(cacheDir) }) });
    return synthObjects(chart);
  }

  const values = { alertmanager: { enabled: false }, pushgateway: { enabled: false } };
  let first: unknown;

  test('the first render runs helm and stores the output with its sha256', () => {
    first = render(values);
    expect(calls()).toBe(1);
    const entries = fs.readdirSync(cacheDir);
    expect(entries).toHaveLength(1);
    const entry = JSON.parse(fs.readFileSync(path.join(cacheDir, entries[0]), 'utf8'));
    expect(entry.sha256).toMatch(/^[a-f0-9]{64}$/);
  });

  test('the same input never runs helm twice, and gives the same objects', () => {
    expect(render({ pushgateway: { enabled: false }, alertmanager: { enabled: false } })).toEqual(first);
    expect(calls()).toBe(1);
  });

  test('other values are another entry', () => {
    render({ ...values, server: { service: { type: 'NodePort' } } });
    expect(calls()).toBe(2);
  });

  test('a corrupt entry is ignored and rebuilt, never trusted', () => {
    for (const entry of fs.readdirSync(cacheDir)) {
      const file = path.join(cacheDir, entry);
      const content = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify({ ...content, output: content.output.replace(/prometheus-server/g, 'evil-server') }));
    }
    expect(render(values)).toEqual(first);
    expect(calls()).toBe(3);
  });

  test('a truncated entry is ignored and rebuilt', () => {
    for (const entry of fs.readdirSync(cacheDir)) {
      fs.writeFileSync(path.join(cacheDir, entry), '{"format":1,"key":"');
    }
    expect(render(values)).toEqual(first);
    expect(calls()).toBe(4);
  });
});
