import { Manifest, podSpecOf } from '../manifests/manifest';
import { getAt } from '../support/object-path';
import { cannotAsk, CheckResult } from './check-result';
import { isNotFound, Kubectl } from './kubectl';

/** Fields a live volume or claim must share with dist/, because Kubernetes will not change them in place. */
const FIXED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // A volume's source is immutable; a bound volume keeps its claim.
  PersistentVolume: ['spec.nfs.server', 'spec.nfs.path', 'spec.accessModes', 'spec.claimRef.name', 'spec.claimRef.namespace'],
  // A claim's spec is immutable but for the size, and a claim of storage class "" cannot be resized.
  PersistentVolumeClaim: ['spec.volumeName', 'spec.storageClassName', 'spec.accessModes', 'spec.resources.requests.storage'],
};

/**
 * Each PersistentVolume and claim of dist/ against the live one of the same name: new, the same in
 * every field apply cannot change, or different, with the steps that do work; and a volume left
 * `Released` by a deleted claim, which a new claim could never bind.
 */
export function checkStorage(kubectl: Kubectl, manifests: readonly Manifest[], folder: string): CheckResult[] {
  return manifests.filter((m) => m.kind in FIXED_FIELDS).map((expected) => checkObject(kubectl, expected, manifests, folder));
}

function checkObject(kubectl: Kubectl, expected: Manifest, manifests: readonly Manifest[], folder: string): CheckResult {
  const label = `${expected.kind} ${expected.metadata.name}`;
  const args = ['get', expected.kind.toLowerCase(), expected.metadata.name, '-o', 'json'];
  if (expected.metadata.namespace) args.push('--namespace', expected.metadata.namespace);
  const result = kubectl.run(args);
  if (result.status !== 0) {
    if (isNotFound(result.stderr)) return { name: expected.kind, ok: true, detail: `${label} does not exist yet; apply creates it` };
    return cannotAsk(expected.kind, label, result.stderr);
  }
  const live = JSON.parse(result.stdout) as Manifest;
  const differences = FIXED_FIELDS[expected.kind].flatMap((field) => describeDifference(field, expected, live));
  if (differences.length > 0) {
    const steps = recreateSteps(live, manifests, folder);
    return { name: expected.kind, ok: false, detail: `${label} exists with ${differences.join(', ')}; apply cannot change that: ${steps}` };
  }
  if (expected.kind === 'PersistentVolume' && live.status?.phase === 'Released') {
    const why = 'its old claim was deleted, so no new claim can bind it';
    return { name: expected.kind, ok: false, detail: `${label} is Released: ${why}; ${releaseCommand(live)}` };
  }
  return { name: expected.kind, ok: true, detail: `${label} exists and matches dist/` };
}

/** "field <live> (dist/ has <expected>)", or nothing when they agree. */
function describeDifference(field: string, expected: Manifest, live: Manifest): string[] {
  const at = field.split('.');
  const want = JSON.stringify(getAt(expected, at));
  const have = JSON.stringify(getAt(live, at));
  return want === have ? [] : [`${field} ${have ?? 'unset'} (dist/ has ${want ?? 'unset'})`];
}

/**
 * What does work for a static NFS volume: stop the writer, delete the claim, then the volume (with
 * Retain the data stays on the export), and apply again, which creates both anew and scales the
 * server back up.
 */
function recreateSteps(live: Manifest, manifests: readonly Manifest[], folder: string): string {
  const claim = live.kind === 'PersistentVolumeClaim'
    ? { name: live.metadata.name, namespace: live.metadata.namespace ?? 'default' }
    : live.spec?.claimRef;
  const volume = live.kind === 'PersistentVolume' ? live.metadata.name : live.spec?.volumeName ?? '';
  const steps: string[] = [];
  if (claim) {
    const writer = writerOf(manifests, claim.name);
    if (writer) steps.push(`kubectl -n ${claim.namespace} scale deployment ${writer} --replicas=0`);
    steps.push(`kubectl -n ${claim.namespace} delete pvc ${claim.name}`);
  }
  if (volume) steps.push(`kubectl delete pv ${volume} (its Retain policy keeps the data on the NFS export)`);
  steps.push(`kubectl apply -f ${folder}`);
  return steps.map((step, index) => `${index + 1}) ${step}`).join(' ');
}

/** The Deployment of dist/ that mounts the claim. */
function writerOf(manifests: readonly Manifest[], claimName: string): string | undefined {
  const mounts = (m: Manifest) => (podSpecOf(m)?.volumes ?? []).some((volume) => volume.persistentVolumeClaim?.claimName === claimName);
  return manifests.find((m) => m.kind === 'Deployment' && mounts(m))?.metadata.name;
}

/** Dropping the dead claim's uid makes the volume Available to a claim of the same name again. */
function releaseCommand(volume: Manifest): string {
  const patch = '[{"op":"remove","path":"/spec/claimRef/uid"},{"op":"remove","path":"/spec/claimRef/resourceVersion"}]';
  return `run: kubectl patch pv ${volume.metadata.name} --type json -p '${patch}'`;
}
