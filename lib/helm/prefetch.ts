import * as os from 'os';
import { cacheKey, RenderCache } from './render-cache';
import { planRender, ChartRenderInputs } from './render-plan';

/**
 * Renders every chart into the cache, as many at once as there are cores, so the constructs that
 * follow find their output ready. Only a speed-up: a render that fails here fails again, with the
 * same one-line error, when its construct is built.
 */
export async function prefetchRenders(charts: readonly ChartRenderInputs[], cache: RenderCache = new RenderCache(), concurrency: number = os.cpus().length): Promise<void> {
  const byKey = new Map(charts.map(planRender).map((plan) => [cacheKey(plan.request, plan.digest), plan]));
  const plans = [...byKey.values()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plans.length) {
      const plan = plans[next];
      next += 1;
      await cache.prefetch(plan.request, plan.digest);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, plans.length)) }, worker));
}
