import * as fs from 'fs';
import * as path from 'path';
import * as tar from 'tar';
import { HelmRelease } from '../../lib/constructs/helm-release';
import { ensureChart, fileDigest } from '../../lib/helm/chart-archive';
import { chartContentDigest } from '../../lib/helm/chart-content';
import { readChartLock } from '../../lib/helm/chart-lock';
import { findHelm } from '../../lib/helm/helm-binary';
import { HelmRenderer } from '../../lib/helm/renderer';
import { UserError } from '../../lib/support/errors';
import { BOOK_MIRROR, newChart, serveDirectory, synthObjects, tempDir, TODAY_MIRROR, withTempDir } from '../helpers';

const helm = findHelm();
const book = readChartLock('edu/prometheus');
const today = readChartLock('prometheus-community/prometheus');

/** Runs `body` with both mirrors served over HTTP on 127.0.0.1, as a repository is. */
async function withServedMirrors(body: (urls: { book: string; today: string }) => void): Promise<void> {
  const served = await Promise.all([serveDirectory(BOOK_MIRROR), serveDirectory(TODAY_MIRROR)]);
  try {
    body({ book: served[0].url, today: served[1].url });
  } finally {
    for (const { server } of served) server.kill('SIGTERM');
  }
}

/** Runs `body` with CHART_MIRROR unset, as on a machine that has not set it. */
function withoutMirrorVariable<T>(body: () => T): T {
  const saved = process.env.CHART_MIRROR;
  delete process.env.CHART_MIRROR;
  try {
    return body();
  } finally {
    if (saved !== undefined) process.env.CHART_MIRROR = saved;
  }
}

/** A lock for the book's chart with the given repository and localMirrors, in `dir`. */
function writeLock(dir: string, repository: string, localMirrors: string[]): string {
  const file = path.join(dir, 'charts.lock.yaml');
  const mirrors = localMirrors.map((mirror) => `  - ${mirror}\n`).join('');
  fs.writeFileSync(file, `charts:\n  edu/prometheus:\n    repository: ${repository}\n    version: 11.6.0\n    digest: ${book.digest}\nlocalMirrors:\n${mirrors}`);
  return file;
}

/**
 * Today's chart packaged the way the chart repository packages it: each subchart as
 * charts/<name>-<version>.tgz inside the archive (the mirror holds them unpacked), with other
 * timestamps and file modes than the mirror's.
 */
function repackagedAsUpstream(dir: string, change?: { file: string; append: string }): string {
  const unpacked = path.join(dir, 'unpacked');
  fs.mkdirSync(unpacked);
  tar.x({ file: path.join(TODAY_MIRROR, 'prometheus-29.27.0.tgz'), cwd: unpacked, sync: true });
  if (change) fs.appendFileSync(path.join(unpacked, change.file), change.append);
  const chartsDir = path.join(unpacked, 'prometheus', 'charts');
  for (const subchart of fs.readdirSync(chartsDir)) {
    const version = /^version: *(\S+)$/m.exec(fs.readFileSync(path.join(chartsDir, subchart, 'Chart.yaml'), 'utf8'))![1];
    tar.c({ file: path.join(chartsDir, `${subchart}-${version}.tgz`), cwd: chartsDir, gzip: true, sync: true, portable: true }, [subchart]);
    fs.rmSync(path.join(chartsDir, subchart), { recursive: true });
  }
  const archive = path.join(dir, 'prometheus-29.27.0.tgz');
  tar.c({ file: archive, cwd: unpacked, gzip: { level: 1 }, sync: true, mtime: new Date('2026-08-22T00:00:00Z') }, ['prometheus']);
  return archive;
}

describe('chart digests', () => {
  test('the lock pins each mirror\'s chart by its content digest', () => {
    expect(chartContentDigest(path.join(BOOK_MIRROR, 'prometheus-11.6.0.tgz'))).toBe(book.digest);
    expect(chartContentDigest(path.join(TODAY_MIRROR, 'prometheus-29.27.0.tgz'))).toBe(today.digest);
  });

  test('an archive packaged as the repository does (subcharts as nested archives, other times and modes) has the same digest', () => {
    withTempDir('repackaged', (dir) => {
      const archive = repackagedAsUpstream(dir);
      expect(fileDigest(archive)).not.toBe(fileDigest(path.join(TODAY_MIRROR, 'prometheus-29.27.0.tgz')));
      expect(chartContentDigest(archive)).toBe(today.digest);
    });
  });

  test('one changed byte in a subchart\'s template changes the digest', () => {
    withTempDir('changed', (dir) => {
      const changed = repackagedAsUpstream(dir, { file: 'prometheus/charts/kube-state-metrics/templates/deployment.yaml', append: '#' });
      expect(chartContentDigest(changed)).not.toBe(today.digest);
    });
  });

  test('a file that is not a chart archive is refused in one line', () => {
    withTempDir('not-a-chart', (dir) => {
      const file = path.join(dir, 'prometheus-29.27.0.tgz');
      fs.writeFileSync(file, 'not a chart');
      expect(() => chartContentDigest(file)).toThrow(UserError);
      expect(() => chartContentDigest(file)).toThrow(/prometheus-29\.27\.0\.tgz is not a chart archive/);
    });
  });
});

