import * as os from 'os';
import { ensureChart } from './chart-archive';
import { CHART_LOCK_FILE, readChartLock } from './chart-lock';
import { findHelm, HelmBinary } from './helm-binary';
import { HelmInvocation, RunningTemplate, runTemplate, startTemplate, TemplateRequest } from './helm-template';
import { RenderCache, renderKey } from './render-cache';

/** Renders charts; what {@link HelmRelease} asks for its manifests. */
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

/**
 * The real helm behind {@link ChartRenderer}. It verifies each chart archive against the lock once,
 * keeps every output in memory, and reads and fills the render cache. {@link template} renders with
 * one synchronous `helm template`, as cdk8s's own Helm construct does; {@link renderAll} renders many
 * requests side by side ahead of the constructs that ask for them.
 */
export class HelmRenderer implements ChartRenderer {
  private static sharedInstance?: HelmRenderer;

  /** The renderer of every HelmRelease without its own, so that each chart is verified and each render run once. */
  public static shared(): HelmRenderer {
    HelmRenderer.sharedInstance ??= new HelmRenderer();
    return HelmRenderer.sharedInstance;
  }

  private helmBinary?: HelmBinary;
  private readonly verifiedArchives = new Map<string, { path: string; digest: string }>();
  private readonly outputs = new Map<string, string>();
  private readonly renderCache?: RenderCache;

  constructor(private readonly options: HelmRendererOptions = {}) {
    this.renderCache = options.renderCache === undefined ? RenderCache.fromEnvironment() : options.renderCache ?? undefined;
  }

  public template(request: TemplateRequest): string {
    const { key, invocation } = this.plan(request);
    return this.known(key) ?? this.keep(key, runTemplate(invocation));
  }

  /**
   * Renders every request not rendered or cached yet, `concurrency` helm processes at a time, so that
   * {@link template} then answers from memory. On the first failure the renders still running are
   * stopped and the failure is thrown.
   */
  public async renderAll(requests: readonly TemplateRequest[], concurrency: number = os.availableParallelism()): Promise<void> {
    const pending = new Map<string, HelmInvocation>();
    for (const { key, invocation } of requests.map((request) => this.plan(request))) {
      if (this.known(key) === undefined) pending.set(key, invocation);
    }
    const queue = [...pending];
    const running = new Set<RunningTemplate>();
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [key, invocation] = next;
        const render = startTemplate(invocation);
        running.add(render);
        try {
          this.keep(key, await render.output);
        } finally {
          running.delete(render);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), queue.length) }, worker));
    } catch (error) {
      queue.length = 0;
      for (const render of running) render.stop();
      throw error;
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

  /** The output of a render done before, in this process or (verified) in the render cache. */
  private known(key: string): string | undefined {
    const cached = this.outputs.get(key) ?? this.renderCache?.get(key);
    if (cached !== undefined) this.outputs.set(key, cached);
    return cached;
  }

  /** Keeps a fresh render in memory and in the render cache. */
  private keep(key: string, output: string): string {
    this.outputs.set(key, output);
    this.renderCache?.put(key, output);
    return output;
  }
}
