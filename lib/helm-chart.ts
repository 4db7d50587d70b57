import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Manifest, minorOf, RemovedApiError, upgradeApiVersion } from './api-version-rules';
import { UserError } from './errors';
import { RenderCache } from './helm/render-cache';
import { ChartRenderInputs, planRender } from './helm/render-plan';
import { renderChart } from './helm/render';
import { scopeToNamespace } from './namespace-scoping';
import { toServerNormalForm } from './server-normal-form';
import { parseDocuments } from './yaml-documents';

/** Properties of {@link HelmChart}: what to render (see ChartRenderInputs), plus the following. */
export interface HelmChartProps extends ChartRenderInputs {
  /** For error messages: the chart value that turns on each template, by template path. @default {} */
  readonly valueHints?: Readonly<Record<string, string>>;
  /** Cache of rendered output. @default a RenderCache in $RENDER_CACHE_DIR or .cache/renders */
  readonly renderCache?: RenderCache;
}

/** A rendered object and the chart template it came from. */
interface RenderedManifest {
  readonly manifest: Manifest;
  readonly source: string;
}

const HOOK_ANNOTATION = 'helm.sh/hook';

/**
 * A pinned Helm chart rendered by the real helm binary into cdk8s ApiObjects, made right for the
 * target Kubernetes version.
 *
 * Like cdk8s's own `Helm` construct it runs `helm template` and includes the output, but it renders
 * only an archive whose sha256 matches charts.lock.yaml, and before including each object it
 * rewrites or refuses removed API versions, sets the namespace and drops values the API server
 * would not store (so a second `kubectl apply` reports every object unchanged).
 */
export class HelmChart extends Construct {
  /** The release name. */
  public readonly releaseName: string;
  /** The objects as included, after the API version and namespace rules. */
  public readonly manifests: readonly Manifest[];
  /** The included ApiObjects, in helm's order. */
  public readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: HelmChartProps) {
    super(scope, id);
    validateProps(props);
    const { request, digest } = planRender(props);
    const { namespace, kubeVersion } = request;
    this.releaseName = request.releaseName;
    const cache = props.renderCache ?? new RenderCache();
    const output = cache.getOrRender(request, digest, () => renderChart(request));

    const targetMinor = minorOf(kubeVersion);
    const hints = props.valueHints ?? {};
    this.manifests = parseRendered(output).map((rendered) => {
      refuseHook(rendered);
      return toServerNormalForm(scopeToNamespace(upgradeOrExplain(rendered, targetMinor, hints), namespace));
    });
    refuseDuplicates(this.manifests);
    this.apiObjects = this.manifests.map((manifest) => new ApiObject(this, objectId(manifest), manifest));
  }
}

function validateProps(props: HelmChartProps): void {
  if (props.kubeVersion !== undefined && !/^1\.[0-9]+$/.test(props.kubeVersion)) {
    throw new Error(`HelmChart: kubeVersion "${props.kubeVersion}" is invalid; set it to a minor version such as "1.27"`);
  }
  if (props.releaseName !== undefined && !/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/.test(props.releaseName)) {
    throw new Error(`HelmChart: releaseName "${props.releaseName}" is invalid; use a DNS-1123 label of at most 53 characters`);
  }
}

/** Splits helm's output into objects, each with the template named in its "# Source:" comment. */
function parseRendered(output: string): RenderedManifest[] {
  return parseDocuments(output).map((document) => ({
    manifest: document.value as Manifest,
    source: document.source ?? 'an unknown template',
  }));
}

/** `kubectl apply` has no hook phases: a hook rendered as a plain object would run at the wrong time. */
function refuseHook({ manifest, source }: RenderedManifest): void {
  const hook = manifest.metadata.annotations?.[HOOK_ANNOTATION];
  if (hook) {
    throw new UserError(`${manifest.kind} ${manifest.metadata.name} (${source}) is a Helm ${hook} hook; kubectl apply cannot run hooks, so turn it off in the chart values`);
  }
}

function upgradeOrExplain(rendered: RenderedManifest, targetMinor: number, hints: Readonly<Record<string, string>>): Manifest {
  try {
    return upgradeApiVersion(rendered.manifest, targetMinor);
  } catch (error) {
    if (!(error instanceof RemovedApiError)) throw error;
    const hint = hints[rendered.source];
    const remedy = hint ? `turn it off with ${hint}` : `turn off the chart values that render ${rendered.source}`;
    throw new UserError(`${error.message}; Kubernetes 1.${targetMinor} cannot apply it: ${remedy}`);
  }
}

function refuseDuplicates(manifests: readonly Manifest[]): void {
  const seen = new Set<string>();
  for (const manifest of manifests) {
    const key = objectId(manifest);
    if (seen.has(key)) {
      throw new UserError(`the chart renders ${manifest.kind} ${manifest.metadata.name} twice; kubectl apply would keep only the last one`);
    }
    seen.add(key);
  }
}

function objectId(manifest: Manifest): string {
  return `${manifest.kind}-${manifest.metadata.namespace ?? 'cluster'}-${manifest.metadata.name}`;
}
