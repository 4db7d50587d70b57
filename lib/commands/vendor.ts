import { ensureChart } from '../helm/chart-archive';
import { lockedChartNames, readChartLock } from '../helm/chart-lock';
import { findHelm } from '../helm/helm-binary';
import { runCli } from '../support/cli';

/** `npm run vendor`: pull every chart of charts.lock.yaml into .cache/charts/ and check its digest. */
void runCli('vendor', () => {
  const helm = findHelm();
  for (const name of lockedChartNames()) {
    const chart = readChartLock(name);
    const archive = ensureChart(chart, { helm });
    process.stdout.write(`${name} ${chart.version} ${chart.digest} ok: ${archive}\n`);
  }
});
