import * as os from 'os';
import { ensureChart } from './chart-archive';
import { CHART_LOCK_FILE, readChartLock } from './chart-lock';
import { findHelm, HelmBinary } from './helm-binary';
import { HelmInvocation, helmTimeoutMs, RunningTemplate, runTemplate, startTemplate, TemplateRequest } from './helm-template';
import { UserError } from '../support/errors';
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

/** Thrown by {@link HelmRenderer.template} inside {@link HelmRenderer.buildAll} for a render it has queued. */
class RenderPending extends Error {
  constructor(readonly chart: string) {
    super(`the render of chart ${chart} is queued (caught by HelmRenderer.buildAll)`);
  }
}

/**
 * The real helm behind {@link ChartRenderer}. It verifies each chart archive against the lock once,
 * keeps every output in memory, and reads and fills the render cache. {@link template} renders with
 * one synchronous `helm template`, as cdk8s's own Helm construct does; inside {@link buildAll} it
 * queues the render instead, so that the renders of many builds run side by side.
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
  /** Renders asked for inside {@link buildAll}, not started yet; undefined outside it. */
  private queued?: Map<string, HelmInvocation>;
  /** Inside {@link buildAll}: how many renders the build running now has been given. */
  private given = 0;

  constructor(private readonly options: HelmRendererOptions = {}) {
    this.renderCache = options.renderCache === undefined ? RenderCache.fromEnvironment() : options.renderCache ?? undefined;
  }

  public template(request: TemplateRequest): string {
    const { key, invocation } = this.plan(request);
    const known = this.known(key);
    if (known !== undefined) {
      this.given++;
      return known;
    }
    if (!this.queued) return this.keep(key, runTemplate(invocation));
    this.queued.set(key, invocation);
    throw new RenderPending(request.chart);
  }

  /**
   * Runs every build, each of which may construct HelmReleases that render with this renderer: a build
   * that asks for a render not done yet stops there and runs again once the renders its round asked for
   * are done, `concurrency` helm processes at a time. A build must therefore have no effect before its
   * last render (an app writes its files in `app.synth()`, its last step), and ask for the same renders
   * each time it runs. Any other error is thrown as is.
   */
  public async buildAll(builds: ReadonlyArray<() => void>, concurrency: number = os.availableParallelism()): Promise<void> {
    this.queued = new Map();
    try {
      for (let waiting = builds.map((build) => ({ build, given: -1 })); waiting.length > 0;) {
        waiting = waiting.filter((entry) => {
          this.given = 0;
          try {
            entry.build();
            return false;
          } catch (error) {
            if (!(error instanceof RenderPending)) throw error;
            // Run again, a build gets further, unless what it asks helm for differs from one run to the next.
            if (this.given <= entry.given) {
              throw new UserError(`a HelmRelease of chart ${error.chart} asks for other values each time its app is built; `
                + 'make its values the same on every build (no time, random or counter in them)');
            }
            entry.given = this.given;
            return true;
          }
        });
        await this.renderQueued(concurrency);
      }
    } finally {
      this.queued = undefined;
    }
  }

  /**
   * Runs the queued renders side by side and keeps their outputs. On the first failure the renders still
   * running are stopped and the failure is thrown.
   */
  private async renderQueued(concurrency: number): Promise<void> {
    const queue = [...this.queued ?? []];
    this.queued?.clear();
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

  private plan(request: TemplateRequest): { key: string; invocation: HelmInvocation } {
    const helm = this.helm();
    const archive = this.archive(request.chart, helm);
    const invocation = { helm, chartPath: archive.path, request };
    return { key: renderKey(invocation, archive.digest), invocation };
  }

  private helm(): HelmBinary {
    if (!this.helmBinary) {
      helmTimeoutMs(); // A bad HELM_TIMEOUT is refused by every synth, not only by one that runs helm.
      this.helmBinary = this.options.helm ?? findHelm();
    }
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
