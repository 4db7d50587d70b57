import * as os from 'os';
import { ensureChart } from './chart-archive';
import { CHART_LOCK_FILE, readChartLock } from './chart-lock';
import { findHelm, HelmBinary } from './helm-binary';
import { HelmInvocation, removeAbandonedRenderDirs, RunningTemplate, runTemplate, startTemplate, TemplateRequest } from './helm-template';
import { sleepSync } from '../support/processes';
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
  /** Directories or http(s) URLs mirroring the chart repositories. @default $CHART_MIRROR, else the lock's localMirrors, then its repository */
  readonly mirrors?: readonly string[];
  /** Where verified chart archives are kept. @default $CHART_CACHE_DIR, else .cache/charts */
  readonly chartCacheDir?: string;
  /** Cache of rendered output; null for none. @default RenderCache.fromEnvironment() */
  readonly renderCache?: RenderCache | null;
}

interface PlannedRender {
  readonly key: string;
  readonly invocation: HelmInvocation;
}

/** How often a synchronous wait looks at the renders in flight: a millisecond of latency at most. */
const POLL_MS = 1;

/**
 * The real helm behind {@link ChartRenderer}. It verifies each chart archive against the lock once,
 * keeps every output it rendered or prefetched in memory, and reads and fills the render cache.
 */
export class HelmRenderer implements ChartRenderer {
  private static sharedInstance?: HelmRenderer;

  /** The renderer of every HelmChart without its own, so that each chart is verified and each render run once. */
  public static shared(): HelmRenderer {
    HelmRenderer.sharedInstance ??= new HelmRenderer();
    return HelmRenderer.sharedInstance;
  }

  private helmBinary?: HelmBinary;
  private readonly verifiedArchives = new Map<string, { path: string; digest: string }>();
  private readonly outputs = new Map<string, string>();
  private readonly renderCache?: RenderCache;
  private readonly running = new Map<string, RunningTemplate>();
  private readonly queued = new Map<string, HelmInvocation>();
  private concurrency = 1;

  constructor(private readonly options: HelmRendererOptions = {}) {
    this.renderCache = options.renderCache === undefined ? RenderCache.fromEnvironment() : options.renderCache ?? undefined;
  }

  public template(request: TemplateRequest): string {
    const { key, invocation } = this.plan(request);
    if (this.running.has(key) || this.queued.has(key)) return this.waitFor(key);
    const known = this.outputs.get(key) ?? this.renderCache?.get(key);
    return this.remember(key, known ?? this.store(key, runTemplate(invocation)));
  }

  /**
   * Starts rendering the requests in the background, as many at once as there are cores, and returns
   * at once; {@link template} later takes each output from memory, waiting for it if it is still
   * being rendered.
   */
  public prefetch(requests: readonly TemplateRequest[], concurrency: number = os.cpus().length): void {
    removeAbandonedRenderDirs();
    this.concurrency = Math.max(1, concurrency);
    for (const request of requests) {
      const { key, invocation } = this.plan(request);
      const cached = this.outputs.get(key) ?? this.renderCache?.get(key);
      if (cached !== undefined) this.remember(key, cached);
      else if (!this.running.has(key)) this.queued.set(key, invocation);
    }
    this.startQueued();
  }

  /** Stops every render still in flight (a synth that failed does not wait for the others). */
  public stop(): void {
    for (const render of this.running.values()) render.stop();
    this.running.clear();
    this.queued.clear();
  }

  /** Blocks until the render of `key` is done, starting queued renders as others finish. */
  private waitFor(key: string): string {
    for (;;) {
      for (const [runningKey, render] of this.running) {
        let output: string | undefined;
        try {
          output = render.poll();
        } catch (error) {
          this.stop();
          throw error;
        }
        if (output === undefined) continue;
        this.running.delete(runningKey);
        this.remember(runningKey, this.store(runningKey, output));
      }
      this.startQueued();
      const output = this.outputs.get(key);
      if (output !== undefined && !this.running.has(key)) return output;
      sleepSync(POLL_MS);
    }
  }

  private startQueued(): void {
    for (const [key, invocation] of this.queued) {
      if (this.running.size >= this.concurrency) return;
      this.queued.delete(key);
      this.running.set(key, startTemplate(invocation));
    }
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
      const archivePath = ensureChart(lock, { helm, mirrors: this.options.mirrors, cacheDir: this.options.chartCacheDir });
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
