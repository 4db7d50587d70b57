import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomically } from '../support/atomic-file';
import { PROJECT_ROOT } from '../support/project-root';
import { HelmInvocation } from './helm-template';

/** Environment variable naming another folder for cached renders. */
const RENDER_CACHE_DIR_ENV = 'RENDER_CACHE_DIR';
/** Set to "off" to render with helm every time. */
const RENDER_CACHE_ENV = 'RENDER_CACHE';
const DEFAULT_DIR = path.join(PROJECT_ROOT, '.cache', 'renders');
const FORMAT = 1;

interface CacheEntry {
  readonly format: number;
  readonly key: string;
  readonly sha256: string;
  readonly output: string;
}

/**
 * `helm template` output, cached on disk by everything that can change it (see {@link renderKey}).
 * Each entry carries the sha256 of its output; an entry that does not verify (corrupt, truncated,
 * edited, or from another format) is ignored and rendered again, never trusted.
 */
export class RenderCache {
  /** The cache in $RENDER_CACHE_DIR, else .cache/renders; undefined when $RENDER_CACHE is "off". */
  public static fromEnvironment(env: NodeJS.ProcessEnv = process.env): RenderCache | undefined {
    return env[RENDER_CACHE_ENV] === 'off' ? undefined : new RenderCache(env[RENDER_CACHE_DIR_ENV] || DEFAULT_DIR);
  }

  private unwritable = false;

  constructor(private readonly dir: string) {}

  /** The verified output stored under the key, or undefined. */
  public get(key: string): string | undefined {
    let entry: CacheEntry;
    try {
      entry = JSON.parse(fs.readFileSync(this.fileFor(key), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    const valid = entry.format === FORMAT && entry.key === key && typeof entry.output === 'string' && sha256(entry.output) === entry.sha256;
    return valid ? entry.output : undefined;
  }

  /**
   * Stores the output under the key, atomically. A cache that cannot be written only costs speed: one
   * warning on stderr, and no further attempts in this process.
   */
  public put(key: string, output: string): void {
    if (this.unwritable) return;
    const entry: CacheEntry = { format: FORMAT, key, sha256: sha256(output), output };
    try {
      writeFileAtomically(this.fileFor(key), JSON.stringify(entry));
    } catch (error) {
      this.unwritable = true;
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      process.stderr.write(`synth: warning: render cache ${this.dir} cannot be written (${reason}); going on without it\n`);
    }
  }

  private fileFor(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }
}

/**
 * sha256 over a canonical JSON of every input of a render: the chart's digest, the helm binary
 * (version, path, size, modification time), release, namespace, target, values.
 */
export function renderKey({ helm, request }: HelmInvocation, chartDigest: string): string {
  const material = {
    format: FORMAT,
    chartDigest,
    helm: helm.identity,
    releaseName: request.releaseName,
    namespace: request.namespace,
    kubernetesVersion: request.kubernetesVersion,
    values: canonical(request.values),
  };
  return sha256(JSON.stringify(material));
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
