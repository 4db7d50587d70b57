import { hasPodTemplate, ManifestPatch, withContainers, withPodSpec } from '../manifests/manifest-patch';
import { NOBODY } from '../support/rules';

/*
 * What the chart's values cannot express and this app changes in its output, one patch per row; each
 * is in docs/deviations.md. The values (values.ts) set what they can: resources, pull
 * policy, the server's and node-exporter's users.
 */

const isNodeExporter = (kind: string, name: string) => kind === 'DaemonSet' && name.endsWith('node-exporter');

/** The hardening of chart prometheus 11.6.0's workloads, applied to every rendered object in order. */
export const PROMETHEUS_HARDENING: readonly ManifestPatch[] = [
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
    appliesTo: (manifest) => isNodeExporter(manifest.kind, manifest.metadata.name),
    apply: (manifest) => withPodSpec(manifest, (spec) => ({ ...spec, automountServiceAccountToken: false })),
  },
  {
    description: 'node-exporter gets a readiness probe (HTTP) and a liveness probe (TCP) on its metrics port',
    reason: 'the chart has none, so a hung exporter would look healthy and its node would silently lose its metrics',
    appliesTo: (manifest) => isNodeExporter(manifest.kind, manifest.metadata.name),
    apply: (manifest) => withContainers(manifest, () => true, (container) => ({
      ...container,
      // Ready when it answers HTTP; alive while it accepts connections, so a slow scrape does not restart it.
      readinessProbe: { httpGet: { path: '/', port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5 },
      livenessProbe: { tcpSocket: { port: 'metrics' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    })),
  },
];
