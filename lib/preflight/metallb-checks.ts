import { cannotAsk, CheckResult } from './check-result';
import { isNotFound, Kubectl } from './kubectl';

/*
 * What MetalLB needs before a LoadBalancer Service gets its EXTERNAL-IP: MetalLB itself (its IPAddressPool
 * CRD, v0.13 and later; before that, its ConfigMap), a pool its controller may hand addresses out of, and an advertisement that announces
 * them (L2, as the book's lab does, or BGP). Without a pool the Service stays <pending>; without an
 * advertisement it gets an address nothing answers on.
 */

const NAME = 'metallb';
const POOL_CRD = 'ipaddresspools.metallb.io';
const INSTALL = 'install MetalLB (https://metallb.universe.tf/installation/)';
const BOOK_POOL = 'the book\'s is 192.168.1.11-192.168.1.49';

interface Pool {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { addresses?: string[]; autoAssign?: boolean };
}

interface Advertisement {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { ipAddressPools?: string[]; ipAddressPoolSelectors?: LabelSelector[] };
}

/** A Kubernetes label selector (metav1.LabelSelector), as an advertisement picks pools by their labels. */
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** The check for the LoadBalancer Service `service` (namespace/name, for the messages). */
export function checkMetalLb(kubectl: Kubectl, service: string): CheckResult {
  const pending = `the LoadBalancer Service ${service} would stay <pending>`;
  const crd = kubectl.run(['get', 'crd', POOL_CRD, '-o', 'name']);
  if (crd.status !== 0) {
    if (!isNotFound(crd.stderr)) return cannotAsk(NAME, `CRD ${POOL_CRD}`, crd.stderr);
    // MetalLB before v0.13 (the book's era) has no CRDs: its pools are in this ConfigMap.
    const legacy = kubectl.run(['-n', 'metallb-system', 'get', 'configmap', 'config', '-o', 'jsonpath={.data.config}']);
    if (legacy.status === 0 && /addresses:/.test(legacy.stdout)) {
      return { name: NAME, ok: true, detail: 'ConfigMap metallb-system/config (MetalLB before v0.13) names address pools' };
    }
    return { name: NAME, ok: false, detail: `MetalLB not found (no CRD ${POOL_CRD}): ${INSTALL}; without it ${pending}` };
  }
  const pools = list<Pool>(kubectl, 'ipaddresspools.metallb.io');
  if (typeof pools === 'string') return cannotAsk(NAME, 'MetalLB\'s IPAddressPools', pools);
  const usable = pools.filter((pool) => pool.spec?.autoAssign !== false && (pool.spec?.addresses ?? []).length > 0);
  if (usable.length === 0) {
    const found = pools.length === 0
      ? 'no IPAddressPool'
      : `no IPAddressPool that hands out addresses (${pools.map(named).join(', ')}: autoAssign false or no addresses)`;
    const create = `create one with the addresses it may hand out (${BOOK_POOL}) and an L2Advertisement of it`;
    return { name: NAME, ok: false, detail: `MetalLB is installed but has ${found}: ${pending}; ${create}` };
  }
  const advertisements = list<Advertisement>(kubectl, 'l2advertisements.metallb.io,bgpadvertisements.metallb.io');
  if (typeof advertisements === 'string') return cannotAsk(NAME, 'MetalLB\'s advertisements', advertisements);
  const announced = usable.filter((pool) => advertisements.some((advertisement) => announces(advertisement, pool)));
  if (announced.length === 0) {
    const nothing = `no L2Advertisement or BGPAdvertisement announces IPAddressPool ${usable.map(named).join(', ')}`;
    const create = 'create an L2Advertisement of it (the book\'s lab is layer 2)';
    return { name: NAME, ok: false, detail: `${nothing}: the Service ${service} would get an address nothing answers on; ${create}` };
  }
  const pool = announced[0];
  const by = advertisements.filter((advertisement) => announces(advertisement, pool)).map((a) => `${a.kind} ${named(a)}`);
  return { name: NAME, ok: true, detail: `IPAddressPool ${named(pool)} (${(pool.spec?.addresses ?? []).join(', ')}) announced by ${by.join(', ')}` };
}

/** The objects of the kinds in every namespace, or kubectl's error. */
function list<T>(kubectl: Kubectl, kinds: string): T[] | string {
  const result = kubectl.run(['get', kinds, '--all-namespaces', '-o', 'json']);
  if (result.status !== 0) return result.stderr;
  return (JSON.parse(result.stdout) as { items: T[] }).items;
}

/**
 * An advertisement without pools or selectors announces every pool of its namespace; otherwise the pools it names
 * and those any of its selectors match, as MetalLB reads it.
 */
function announces(advertisement: Advertisement, pool: Pool): boolean {
  if (advertisement.metadata.namespace !== pool.metadata.namespace) return false;
  const names = advertisement.spec?.ipAddressPools ?? [];
  const selectors = advertisement.spec?.ipAddressPoolSelectors ?? [];
  return (names.length === 0 && selectors.length === 0) || names.includes(pool.metadata.name)
    || selectors.some((selector) => selects(selector, pool.metadata.labels ?? {}));
}

/** Whether the label selector matches the labels, by Kubernetes' rules (every term must hold; an empty selector matches all). */
function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const has = (key: string): boolean => Object.hasOwn(labels, key);
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value)
    && (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In': return has(key) && values.includes(labels[key]);
        case 'NotIn': return !has(key) || !values.includes(labels[key]);
        case 'Exists': return has(key);
        case 'DoesNotExist': return !has(key);
      }
    });
}

function named(object: { metadata: { name: string; namespace?: string } }): string {
  return `${object.metadata.namespace}/${object.metadata.name}`;
}
