import { HelmChart } from '../../lib/constructs/helm-chart';
import { prometheusTemplateRequest } from '../../lib/constructs/prometheus-values';
import { HelmRenderer } from '../../lib/helm/renderer';
import { countingHelm, MIRROR_DIR, newChart, synthObjects, withTempDirAsync } from '../helpers';

describe('HelmRenderer', () => {
  test('a prefetched render reaches HelmChart from memory: helm runs once, even with no render cache', async () => {
    await withTempDirAsync('renderer', async (dir) => {
      const { helm, calls } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirror: MIRROR_DIR, renderCache: null });
      const request = prometheusTemplateRequest({});
      await renderer.prefetch([request, request]);
      expect(calls()).toBe(1);
      const { chart } = newChart();
      new HelmChart(chart, 'Prometheus', { ...request, renderer });
      expect(calls()).toBe(1);
      expect(synthObjects(chart).map((o) => o.kind)).toContain('Deployment');
    });
  });

  test('a failed render rejects the prefetch with helm\'s own one-line reason', async () => {
    await withTempDirAsync('renderer', async (dir) => {
      const { helm } = countingHelm(dir);
      const renderer = new HelmRenderer({ helm, mirror: MIRROR_DIR, renderCache: null });
      const request = { ...prometheusTemplateRequest({}), values: { server: { service: { type: 7 } } } };
      await expect(renderer.prefetch([request])).rejects.toThrow(/^helm template of chart prometheus \(prometheus-11\.6\.0\.tgz\) failed: Error: /);
    });
  });
});
