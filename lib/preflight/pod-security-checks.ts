import { Manifest, PodTemplate } from '../manifests/manifest';
import { INSTALL_POD_SECURITY_LABELS } from '../manifests/metadata';
import { CheckResult } from './check-result';
import { Kubectl } from './kubectl';

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'Job']);

/**
 * Whether Pod Security Admission lets each workload's pods into its namespace, for the namespaces
 * the folder does not create itself (those it creates carry their own labels). A pod built from the
 * workload's template is created with `--dry-run=server`: the API server runs its admission, which
 * enforces the namespace's level, whether a label or the cluster's AdmissionConfiguration sets it, and
 * stores nothing. (A Deployment itself is only warned about, never refused: its pods are.) The
 * service account is left out of that pod, since it may not exist before the apply.
 */
export function checkPodSecurity(kubectl: Kubectl, manifests: readonly Manifest[]): CheckResult[] {
  const created = new Set(manifests.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name));
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.has(m.kind) && !created.has(m.metadata.namespace ?? 'default'));
  return workloads.map((workload) => checkWorkload(kubectl, workload));
}

function checkWorkload(kubectl: Kubectl, workload: Manifest): CheckResult {
  const namespace = workload.metadata.namespace ?? 'default';
  const label = `${workload.kind} ${workload.metadata.name}`;
  const result = kubectl.run(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(probePod(workload, namespace)));
  if (result.status === 0) {
    return { name: 'pod-security', ok: true, detail: `namespace ${namespace} admits the pods of ${label}` };
  }
  const reason = result.stderr.trim().split('\n')[0] ?? '';
  const violation = /violates PodSecurity "([a-z]+)[^"]*": (.*)$/.exec(reason);
  if (!violation) {
    const question = `whether namespace ${namespace} admits the pods of ${label}`;
    return { name: 'pod-security', ok: false, detail: `cannot ask the cluster ${question}: ${reason}` };
  }
  const labels = Object.entries(INSTALL_POD_SECURITY_LABELS).map(([key, value]) => `${key}=${value}`).join(' ');
  const command = `kubectl label --overwrite namespace ${namespace} ${labels}`;
  const detail = `namespace ${namespace} enforces Pod Security "${violation[1]}", which rejects the pods of ${label} (${violation[2]}); `
    + `docs/applying.md, "Pod Security", says why; allow it: ${command}`;
  return { name: 'pod-security', ok: false, detail };
}

function probePod(workload: Manifest, namespace: string): object {
  const template = workload.spec?.template as PodTemplate;
  const { serviceAccountName: _name, serviceAccount: _account, ...spec } = template.spec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${workload.metadata.name}-preflight`.slice(0, 63), namespace, labels: template.metadata?.labels ?? {} },
    spec: { ...spec, automountServiceAccountToken: false },
  };
}
