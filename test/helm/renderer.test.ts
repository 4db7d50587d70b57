import * as fs from 'fs';
import * as path from 'path';
import { prometheusSettings } from '../../lib/charts/prometheus-settings';
import { BOOK_DEFAULTS } from '../../lib/config/schema';
import { HelmChart } from '../../lib/constructs/helm-chart';
import { HelmRenderer } from '../../lib/helm/renderer';
import { prometheusTemplateRequest } from '../../lib/prometheus/values';
import { countingHelm, MIRRORS, newChart, synthObjects, withTempDir } from '../helpers';

const REQUEST = prometheusTemplateRequest(prometheusSettings(BOOK_DEFAULTS));

describe('HelmRenderer', () => {
  test('prefetch returns while helm runs; HelmChart then waits for that render, and helm runs once even with no render cache', () => {
    withTempDir('renderer', (dir) => {
      const { helm: counted, calls } = countingHelm(dir);
      // A helm that cannot finish before the test opens its gate: prefetch returning at all shows it did not wait.
      const gate = path.join(dir, 'gate');
      const gated = path.join(dir, 'gated-helm');
      fs.writeFileSync(gated, `#!/bin/sh
while [ ! -e '${gate}' ]; do sleep 0.01; done
exec '${counted.path}' "$@"
`, { mode: 0o755 });
      const renderer = new HelmRenderer({ helm: { ...counted, path: gated }, mirrors: MIRRORS, renderCache: null });
      renderer.prefetch([REQUEST, REQUEST]);
      expect(calls()).toBe(0);
      fs.writeFileSync(gate, '');
      const { chart } = newChart();
      new HelmChart(chart, 'Prometheus', { ...REQUEST, renderer });
      expect(calls()).toBe(1);
      expect(synthObjects(chart).map((o) => o.kind)).toContain('Deployment');
    });
  });

  test('renders at most `concurrency` at once, and every one arrives', () => {
    withTempDir('renderer', (dir) => {
      const { helm, calls } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: null });
      const requests = ['a', 'b', 'c'].map((namespace) => ({ ...REQUEST, namespace }));
      renderer.prefetch(requests, 1);
      expect(calls()).toBeLessThanOrEqual(1);
      const outputs = requests.map((request) => renderer.template(request));
      expect(calls()).toBe(3);
      expect(outputs.map((output) => /namespace: (\w+)/.exec(output)?.[1])).toEqual(['a', 'b', 'c']);
    });
  });

  test('a failed prefetched render throws helm\'s own one-line reason where its output is asked for', () => {
    withTempDir('renderer', (dir) => {
      const { helm } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: null });
      const request = { ...REQUEST, values: { server: { service: { type: 7 } } } };
      renderer.prefetch([request]);
      expect(() => renderer.template(request)).toThrow(/^helm template of chart edu\/prometheus \(prometheus-11\.6\.0\.tgz\) failed: Error: /);
    });
  });
});
