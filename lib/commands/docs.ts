import * as fs from 'fs';
import * as path from 'path';
import { prometheusSettings } from '../charts/prometheus-chart';
import { configReference } from '../config/reference';
import { BOOK_DEFAULTS } from '../config/schema';
import { translationReference } from '../prometheus/translation-reference';
import { runCli } from '../support/cli';
import { PROJECT_ROOT } from '../support/project-root';

/** `npm run docs`: writes docs/config.md from the config schema and docs/chart-values.md from the translation table. */
void runCli('docs', () => {
  const generated: Array<[string, string]> = [
    ['config.md', configReference()],
    ['chart-values.md', translationReference(prometheusSettings(BOOK_DEFAULTS))],
  ];
  for (const [name, content] of generated) {
    const file = path.join(PROJECT_ROOT, 'docs', name);
    fs.writeFileSync(file, content);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
});
