import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { prometheusSettings } from '../../lib/charts/prometheus-chart';
import { BOOK_DEFAULTS } from '../../lib/config/schema';
import { HelmRelease } from '../../lib/constructs/helm-release';
import { HelmRenderer } from '../../lib/helm/renderer';
import { prometheusTemplateRequest } from '../../lib/prometheus/settings';
import { countingHelm, MIRRORS, newChart, synthObjects, withTempDir } from '../helpers';

const REQUEST = prometheusTemplateRequest(prometheusSettings(BOOK_DEFAULTS));

describe('HelmRenderer', () => {
  test('buildAll builds again a build whose HelmRelease waited for its render: helm runs once per distinct request, even with no render cache', async () => {
    await withTempDir('renderer', async (dir) => {
      const { helm, calls } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: null });
      const charts: Chart[] = [];
      const build = () => {
        const { chart } = newChart();
        new HelmRelease(chart, 'Prometheus', { ...REQUEST, renderer });
        charts.push(chart);
      };
      await renderer.buildAll([build, build]);
      expect(calls()).toBe(1);
      expect(charts).toHaveLength(2);
      expect(synthObjects(charts[0]).map((o) => o.kind)).toContain('Deployment');
      new HelmRelease(newChart().chart, 'Prometheus', { ...REQUEST, renderer });
      expect(calls()).toBe(1);
    });
  });

  test('buildAll gives a build with two HelmReleases both renders, one round each', async () => {
    await withTempDir('renderer', async (dir) => {
      const { helm, calls } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: null });
      let runs = 0;
      let chart: Chart | undefined;
      await renderer.buildAll([() => {
        runs++;
        chart = newChart().chart;
        new HelmRelease(chart, 'Lab', { ...REQUEST, renderer });
        new HelmRelease(chart, 'Other', { ...REQUEST, namespace: 'other', renderer });
      }]);
      expect({ runs, helmCalls: calls() }).toEqual({ runs: 3, helmCalls: 2 });
      expect(synthObjects(chart as Chart).filter((o) => o.kind === 'Deployment')).toHaveLength(4);
    });
  });

  test('buildAll refuses a build that asks for other values each time it runs, naming the chart, instead of rendering forever', async () => {
    await withTempDir('renderer', async (dir) => {
      const { helm, calls } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: null });
      let run = 0;
      const build = () => {
        new HelmRelease(newChart().chart, 'Prometheus', { ...REQUEST, values: { ...REQUEST.values, buildNumber: run++ }, renderer });
      };
      await expect(renderer.buildAll([build])).rejects.toThrow(
        `a HelmRelease of chart ${REQUEST.chart} asks for other values each time its app is built; make its values the same on every build`);
      expect(calls()).toBe(1);
    });
  });

  test('outside buildAll a HelmRelease renders at once, as cdk8s\'s Helm does', async () => {
    await withTempDir('renderer', async (dir) => {
      const { helm, calls } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: null });
      const { chart } = newChart();
      new HelmRelease(chart, 'Prometheus', { ...REQUEST, renderer });
      expect(calls()).toBe(1);
      expect(synthObjects(chart).map((o) => o.kind)).toContain('Deployment');
    });
  });

  test('renders side by side, never more than `concurrency` at once, and every output lands under its own request', async () => {
    await withTempDir('renderer', async (dir) => {
      const { helm: counted } = countingHelm(dir);
      // Each helm holds a slot file while it runs; the most slot files seen at once is the concurrency.
      const slots = path.join(dir, 'slots');
      fs.mkdirSync(slots);
      const wrapper = path.join(dir, 'slotted-helm');
      fs.writeFileSync(wrapper, `#!/bin/sh
touch '${slots}'/$$; ls '${slots}' | wc -l >> '${dir}/seen'; sleep 0.3
'${counted.path}' "$@"; status=$?; rm '${slots}'/$$; exit $status
`, { mode: 0o755 });
      const renderer = new HelmRenderer({ helm: { ...counted, path: wrapper }, mirrors: MIRRORS, renderCache: null });
      const requests = ['a', 'b', 'c', 'd'].map((namespace) => ({ ...REQUEST, namespace }));
      await renderer.buildAll(requests.map((request) => () => renderer.template(request)), 2);
      const seen = fs.readFileSync(path.join(dir, 'seen'), 'utf8').trim().split('\n').map(Number);
      expect(Math.max(...seen)).toBe(2);
      expect(requests.map((request) => /namespace: (\w+)/.exec(renderer.template(request))?.[1])).toEqual(['a', 'b', 'c', 'd']);
    });
  });

  test('a dozen renders side by side add one exit listener, not one each (Node warns past ten)', async () => {
    await withTempDir('renderer', async (dir) => {
      const { helm } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirrors: MIRRORS, renderCache: null });
      const before = process.listenerCount('exit');
      let most = before;
      const sampler = setInterval(() => {
        most = Math.max(most, process.listenerCount('exit'));
      }, 5);
      try {
        const requests = Array.from({ length: 12 }, (_, index) => ({ ...REQUEST, namespace: `env-${index}` }));
        await renderer.buildAll(requests.map((request) => () => renderer.template(request)), 12);
      } finally {
        clearInterval(sampler);
      }
      expect(most - before).toBeLessThanOrEqual(1);
    });
  });

  test('a failed render rejects with helm\'s own one-line reason and stops the renders still running', async () => {
    await withTempDir('renderer', async (dir) => {
      const { helm } = countingHelm(dir);
      const slow = path.join(dir, 'slow-helm');
      const marker = path.join(dir, 'finished');
      // Any render but the failing one takes 2 s and then leaves a mark; a stopped one never does.
      fs.writeFileSync(slow, `#!/bin/sh
case "$*" in *failing*) exec '${helm.path}' "$@";; esac
sleep 2; touch '${marker}'
`, { mode: 0o755 });
      const renderer = new HelmRenderer({ helm: { ...helm, path: slow }, mirrors: MIRRORS, renderCache: null });
      const failing = { ...REQUEST, namespace: 'failing', values: { server: { service: { type: 7 } } } };
      const started = Date.now();
      await expect(renderer.buildAll([{ ...REQUEST, namespace: 'slow' }, failing].map((request) => () => renderer.template(request)), 2))
        .rejects.toThrow(/^helm template of chart edu\/prometheus \(prometheus-11\.6\.0\.tgz\) failed: Error: /);
      expect(Date.now() - started).toBeLessThan(2000);
      await new Promise((resolve) => setTimeout(resolve, 2500 - (Date.now() - started)));
      expect(fs.existsSync(marker)).toBe(false);
    });
  }, 15_000);
});