describe('pulling a pinned chart', () => {
  test('pulls each chart over HTTP with helm pull --repo from the first mirror that has it', async () => {
    const { dir, cleanup } = tempDir('pull');
    try {
      await withServedMirrors(({ book: bookUrl, today: todayUrl }) => {
        const mirrors = [bookUrl, todayUrl];
        const todayArchive = ensureChart(today, { helm, mirrors, cacheDir: dir });
        const bookArchive = ensureChart(book, { helm, mirrors, cacheDir: dir });
        expect(path.relative(dir, todayArchive)).toBe('prometheus-community/prometheus-29.27.0.tgz');
        expect(path.relative(dir, bookArchive)).toBe('edu/prometheus-11.6.0.tgz');
        expect(chartContentDigest(todayArchive)).toBe(today.digest);
        // The book's archive is the repository's own: its index.yaml digest (the book's repository lists the same).
        expect(fileDigest(bookArchive)).toBe('sha256:bf6a9517094b528d7671957a1c825cbf2d0fef6a9ad9f543d5a39986e7099058');
      });
    } finally {
      cleanup();
    }
  });

  test('names every source it tried when none has the chart', () => {
    withTempDir('missing', (dir) => {
      expect(() => ensureChart(today, { helm, mirrors: [BOOK_MIRROR], cacheDir: dir }))
        .toThrow(`chart prometheus-community/prometheus 29.27.0: no source has it: ${BOOK_MIRROR}/index.yaml lists no prometheus 29.27.0`);
    });
  });

  test('without CHART_MIRROR, uses the first local mirror of the lock that exists', () => {
    withTempDir('local-mirror', (dir) => {
      const lockFile = writeLock(dir, 'https://unreachable.invalid/charts', ['./no-such-mirror', BOOK_MIRROR]);
      const archive = withoutMirrorVariable(() => ensureChart(readChartLock('edu/prometheus', lockFile), { helm, cacheDir: path.join(dir, 'cache') }));
      expect(chartContentDigest(archive)).toBe(book.digest);
    });
  });

  test('without CHART_MIRROR and without a local mirror, pulls from the repository', async () => {
    const { dir, cleanup } = tempDir('repository');
    try {
      await withServedMirrors(({ book: url }) => {
        const lockFile = writeLock(dir, url, ['./no-such-mirror']);
        const archive = withoutMirrorVariable(() => ensureChart(readChartLock('edu/prometheus', lockFile), { helm, cacheDir: path.join(dir, 'cache') }));
        expect(chartContentDigest(archive)).toBe(book.digest);
      });
    } finally {
      cleanup();
    }
  });

  test('a mirror that serves another chart under the pinned version is refused before anything is cached', () => {
    withTempDir('mirror', (dir) => {
      const mirror = path.join(dir, 'mirror');
      fs.mkdirSync(mirror);
      fs.copyFileSync(path.join(TODAY_MIRROR, 'index.yaml'), path.join(mirror, 'index.yaml'));
      repackagedAsUpstream(dir, { file: 'prometheus/values.yaml', append: '\nextra: true\n' });
      fs.renameSync(path.join(dir, 'prometheus-29.27.0.tgz'), path.join(mirror, 'prometheus-29.27.0.tgz'));
      const cacheDir = path.join(dir, 'cache');
      expect(() => ensureChart(today, { helm, mirrors: [mirror], cacheDir }))
        .toThrow(/^chart prometheus-community\/prometheus 29\.27\.0: prometheus-29\.27\.0\.tgz from .* has content digest sha256:[a-f0-9]{64}, but charts\.lock\.yaml pins sha256:d7e96d70.*; refusing to render it/);
      expect(fs.readdirSync(path.join(cacheDir, 'prometheus-community'))).toEqual([]);
    });
  });

  test('a cached archive changed after it was verified is refused, and nothing renders', () => {
    withTempDir('tampered', (dir) => {
      const archive = ensureChart(book, { helm, mirrors: [BOOK_MIRROR], cacheDir: dir });
      const unpacked = path.join(dir, 'unpacked');
      fs.mkdirSync(unpacked);
      tar.x({ file: archive, cwd: unpacked, sync: true });
      fs.appendFileSync(path.join(unpacked, 'prometheus', 'templates', 'server-deployment.yaml'), '\n# changed\n');
      tar.c({ file: archive, cwd: unpacked, gzip: true, sync: true }, ['prometheus']);
      const { chart } = newChart();
      let message = '';
      try {
        new HelmRelease(chart, 'Prometheus', { chart: 'edu/prometheus', kubernetesVersion: '1.27', renderer: new HelmRenderer({ helm, chartCacheDir: dir }) });
      } catch (error) {
        message = (error as Error).message;
        expect(error).toBeInstanceOf(UserError);
      }
      expect(message).toMatch(/^chart edu\/prometheus 11\.6\.0: .*edu\/prometheus-11\.6\.0\.tgz has content digest sha256:[a-f0-9]{64}, but charts\.lock\.yaml pins sha256:60ba6703.*; refusing to render it \(delete the file and run `npm run vendor` to pull it again\)$/);
      expect(synthObjects(chart)).toEqual([]);
    });
  });
});
