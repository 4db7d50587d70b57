import { Manifest } from './manifest';

/**
 * Drops values the API server does not store: empty lists, and zero values of the non-pointer fields
 * the chart spells out (`hostNetwork: false`, `subPath: ""`). The server omits them on write, so a
 * manifest that keeps them never matches what is stored and every `kubectl apply` reports
 * "configured". Pointer fields such as `automountServiceAccountToken: false`
 * are stored and mean something, so only the fields named here are touched.
 */
export function toServerNormalForm(manifest: Manifest): Manifest {
  return normalize(manifest, []) as Manifest;
}

const POD_SPEC_BOOLEANS = ['hostNetwork', 'hostPID', 'hostIPC'];
const VOLUME_MOUNT_STRINGS = ['subPath', 'subPathExpr'];

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
    result[key] = normalize(child, [...at, key]);
  }
  return result;
}

function isPodSpec(value: object): boolean {
  return Array.isArray((value as { containers?: unknown }).containers);
}
