import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { TemplateRequest } from '../helm/helm-template';
import { ChartRenderer, HelmRenderer } from '../helm/renderer';
import { RemovedApiError, upgradeApiVersion } from '../manifests/api-version-rules';
import { Manifest, objectKey } from '../manifests/manifest';
import { applyPatches, ManifestPatch } from '../manifests/manifest-patch';
import { scopeToNamespace, suffixClusterRbac } from '../manifests/namespace-scoping';
import { toServerNormalForm } from '../manifests/server-normal-form';
import { parseDocuments, SourcedDocument } from '../manifests/yaml';
import { UserError } from '../support/errors';
import { isReleaseName, isSupportedKubeVersion, minorOf } from '../support/rules';

/** Properties of {@link HelmRelease}. */
export interface HelmReleaseProps {
  /** Name of the chart's entry in charts.lock.yaml. @default none, required */
  readonly chart: string;
  /** Helm release name. @default the chart's name in its repository ("prometheus" for "edu/prometheus") */
  readonly releaseName?: string;
  /** Kubernetes minor version to render for, "1.N". @default none, required */
  readonly kubernetesVersion: string;
  /** Namespace of the release and of every namespaced object. @default "default" */
  readonly namespace?: string;
  /** Chart values. @default {} (the chart's own defaults) */
  readonly values?: object;
  /** For error messages: the chart value that turns on each template, by template path. @default {} */
  readonly valueHints?: Readonly<Record<string, string>>;
  /** Renders the chart. @default HelmRenderer.shared(): the real helm, charts.lock.yaml, the render cache */
  readonly renderer?: ChartRenderer;
  /** Changes the chart's values cannot make, applied to every object in order. @default [] */
  readonly patches?: readonly ManifestPatch[];
  /** Appended to the chart's ClusterRole and ClusterRoleBinding names, so releases in other namespaces do not share them. @default "" */
  readonly clusterRbacSuffix?: string;
}

/** A rendered object and the chart template it came from. */
interface RenderedManifest {
  readonly manifest: Manifest;
  readonly source: string;
}

const HOOK_ANNOTATION = 'helm.sh/hook';

/**
 * A release of a pinned Helm chart (the chart, its values, a release name and namespace), rendered by
 * the real helm binary into cdk8s ApiObjects, made right for the target Kubernetes version. Named for
 * the Helm release it stands for, so that "chart" keeps its two other meanings here: a Helm chart, and
 * a cdk8s Chart (one dist/ file).
 *
 * Like cdk8s's own `Helm` construct it runs `helm template` and includes the output, but it renders
 * only an archive whose sha256 matches charts.lock.yaml, and before including each object it
 * rewrites or refuses removed API versions, sets the namespace and drops values the API server
 * would not store (so a second `kubectl apply` reports every object unchanged).
 */
export class HelmRelease extends Construct {
  /** The release name. */
  public readonly releaseName: string;
  /** The objects as included, after the API version and namespace rules. */
  public readonly manifests: readonly Manifest[];
  /** The included ApiObjects, in helm's order. */
  public readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: HelmReleaseProps) {
    super(scope, id);
    const request = templateRequest(props);
    this.releaseName = request.releaseName;
    const output = (props.renderer ?? HelmRenderer.shared()).template(request);

    const targetMinor = minorOf(request.kubernetesVersion);
    const hints = props.valueHints ?? {};
    const rendered = parseRendered(output, request.chart);
    const clusterRoles = new Set(rendered.filter(({ manifest }) => manifest.kind === 'ClusterRole').map(({ manifest }) => manifest.metadata.name));
    this.manifests = rendered.map((object) => {
      refuseHook(object);
      const scoped = scopeToNamespace(upgradeOrExplain(object, targetMinor, hints), request.namespace);
      const owned = suffixClusterRbac(scoped, props.clusterRbacSuffix ?? '', clusterRoles);
      return toServerNormalForm(applyPatches(owned, props.patches ?? []));
    });
    refuseDuplicates(this.manifests);
    this.apiObjects = this.manifests.map((manifest) => new ApiObject(this, objectKey(manifest).replace(/\//g, '-'), manifest));
  }
}

/** The props with their defaults, after checking the ones helm would otherwise refuse less clearly. */
function templateRequest(props: HelmReleaseProps): TemplateRequest {
  const request = {
    chart: props.chart,
    releaseName: props.releaseName ?? props.chart.split('/').pop() as string,
    namespace: props.namespace ?? 'default',
    kubernetesVersion: props.kubernetesVersion,
    values: props.values ?? {},
  };
  if (!isSupportedKubeVersion(request.kubernetesVersion)) {
    throw new Error(`HelmRelease: kubernetesVersion "${request.kubernetesVersion}" is invalid; set it to a minor version such as "1.27"`);
  }
  if (!isReleaseName(request.releaseName)) {
    throw new Error(`HelmRelease: releaseName "${request.releaseName}" is invalid; use a DNS-1123 label of at most 53 characters`);
  }
  return request;
}

/**
 * Splits helm's output into objects, each with the template named in its "# Source:" comment. Output
 * that is not YAML, holds no object, or holds something that is not a Kubernetes object is refused: a
 * broken or impostor helm must not yield an empty or half-empty file in dist/.
 */
function parseRendered(output: string, chart: string): RenderedManifest[] {
  let documents: SourcedDocument[];
  try {
    documents = parseDocuments(output);
  } catch (error) {
    throw new UserError(`helm template of chart ${chart} printed text that is not YAML: ${(error as Error).message}`);
  }
  if (documents.length === 0) throw new UserError(`helm template of chart ${chart} printed no objects`);
  return documents.map((document) => {
    const source = document.source ?? 'an unknown template';
    if (!isKubernetesObject(document.value)) {
      throw new UserError(`helm template of chart ${chart} printed something that is not a Kubernetes object (${source})`);
    }
    return { manifest: document.value, source };
  });
}

function isKubernetesObject(value: unknown): value is Manifest {
  const candidate = value as Partial<Manifest> | null;
  return typeof candidate?.apiVersion === 'string' && typeof candidate.kind === 'string' && typeof candidate.metadata?.name === 'string';
}

/** `kubectl apply` has no hook phases: a hook rendered as a plain object would run at the wrong time. */
function refuseHook({ manifest, source }: RenderedManifest): void {
  const hook = manifest.metadata.annotations?.[HOOK_ANNOTATION];
  if (hook) {
    const object = `${manifest.kind} ${manifest.metadata.name} (${source})`;
    throw new UserError(`${object} is a Helm ${hook} hook; kubectl apply cannot run hooks, so turn it off in the chart values`);
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
    const key = objectKey(manifest);
    if (seen.has(key)) {
      throw new UserError(`the chart renders ${manifest.kind} ${manifest.metadata.name} twice; kubectl apply would keep only the last one`);
    }
    seen.add(key);
  }
}
