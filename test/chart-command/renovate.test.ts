import * as fs from 'fs';
import * as path from 'path';
import { lockedChartNames, readChartLock } from '../../lib/helm/chart-lock';
import { lockTextWith } from '../../lib/helm/lock-edit';
import { PROJECT_ROOT } from '../../lib/support/project-root';

/*
 * renovate.json's custom manager reads charts.lock.yaml with a regular expression: each chart it finds is
 * one Renovate looks up in the chart's repository. (Renovate's own validator is checked by hand:
 * docs/charts.md, "Bumps proposed by a bot".)
 */

const config = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'renovate.json'), 'utf8'));
const lockText = fs.readFileSync(path.join(PROJECT_ROOT, 'charts.lock.yaml'), 'utf8');

/** What the manager finds in a lock's text: the lock name, the chart Renovate looks up, the repository and version. */
function found(text: string): string[] {
  const [manager] = config.customManagers;
  return [...text.matchAll(new RegExp(manager.matchStrings[0], 'g'))]
    .map(({ groups }) => `${groups!.depName} ${groups!.packageName} ${groups!.registryUrl} ${groups!.currentValue}`);
}

describe('renovate.json', () => {
  test('its manager finds every chart the lock pins, with the repository and version synth pulls', () => {
    const locked = lockedChartNames().map((name) => readChartLock(name)).map((lock) => `${lock.name} ${lock.chart} ${lock.repository} ${lock.version}`);
    expect(locked).toHaveLength(2);
    expect(found(lockText)).toEqual(locked);
  });

  test('it finds a chart the chart command added too (an entry without comments)', () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    const added = lockTextWith(lockText, 'prometheus-community/prometheus-pushgateway',
      { repository: 'https://prometheus-community.github.io/helm-charts', version: '3.8.0', digest });
    expect(found(added)).toContain('prometheus-community/prometheus-pushgateway prometheus-pushgateway https://prometheus-community.github.io/helm-charts 3.8.0');
    expect(found(added)).toHaveLength(3);
  });
});
