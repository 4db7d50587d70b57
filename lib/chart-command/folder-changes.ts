import { isDeepStrictEqual } from 'util';
import { Manifest, objectKey } from '../manifests/manifest';
import { isPlainObject } from '../support/object-path';

/** What a new synth changes in one output folder: objects by "Kind namespace/name", and images by repository. */
export interface FolderChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
  /** One line per image repository whose tags differ: "<repository>: <old> -> <new>", "(new)" or "(gone)". */
  readonly images: readonly string[];
}

/** The differences between a folder's objects before and after. */
export function folderChanges(before: readonly Manifest[], after: readonly Manifest[]): FolderChanges {
  const old = new Map(before.map((manifest) => [objectKey(manifest), manifest]));
  const current = new Map(after.map((manifest) => [objectKey(manifest), manifest]));
  return {
    added: after.filter((manifest) => !old.has(objectKey(manifest))).map(describeObject),
    removed: before.filter((manifest) => !current.has(objectKey(manifest))).map(describeObject),
    changed: after.filter((manifest) => {
      const previous = old.get(objectKey(manifest));
      return previous !== undefined && !isDeepStrictEqual(previous, manifest);
    }).map(describeObject),
    images: imageChanges(imagesOf(before), imagesOf(after)),
  };
}

/** True when the folder would stay as it is. */
export function isUnchanged(changes: FolderChanges): boolean {
  return changes.added.length + changes.removed.length + changes.changed.length === 0;
}

/** The changes as indented lines: one per object ("+" added, "-" removed, "~" changed), then one per image. */
export function describeChanges(changes: FolderChanges): string[] {
  return [
    ...changes.added.map((object) => `  + ${object}`),
    ...changes.removed.map((object) => `  - ${object}`),
    ...changes.changed.map((object) => `  ~ ${object}`),
    ...changes.images.map((image) => `  image ${image}`),
  ];
}

/** "Deployment default/prometheus-server", or "ClusterRole prometheus-server" for a cluster-scoped object. */
function describeObject(manifest: Manifest): string {
  const { namespace, name } = manifest.metadata;
  return `${manifest.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/** Fields of a pod spec that list containers, each of which names its image. */
const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];

/** Every container image the objects name, wherever their pod specs sit (Deployments, CronJobs, ...), by repository. */
function imagesOf(manifests: readonly Manifest[]): Map<string, Set<string>> {
  const images = new Map<string, Set<string>>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (CONTAINER_LISTS.includes(key) && Array.isArray(value)) {
        for (const container of value) {
          const image = isPlainObject(container) ? container.image : undefined;
          if (typeof image === 'string') {
            const { repository, tag } = splitImage(image);
            images.set(repository, (images.get(repository) ?? new Set()).add(tag));
          }
        }
      } else {
        walk(value);
      }
    }
  };
  manifests.forEach(walk);
  return images;
}

/** "quay.io/prometheus/prometheus:v3.14.0" -> repository and tag (the tag keeps a "@sha256:" digest; "latest" when none is written). */
function splitImage(image: string): { repository: string; tag: string } {
  const [reference, digest] = image.split('@');
  const colon = reference.lastIndexOf(':');
  const hasTag = colon > reference.lastIndexOf('/');
  const repository = hasTag ? reference.slice(0, colon) : reference;
  const tag = (hasTag ? reference.slice(colon + 1) : 'latest') + (digest ? `@${digest}` : '');
  return { repository, tag };
}

function imageChanges(before: Map<string, Set<string>>, after: Map<string, Set<string>>): string[] {
  const repositories = [...new Set([...before.keys(), ...after.keys()])].sort();
  const tags = (set: Set<string> | undefined) => [...(set ?? [])].sort().join(', ');
  return repositories.flatMap((repository) => {
    const [old, current] = [tags(before.get(repository)), tags(after.get(repository))];
    if (old === current) return [];
    if (old === '') return [`${repository}: ${current} (new)`];
    if (current === '') return [`${repository}: ${old} (gone)`];
    return [`${repository}: ${old} -> ${current}`];
  });
}
