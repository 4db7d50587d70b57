import { Manifest } from './manifest';

/**
 * Drops values the API server does not store: empty lists, and zero values of the non-pointer fields
 * the chart spells out (`hostNetwork: false`, `subPath: ""`, a probe's `initialDelaySeconds: 0`). The
 * server omits them on write, so a manifest that keeps them never matches what is stored and every
 * `kubectl apply` reports "configured". Pointer fields such as `automountServiceAccountToken: false`
 * are stored and mean something, so only the fields named here are touched. A Deployment strategy of
 * `type: RollingUpdate` alone gets the server's defaults spelled out: kubectl retains only the keys
 * the manifest names there, so each apply would clear the defaulted `rollingUpdate` again.
 */
export function toServerNormalForm(manifest: Manifest): Manifest {
  const normal = normalize(manifest, []) as Manifest;
  return manifest.kind === 'Deployment' ? withDefaultRollingUpdate(normal) : normal;
}

const POD_SPEC_BOOLEANS = ['hostNetwork', 'hostPID', 'hostIPC'];
const VOLUME_MOUNT_STRINGS = ['subPath', 'subPathExpr'];
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
/** The API server's default for a Deployment's rolling update (apps/v1). */
const DEFAULT_ROLLING_UPDATE = { maxSurge: '25%', maxUnavailable: '25%' };

function withDefaultRollingUpdate(deployment: Manifest): Manifest {
  const spec = deployment.spec;
  const strategy = spec?.strategy;
  if (!strategy || strategy.type !== 'RollingUpdate' || Object.keys(strategy).length !== 1) return deployment;
  return { ...deployment, spec: { ...spec, strategy: { ...strategy, rollingUpdate: DEFAULT_ROLLING_UPDATE } } };
}

function normalize(value: unknown, at: string[]): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => normalize(item, at));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (Array.isArray(child) && child.length === 0) continue;
    if (isPodSpec(value) && POD_SPEC_BOOLEANS.includes(key) && child === false) continue;
    if (at[at.length - 1] === 'volumeMounts' && VOLUME_MOUNT_STRINGS.includes(key) && child === '') continue;
    if (PROBES.includes(at[at.length - 1]) && key === 'initialDelaySeconds' && child === 0) continue;
    result[key] = normalize(child, [...at, key]);
  }
  return result;
}

function isPodSpec(value: object): boolean {
  return Array.isArray((value as { containers?: unknown }).containers);
}
