/*
 * What the target Kubernetes release changes in the chart values: the control plane's taint, which
 * node-exporter must tolerate, and the kube-state-metrics 1.9.7 collectors whose API the release removed.
 */

const MASTER_TAINT = 'node-role.kubernetes.io/master';
const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';

/**
 * Minor version that stopped serving the API each kube-state-metrics 1.9.7 collector lists (read in its
 * source, internal/store: certificates/v1beta1, extensions/v1beta1, batch/v1beta1, autoscaling/v2beta1,
 * policy/v1beta1; its other collectors list v1 APIs). kube-state-metrics 2.x lists only served APIs.
 */
const COLLECTOR_API_REMOVED_IN: Readonly<Record<string, number>> = {
  certificatesigningrequests: 22,
  ingresses: 22,
  cronjobs: 25,
  horizontalpodautoscalers: 25,
  poddisruptionbudgets: 25,
};

/**
 * The taints kubeadm puts on a control-plane node of the target release, which node-exporter must
 * tolerate to run there: `master` up to 1.23 (the book's clusters); both in 1.24, which added
 * `control-plane`; only `control-plane` from 1.25, when kubeadm stopped setting `master` and removed it
 * on upgrade (kubeadm's 1.24 and 1.25 release notes).
 */
export function controlPlaneTaints(targetMinor: number): string[] {
  return targetMinor <= 23 ? [MASTER_TAINT] : targetMinor === 24 ? [MASTER_TAINT, CONTROL_PLANE_TAINT] : [CONTROL_PLANE_TAINT];
}

export function controlPlaneTolerations(targetMinor: number): object[] {
  return controlPlaneTaints(targetMinor).map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' }));
}

/** The 1.9.7 collectors to switch off: `secrets` (its rule reads every Secret), and those whose API the target no longer serves. */
export function retiredCollectors(targetMinor: number): Record<string, boolean> {
  const collectors: Record<string, boolean> = { secrets: false };
  for (const [collector, removedIn] of Object.entries(COLLECTOR_API_REMOVED_IN)) {
    if (targetMinor >= removedIn) collectors[collector] = false;
  }
  return collectors;
}
