import { Container, Manifest } from '../manifests/manifest';
import { hasPodTemplate, ManifestPatch, withContainers, withPodSpec } from '../manifests/manifest-patch';
import { NOBODY, PrometheusChartName } from '../support/rules';

/*
 * What the charts' values cannot express and this app changes in its output, one patch per row; each
 * is in docs/deviations.md. The values (translations.ts) set what they can: resources, pull
 * policy, the server's and node-exporter's users.
 */

const isNodeExporter = (manifest: Manifest) => manifest.kind === 'DaemonSet' && manifest.metadata.name.endsWith('node-exporter');

/** The hardening of both charts' workloads, applied to every rendered object in order. */
const SHARED_HARDENING: readonly ManifestPatch[] = [
  {
    description: 'every container: no privilege escalation, no capabilities, read-only root file system',
    reason: 'none of the chart\'s processes needs a capability, and each writes only to its mounted volumes',
    appliesTo: hasPodTemplate,
    apply: (manifest) => withContainers(manifest, () => true, (container) => ({
      ...container,
      securityContext: {
        ...container.securityContext,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
    })),
  },
  {
    description: 'every pod: the RuntimeDefault seccomp profile',
    reason: 'the container runtime\'s default system-call filter; none of these processes needs more',
    appliesTo: hasPodTemplate,
    apply: (manifest) => withPodSpec(manifest, (spec) => ({
      ...spec,
      securityContext: { ...spec.securityContext, seccompProfile: { type: 'RuntimeDefault' } },
    })),
  },
  {
    description: `configmap-reload runs as nobody (${NOBODY})`,
    reason: 'it reads the mounted ConfigMap and POSTs to localhost:9090; it needs neither root nor the data directory\'s owner',
    appliesTo: hasPodTemplate,
    apply: (manifest) => withContainers(manifest, (container) => container.name.endsWith('configmap-reload'), (container) => ({
      ...container,
      securityContext: { ...container.securityContext, runAsUser: NOBODY, runAsGroup: NOBODY, runAsNonRoot: true },
    })),
  },
  {
    description: 'node-exporter mounts no service-account token',
    reason: 'it reads the host\'s /proc and /sys and never calls the Kubernetes API',
    appliesTo: isNodeExporter,
    apply: (manifest) => withPodSpec(manifest, (spec) => ({ ...spec, automountServiceAccountToken: false })),
  },
  {
    description: 'a liveness probe the same as the readiness probe becomes a TCP check of its port',
    reason: 'a liveness check that fails whenever readiness does restarts a container that is only busy, as kube-score warns; '
      + 'alive while it accepts connections',
    appliesTo: hasPodTemplate,
    apply: (manifest) => withContainers(manifest, hasIdenticalProbes, (container) => ({
      ...container,
      livenessProbe: {
        tcpSocket: { port: (container.livenessProbe as HttpProbe).httpGet.port }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6,
      },
    })),
  },
];

interface HttpProbe {
  httpGet: { path?: string; port: number | string };
}

/** True when the container's liveness and readiness probes make the same HTTP request. */
function hasIdenticalProbes(container: Container): boolean {
  const liveness = (container.livenessProbe as Partial<HttpProbe> | undefined)?.httpGet;
  const readiness = (container.readinessProbe as Partial<HttpProbe> | undefined)?.httpGet;
  return liveness !== undefined && readiness !== undefined && liveness.path === readiness.path && liveness.port === readiness.port;
}

/** The hardening of each chart: today's node-exporter has probes of its own; the book's has none. */
export const PROMETHEUS_HARDENING: Readonly<Record<PrometheusChartName, readonly ManifestPatch[]>> = {
  'edu/prometheus': [
    ...SHARED_HARDENING,
    {
      description: 'node-exporter gets a readiness probe (HTTP) and a liveness probe (TCP) on its metrics port',
      reason: 'the chart has none, so a hung exporter would look healthy and its node would silently lose its metrics',
      appliesTo: isNodeExporter,
      apply: (manifest) => withContainers(manifest, () => true, (container) => ({
        ...container,
        // Ready when it answers HTTP; alive while it accepts connections, so a slow scrape does not restart it.
        readinessProbe: { httpGet: { path: '/', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5 },
        livenessProbe: { tcpSocket: { port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
      })),
    },
  ],
  'prometheus-community/prometheus': SHARED_HARDENING,
};
