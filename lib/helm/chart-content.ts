import { createHash } from 'crypto';
import * as fs from 'fs';
import { Parser, ReadEntry } from 'tar';
import { UserError } from '../support/errors';

/*
 * The digest charts.lock.yaml pins: of the chart's files as helm loads them, not of the archive's bytes.
 * Two archives of the same chart differ in timestamps, owners and compression, and a repository that
 * packages a chart with its dependencies holds each subchart as charts/<name>-<version>.tgz where a
 * mirror may hold it unpacked; helm expands such an archive into charts/<name>/ when it loads the chart.
 * So the digest reads nested chart archives the same way, and hashes the sorted list of
 * "<sha256 of the file>  <path>" lines: what `sha256sum` prints for the unpacked files, piped into
 * `sha256sum` again (docs/architecture.md, "Chart digests"). `npm run chart` computes the digest it locks here.
 */

/** One regular file of a chart: its path as helm loads it, and its bytes. */
export interface ChartFile {
  readonly path: string;
  readonly content: Buffer;
}

/** A subchart archive inside a chart: `<chart>/charts/<file>.tgz` (helm loads these, and only these, as charts). */
const NESTED_CHART = /^[^/]+\/charts\/[^/]+\.tgz$/;

/** The content digest of a chart archive, "sha256:<64 hex>"; `origin` names it in errors. */
export function chartContentDigest(archive: string, origin: string = archive): string {
  const files = readChartFiles(archive, origin);
  const lines = [...files]
    .sort((a, b) => byCodeUnits(a.path, b.path))
    .map((file) => `${createHash('sha256').update(file.content).digest('hex')}  ${file.path}\n`);
  return `sha256:${createHash('sha256').update(lines.join('')).digest('hex')}`;
}

/** The files of a chart archive as helm loads them: every nested chart archive read as its files; `origin` names it in errors. */
export function readChartFiles(archive: string, origin: string = archive): ChartFile[] {
  return chartFiles(fs.readFileSync(archive), origin);
}

/** The regular files of a (gzipped) chart archive, with every nested chart archive replaced by its files. */
function chartFiles(archive: Buffer, origin: string): ChartFile[] {
  return readArchive(archive, origin).flatMap((file) => {
    if (!NESTED_CHART.test(file.path)) return [file];
    const chartsDir = file.path.slice(0, file.path.lastIndexOf('/') + 1);
    return chartFiles(file.content, `${origin}:${file.path}`).map((nested) => ({ ...nested, path: chartsDir + nested.path }));
  });
}

/** Reads a tar archive synchronously; anything but files and directories (links, devices) is refused. */
function readArchive(archive: Buffer, origin: string): ChartFile[] {
  const files: ChartFile[] = [];
  let refused: string | undefined;
  let failure: Error | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (entry.type === 'Directory') {
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile') {
        refused ??= `${entry.path} is a ${entry.type}`;
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => files.push({ path: entry.path.replace(/^\.\//, ''), content: Buffer.concat(chunks) }));
    },
  });
  parser.on('error', (error: Error) => { failure ??= error; });
  try {
    parser.end(archive);
  } catch (error) {
    failure ??= error as Error;
  }
  if (failure) throw new UserError(`${origin} is not a chart archive (a gzipped tar): ${failure.message}`);
  if (refused) throw new UserError(`${origin} is not a plain chart archive: ${refused}, which helm would not load as a chart file`);
  if (files.length === 0) throw new UserError(`${origin} is not a chart archive: it holds no files`);
  return files;
}

/** `LC_ALL=C sort`'s order for ASCII paths, so the shell commands in the docs give the same digest. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
