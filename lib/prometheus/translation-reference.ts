import { escapeCell } from '../config/reference';
import { PROMETHEUS_CHARTS } from '../support/rules';
import { SETTING_TRANSLATIONS } from './translations';
import { PrometheusSettings } from './settings';

/*
 * docs/chart-values.md, generated from the translation table (translations.ts): each setting, the
 * values path each chart takes it at, and the value the book's lab sets. `npm run docs` writes it; a
 * test fails when the committed file is stale.
 */

/** The markdown of docs/chart-values.md, with the values of these settings (the book's lab). */
export function translationReference(settings: PrometheusSettings): string {
  const lines = [
    '# The book\'s values on each chart',
    '',
    '<!-- Generated from lib/prometheus/translations.ts by `npm run docs`; do not edit. -->',
    '',
    'Each row is one of the book\'s `--set` flags or a value this app adds, as each chart spells it, with',
    'the value the book\'s lab sets. Both charts ignore a value they do not know without a word, so synth',
    'checks each row\'s effect in the render and stops when a chart ignored one (`lib/prometheus/translations.ts`).',
    '',
    `| setting | ${PROMETHEUS_CHARTS.map((chart) => `\`${chart}\``).join(' | ')} | value (the lab) |`,
    `|---|${PROMETHEUS_CHARTS.map(() => '---').join('|')}|---|`,
  ];
  for (const row of SETTING_TRANSLATIONS) {
    const values = PROMETHEUS_CHARTS.map((chart) => JSON.stringify(row.value({ ...settings, chart }, chart)));
    const value = values.every((each) => each === values[0])
      ? `\`${values[0]}\``
      : values.map((each, i) => `${PROMETHEUS_CHARTS[i]}: \`${each}\``).join('<br>');
    const paths = PROMETHEUS_CHARTS.map((chart) => `\`${row.path[chart]}\``);
    lines.push(`| ${escapeCell(row.setting)} | ${paths.join(' | ')} | ${escapeCell(value)} |`);
  }
  return `${lines.join('\n')}\n`;
}
