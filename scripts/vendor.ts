import * as fs from 'fs';
import { runCli } from '../lib/cli';
import { CHART_LOCK_FILE, ensureChart, readChartLock } from '../lib/helm/chart-source';
import { findHelm } from '../lib/helm/helm-binary';
import { parseYaml } from '../lib/yaml-documents';

/** `npm run vendor`: pull every chart of charts.lock.yaml into .cache/charts/ and check its digest. */
function main(): void {
  runCli('vendor', () => {
    const lock = parseYaml(fs.readFileSync(CHART_LOCK_FILE, 'utf8')) as { charts?: Record<string, unknown> };
    const helm = findHelm();
    for (const name of Object.keys(lock?.charts ?? {})) {
      const chart = readChartLock(name);
      const archive = ensureChart(chart, { helm });
      process.stdout.write(`${name} ${chart.version} ${chart.digest} ok: ${archive}\n`);
    }
  });
}

main();
