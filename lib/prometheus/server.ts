import { Manifest, podSpecOf } from '../manifests/manifest';
import { PROMETHEUS_SERVER_IMAGE } from '../support/rules';

/**
 * The Prometheus server's Deployment: the one whose container runs the server image, whatever the chart
 * or release calls it. Rendered objects and live ones are told apart the same way.
 */
export function findPrometheusServer(manifests: readonly Manifest[]): Manifest | undefined {
  return manifests.find((manifest) => manifest.kind === 'Deployment' && prometheusVersionOf(manifest) !== undefined);
}

/** The Prometheus release a server's image names, "v2.19.0"; undefined for any other object. */
export function prometheusVersionOf(manifest: Manifest): string | undefined {
  const images = (podSpecOf(manifest)?.containers ?? []).map((container) => PROMETHEUS_SERVER_IMAGE.exec(container.image ?? ''));
  return images.find((match) => match !== null)?.[1];
}
