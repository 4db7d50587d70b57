import * as fs from 'fs';
import * as path from 'path';
import { prometheusSettings } from '../../lib/charts/prometheus-chart';
import { BOOK_DEFAULTS } from '../../lib/config/schema';
import { HelmRelease } from '../../lib/constructs/helm-release';
import { HelmRenderer } from '../../lib/helm/renderer';
import { Manifest } from '../../lib/manifests/manifest';
import { PROMETHEUS_HARDENING } from '../../lib/prometheus/hardening';
import { Prometheus } from '../../lib/prometheus/prometheus';
import { translationReference } from '../../lib/prometheus/translation-reference';
import { SETTING_TRANSLATIONS, SettingTranslation, translatedValues, unseenSettings } from '../../lib/prometheus/translations';
import { PrometheusSettings, prometheusTemplateRequest } from '../../lib/prometheus/settings';
import { PlainObject } from '../../lib/support/object-path';
import { PROJECT_ROOT } from '../../lib/support/project-root';
import { PROMETHEUS_CHARTS, PrometheusChartName } from '../../lib/support/rules';
import { MIRRORS, newChart } from '../helpers';

const renderer = new HelmRenderer({ mirrors: MIRRORS });
const LAB = prometheusSettings(BOOK_DEFAULTS);

/** The lab on each chart, and the other shapes an environment takes: today's target, another namespace and a NodePort, no node-exporter. */
const VARIANTS: ReadonlyArray<[string, Partial<PrometheusSettings>]> = [
  ['the lab (1.27)', {}],
  ['the lab on 1.37', { kubernetesVersion: '1.37' }],
  ['a NodePort in another namespace, without node-exporter', { namespace: 'monitoring', serviceType: 'NodePort', nodeExporter: false }],
];

/** The Prometheus construct's objects (hardened, scoped) for the settings on the chart. */
function install(chart: PrometheusChartName, settings: Partial<PrometheusSettings>): readonly Manifest[] {
  const { chart: scope } = newChart();
  return new Prometheus(scope, 'Prometheus', { ...LAB, ...settings, chart, renderer }).release.manifests;
}

/** The chart rendered with these values, hardened as the construct hardens it. */
function renderWith(chart: PrometheusChartName, settings: PrometheusSettings, values: object): readonly Manifest[] {
  const { chart: scope } = newChart();
  const request = prometheusTemplateRequest(settings);
  return new HelmRelease(scope, 'Chart', { ...request, values, renderer, patches: PROMETHEUS_HARDENING[chart] }).manifests;
}

/** A deep copy of the values without the value at the dotted path. */
function without(values: PlainObject, at: string): PlainObject {
  const copy = structuredClone(values);
  const keys = at.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as PlainObject;
  delete node[keys[keys.length - 1]];
  return copy;
}

describe('the book\'s values on each chart', () => {
  test('docs/chart-values.md is what the table generates (run `npm run docs` after changing lib/prometheus/translations.ts)', () => {
    expect(fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'chart-values.md'), 'utf8')).toBe(translationReference(LAB));
  });

  describe.each(PROMETHEUS_CHARTS)('chart %s', (chart) => {
    test.each(VARIANTS)('every setting that applies takes visible effect: %s', (_name, variant) => {
      const settings = { ...LAB, ...variant, chart };
      const applying = SETTING_TRANSLATIONS.filter((row) => row.appliesTo?.(settings) ?? true);
      expect(applying.length).toBeGreaterThanOrEqual(variant.nodeExporter === false ? 15 : 20);
      expect(unseenSettings(install(chart, variant), settings).map((row) => row.setting)).toEqual([]);
    });
  });

  /**
   * Each row's check can fail: the chart rendered without the row's value shows no effect, except
   * where the chart's own default already does what the book asks (listed, so a changed default shows).
   */
  const DEFAULT_ALREADY_DOES: Readonly<Record<PrometheusChartName, readonly string[]>> = {
    'edu/prometheus': ['node-exporter on or off'],
    'prometheus-community/prometheus': [
      'node-exporter on or off', 'node-exporter runs as nobody', 'the server is replaced, never rolled',
    ],
  };

  describe.each(PROMETHEUS_CHARTS)('chart %s without each value', (chart) => {
    const settings = { ...LAB, chart };
    const values = translatedValues(chart, settings);
    const expectedToShowAnyway = (row: SettingTranslation) => DEFAULT_ALREADY_DOES[chart].some((start) => row.setting.startsWith(start));
    const withoutEachRow = SETTING_TRANSLATIONS.map((row) => ({ ...prometheusTemplateRequest(settings), values: without(values, row.path[chart]) }));
    beforeAll(() => renderer.buildAll(withoutEachRow.map((request) => () => renderer.template(request)), 2));

    test.each(SETTING_TRANSLATIONS.map((row) => [row.setting, row] as const))('%s', (_setting, row) => {
      const shows = row.shows(renderWith(chart, settings, without(values, row.path[chart])), settings);
      expect(shows).toBe(expectedToShowAnyway(row));
    });
  });

  test('today\'s chart given the book\'s keys as written deploys the pushgateway and drops the toleration, and the check names both', () => {
    const settings: PrometheusSettings = { ...LAB, kubernetesVersion: '1.37', chart: 'prometheus-community/prometheus' };
    const rendered = renderWith('prometheus-community/prometheus', settings, translatedValues('edu/prometheus', settings));
    const unseen = unseenSettings(rendered, settings).map((row) => row.setting);
    expect(unseen).toEqual(expect.arrayContaining([
      '--set pushgateway.enabled=false',
      '--set nodeExporter.tolerations[0]: the control plane\'s taint (docs/kubernetes-versions.md)',
    ]));
    expect(rendered.some((manifest) => manifest.kind === 'Deployment' && manifest.metadata.name.endsWith('-pushgateway'))).toBe(true);
  });

  test('synth refuses a render that ignored a setting, naming it and its values path', () => {
    const { chart: scope } = newChart();
    const ignoring = { template: (request: Parameters<HelmRenderer['template']>[0]) => renderer.template({ ...request, values: without(request.values as PlainObject, 'prometheus-pushgateway') }) };
    expect(() => new Prometheus(scope, 'Prometheus', { ...LAB, kubernetesVersion: '1.37', chart: 'prometheus-community/prometheus', renderer: ignoring }))
      .toThrow('chart prometheus-community/prometheus rendered without the effect of: --set pushgateway.enabled=false (prometheus-pushgateway.enabled); '
        + 'fix its row in lib/prometheus/translations.ts');
  });
});
