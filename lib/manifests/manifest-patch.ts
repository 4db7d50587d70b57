import { Container, Manifest, PodSpec } from './manifest';

/**
 * A change to rendered objects that the chart's values cannot make, written as data: what it does,
 * why, which objects it touches and how. Like the API-version rules, every patch is listed in one
 * table (lib/prometheus/hardening.ts) and named in docs/deviations.md.
 */
export interface ManifestPatch {
  /** What it changes, in a few words. */
  readonly description: string;
  /** Why the install is better with it. */
  readonly reason: string;
  /** True for the objects it changes. */
  readonly appliesTo: (manifest: Manifest) => boolean;
  /** The changed object; the input is never mutated. */
  readonly apply: (manifest: Manifest) => Manifest;
}

const POD_TEMPLATE_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job']);

/** True for objects with a pod template. */
export function hasPodTemplate(manifest: Manifest): boolean {
  return POD_TEMPLATE_KINDS.has(manifest.kind);
}

/** Every patch that applies, in table order. */
export function applyPatches(manifest: Manifest, patches: readonly ManifestPatch[]): Manifest {
  return patches.reduce((current, patch) => (patch.appliesTo(current) ? patch.apply(current) : current), manifest);
}

/** The object with its pod template's spec replaced by `change(spec)`; an object without one as it is. */
export function withPodSpec(manifest: Manifest, change: (spec: PodSpec) => PodSpec): Manifest {
  const template = manifest.spec?.template;
  return template ? { ...manifest, spec: { ...manifest.spec, template: { ...template, spec: change(template.spec) } } } : manifest;
}

/** The object with each container for which `matches` holds replaced by `change(container)`. */
export function withContainers(manifest: Manifest, matches: (container: Container) => boolean, change: (c: Container) => Container): Manifest {
  return withPodSpec(manifest, (spec) => ({
    ...spec,
    containers: spec.containers.map((container) => (matches(container) ? change(container) : container)),
  }));
}
