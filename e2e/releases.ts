import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/support/project-root';

/*
 * The Kubernetes releases the e2e proves: one pinned module each under e2e/kube/ (v1.27, v1.37), whose
 * binaries scripts/install-kube.sh builds into tools/kube/<version>/. E2E_KUBE picks some ("v1.37",
 * or "v1.27,v1.37"); by default the e2e runs them all, oldest first.
 */

/** One release of the control plane, and what differs in starting it. */
export interface Release {
  /** The module folder and the target it proves: "v1.37". */
  readonly module: string;
  /** The config's kubernetesVersion for it: "1.37". */
  readonly target: string;
  /** The minor version: 37. */
  readonly minor: number;
  /** The exact release the module pins: "v1.37.2". */
  readonly version: string;
  /** Where its kube-apiserver, kube-controller-manager, kube-scheduler and kubectl are. */
  readonly bin: string;
}

const MODULES = path.join(PROJECT_ROOT, 'e2e', 'kube');

/** Every release pinned under e2e/kube, oldest first. */
export function pinnedReleases(): Release[] {
  return pinnedModules().map(release).sort((a, b) => a.minor - b.minor);
}

function pinnedModules(): string[] {
  return fs.readdirSync(MODULES).filter((name) => fs.existsSync(path.join(MODULES, name, 'go.mod')));
}

/** The releases of $E2E_KUBE, else every pinned one, oldest first. */
export function selectedReleases(env: NodeJS.ProcessEnv = process.env): Release[] {
  const pinned = pinnedModules();
  const wanted = env.E2E_KUBE ? env.E2E_KUBE.split(/[, ]+/).filter(Boolean) : pinned;
  const unknown = wanted.filter((name) => !pinned.includes(name));
  if (unknown.length > 0) throw new Error(`E2E_KUBE: ${unknown.join(', ')} is not a pinned release: expected some of ${pinned.join(', ')}`);
  return wanted.map(release).sort((a, b) => a.minor - b.minor);
}

function release(module: string): Release {
  const goMod = fs.readFileSync(path.join(MODULES, module, 'go.mod'), 'utf8');
  const version = /^\s*k8s\.io\/kubernetes (v[0-9.]+)$/m.exec(goMod)?.[1];
  if (!version) throw new Error(`e2e/kube/${module}/go.mod requires no k8s.io/kubernetes release`);
  const target = module.replace(/^v/, '');
  return { module, target, minor: Number(target.split('.')[1]), version, bin: path.join(PROJECT_ROOT, 'tools', 'kube', version) };
}

/**
 * kube-apiserver's flags that differ by release: 1.37's lease endpoint reconciler refuses to advertise
 * 127.0.0.1 ("cannot use public IP 127.0.0.1 with endpoint reconciler"), and a loopback server has no
 * endpoints to reconcile anyway. (Only the pinned releases are proven: 1.27 as it was, 1.37 so.)
 */
export function apiServerFlags(release: Release, advertisesLoopback: boolean): string[] {
  return release.minor > 27 && advertisesLoopback ? ['--endpoint-reconciler-type=none'] : [];
}

/**
 * The controllers kube-controller-manager runs: all but certificate signing and bootstrap tokens
 * (nothing to do here) and the node IPAM; 1.27 still lists the cloud controllers (service, route,
 * cloud-node-lifecycle), which the providerless build cannot run, while later releases no longer know
 * them and refuse the names.
 */
export function controllersFlag(release: Release): string {
  const off = ['csrsigning', 'csrapproving', 'csrcleaner', 'bootstrapsigner', 'tokencleaner', 'nodeipam'];
  if (release.minor <= 27) off.push('service', 'route', 'cloud-node-lifecycle');
  return `--controllers=*,${off.map((name) => `-${name}`).join(',')}`;
}
