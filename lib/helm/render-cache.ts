import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomically } from '../atomic-file';
import { PROJECT_ROOT } from '../project-root';
import { renderChartAsync, RenderRequest } from './render';

/** Environment variable naming another folder for cached renders. */
export const RENDER_CACHE_DIR_ENV = 'RENDER_CACHE_DIR';
/** Set to "off" to render with helm every time. */
export const RENDER_CACHE_ENV = 'RENDER_CACHE';
const DEFAULT_DIR = path.join(PROJECT_ROOT, '.cache', 'renders');
const FORMAT = 1;

interface CacheEntry {
  readonly format: number;
  readonly key: string;
  readonly sha256: string;
  readonly output: string;
}

/**
 * `helm template` output, cached on disk by everything that can change it: the chart's digest, the
 * values, release name, namespace, target version, API versions and the helm binary (version, path,
 * size, modification time). Each entry carries the sha256 of its output; an entry that does not
 * verify (corrupt, truncated, edited, or from another format) is ignored and rendered again, never
 * trusted.
 */
export class RenderCache {
  constructor(private readonly dir: string = process.env[RENDER_CACHE_DIR_ENV] || DEFAULT_DIR) {}

  /** The cached output for the request, or what `render` returns (which is then cached). */
  public getOrRender(request: RenderRequest, chartDigest: string, render: () => string): string {
    if (process.env[RENDER_CACHE_ENV] === 'off') return render();
    const key = cacheKey(request, chartDigest);
    const cached = readVerified(this.fileFor(key), key);
    if (cached !== undefined) return cached;
    return this.store(key, render());
  }

  /** Renders into the cache without blocking, unless a verified entry is there already. */
  public async prefetch(request: RenderRequest, chartDigest: string): Promise<void> {
    if (process.env[RENDER_CACHE_ENV] === 'off') return;
    const key = cacheKey(request, chartDigest);
    if (readVerified(this.fileFor(key), key) !== undefined) return;
    this.store(key, await renderChartAsync(request));
  }

  private fileFor(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  private store(key: string, output: string): string {
    const entry: CacheEntry = { format: FORMAT, key, sha256: sha256(output), output };
    writeFileAtomically(this.fileFor(key), JSON.stringify(entry));
    return output;
  }
}

/** sha256 over a canonical JSON of every input of the render. */
export function cacheKey(request: RenderRequest, chartDigest: string): string {
  const material = {
    format: FORMAT,
    chartDigest,
    helm: request.helm.identity,
    releaseName: request.releaseName,
    namespace: request.namespace,
    kubeVersion: request.kubeVersion,
    apiVersions: [...request.apiVersions],
    values: canonical(request.values),
  };
  return sha256(JSON.stringify(material));
}

function readVerified(file: string, key: string): string | undefined {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
  const valid = entry.format === FORMAT && entry.key === key && typeof entry.output === 'string' && sha256(entry.output) === entry.sha256;
  return valid ? entry.output : undefined;
}

/** Objects with their keys sorted, so equal values give equal keys whatever order they were built in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
