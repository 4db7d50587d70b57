import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { installPromtool, withTempDir } from '../helpers';

/*
 * The upgrade keeps the claim, so today's server (Prometheus v3.14.0) opens the data directory the
 * book's (v2.19.0) wrote. Both releases' own TSDB code shows it: 2.19's tsdb tool writes a directory as
 * a 2.19 server does (its write-ahead log and head chunks, and a block when it has compacted one), and
 * promtool 3.14 reads every sample back from it.
 */

const SERIES = 5;
/** Samples per series that 2.19's `tsdb bench write` appends (its scrape count). */
const SAMPLES_PER_SERIES = 3000;

describe('a data directory Prometheus 2.19 wrote', () => {
  test('opens under Prometheus 3.14: every sample reads back, from its blocks and its write-ahead log', () => {
    withTempDir('tsdb', (dir) => {
      const series = Array.from({ length: SERIES }, (_, i) => JSON.stringify({ __name__: 'book_metric', instance: `w${i + 1}-k8s`, job: 'lab' }));
      fs.writeFileSync(path.join(dir, 'series.json'), `${series.join('\n')}\n`);
      const written = spawnSync(installPromtool('v2.19.0', 'tsdb'), ['bench', 'write', `--out=${dir}/bench`, `--metrics=${SERIES}`, path.join(dir, 'series.json')],
        { cwd: dir, encoding: 'utf8' });
      expect(written.status).toBe(0);
      const data = path.join(dir, 'bench', 'storage');
      expect(fs.readdirSync(data).sort()).toEqual(expect.arrayContaining(['chunks_head', 'wal']));

      const promtool = installPromtool('v3.14.0');
      const listed = spawnSync(promtool, ['tsdb', 'list', data], { encoding: 'utf8' });
      // 2.19 compacts its head into a block in the background: some runs leave every sample in the WAL.
      expect(listed.status).toBe(0);
      expect(listed.stdout).toMatch(/^BLOCK ULID/);
      const dumped = spawnSync(promtool, ['tsdb', 'dump', data], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(dumped.status).toBe(0);
      const lines = dumped.stdout.trim().split('\n');
      expect(lines).toHaveLength(SERIES * SAMPLES_PER_SERIES);
      expect(new Set(lines.map((line) => line.split('} ')[0]))).toEqual(new Set(series.map((_, i) => `{__name__="book_metric", instance="w${i + 1}-k8s", job="lab"`)));
    });
  });
});
