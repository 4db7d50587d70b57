import * as os from 'os';
import { ensureChart } from './chart-archive';
import { CHART_LOCK_FILE, readChartLock } from './chart-lock';
import { findHelm, HelmBinary } from './helm-binary';
import { HelmInvocation, removeAbandonedRenderDirs, runTemplate, runTemplateAsync, TemplateRequest } from './helm-template';
import { RenderCache, renderKey } from './render-cache';

/** Renders charts; what {@link HelmChart} asks for its manifests. */
export interface ChartRenderer {
  /** `helm template`'s output for the request. */
  template(request: TemplateRequest): string;
}

/** Where charts come from, which helm renders them, and where renders are cached. */
export interface HelmRendererOptions {
  /** The lock file. @default charts.lock.yaml in the project root */
  readonly lockFile?: string;
  /** helm v3 to render with. @default the one findHelm() returns */
  readonly helm?: HelmBinary;
  /** Directory or http(s) URL mirroring the chart repository. @default $CHART_MIRROR, else the lock's localMirrors, else its repository */
  readonly mirror?: string;
  /** Where verified chart archives are kept. @default $CHART_CACHE_DIR, else .cache/charts */
  readonly chartCacheDir?: string;
  /** Cache of rendered output; null for none. @default RenderCache.fromEnvironment() */
  readonly renderCache?: RenderCache | null;
}

interface PlannedRender {
  readonly key: string;
  readonly invocation: HelmInvocation;
}

/**
 * The real helm behind {@link ChartRenderer}. It verifies each chart archive against the lock once,
 * keeps every output it rendered or prefetched in memory, and reads and fills the render cache.
 */
export class HelmRenderer implements ChartRenderer {
  private helmBinary?: HelmBinary;
  private readonly verifiedArchives = new Map<string, { path: string; digest: string }>();
  private readonly outputs = new Map<string, string>();
  private readonly renderCache?: RenderCache;

  constructor(private readonly options: HelmRendererOptions = {}) {
    this.renderCache = options.renderCache === undefined ? RenderCache.fromEnvironment() : options.renderCache ?? undefined;
  }

  public template(request: TemplateRequest): string {
    const { key, invocation } = this.plan(request);
    const known = this.outputs.get(key) ?? this.renderCache?.get(key);
    return this.remember(key, known ?? this.store(key, runTemplate(invocation)));
  }

  /**
   * Renders the requests in the background, as many at once as there are cores, so that
   * {@link template} later answers from memory. Resolves when all are done; rejects with the first
   * failure.
   */
  public async prefetch(requests: readonly TemplateRequest[], concurrency: number = os.cpus().length): Promise<void> {
    removeAbandonedRenderDirs();
    const pending = new Map<string, HelmInvocation>();
    for (const request of requests) {
      const { key, invocation } = this.plan(request);
      const cached = this.outputs.get(key) ?? this.renderCache?.get(key);
      if (cached === undefined) pending.set(key, invocation);
      else this.remember(key, cached);
    }
    const queue = [...pending.entries()];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [key, invocation] = next;
        this.remember(key, this.store(key, await runTemplateAsync(invocation)));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
  }

  private plan(request: TemplateRequest): PlannedRender {
    const helm = this.helm();
    const archive = this.archive(request.chart, helm);
    const invocation = { helm, chartPath: archive.path, request };
    return { key: renderKey(invocation, archive.digest), invocation };
  }

  private helm(): HelmBinary {
    this.helmBinary ??= this.options.helm ?? findHelm();
    return this.helmBinary;
  }

  private archive(chart: string, helm: HelmBinary): { path: string; digest: string } {
    let verified = this.verifiedArchives.get(chart);
    if (!verified) {
      const lock = readChartLock(chart, this.options.lockFile ?? CHART_LOCK_FILE);
      const archivePath = ensureChart(lock, { helm, mirror: this.options.mirror, cacheDir: this.options.chartCacheDir });
      verified = { path: archivePath, digest: lock.digest };
      this.verifiedArchives.set(chart, verified);
    }
    return verified;
  }

  private store(key: string, output: string): string {
    this.renderCache?.put(key, output);
    return output;
  }

  private remember(key: string, output: string): string {
    this.outputs.set(key, output);
    return output;
  }
}
