import { API_VERSION_RULES, ApiVersionRule, findRemovedApiRule, RemovedApiError, upgradeApiVersion } from '../../lib/manifests/api-version-rules';
import { Manifest } from '../../lib/manifests/manifest';
import { MAX_KUBE_MINOR } from '../../lib/support/rules';
import { pinnedReleases } from '../../e2e/releases';
import { describedKinds } from './schemas';
import { CLUSTER_SCOPED_KINDS, scopeToNamespace } from '../../lib/manifests/namespace-scoping';

function manifest(apiVersion: string, kind: string, extra: Partial<Manifest> = {}): Manifest {
  return { apiVersion, kind, metadata: { name: 'demo' }, spec: { untouched: true }, ...extra };
}

/** One case per (rule, kind): each rule is exercised for every kind it lists. */
const cases: Array<[string, string, ApiVersionRule]> = API_VERSION_RULES.flatMap((rule) =>
  rule.kinds.map((kind): [string, string, ApiVersionRule] => [rule.apiVersion, kind, rule]));

describe('API version rules', () => {
  test('each rule either rewrites or refuses, never both', () => {
    for (const rule of API_VERSION_RULES) {
      expect(Boolean(rule.rewriteTo) !== Boolean(rule.refuse)).toBe(true);
    }
  });

  test.each(cases.filter(([, , rule]) => rule.rewriteTo))('%s %s is rewritten from the version that removed it', (apiVersion, kind, rule) => {
    const upgraded = upgradeApiVersion(manifest(apiVersion, kind), rule.removedIn);
    expect(upgraded.apiVersion).toBe(rule.rewriteTo);
    expect(upgraded.spec).toEqual({ untouched: true });
    expect(upgradeApiVersion(manifest(apiVersion, kind), rule.removedIn - 1).apiVersion).toBe(apiVersion);
  });

  test.each(cases.filter(([, , rule]) => rule.refuse))('%s %s is refused from the version that removed it', (apiVersion, kind, rule) => {
    expect(() => upgradeApiVersion(manifest(apiVersion, kind), rule.removedIn)).toThrow(RemovedApiError);
    expect(() => upgradeApiVersion(manifest(apiVersion, kind), rule.removedIn)).toThrow(`${kind} demo uses ${apiVersion}, which Kubernetes 1.${rule.removedIn} removed; it cannot be rewritten: ${rule.refuse}`);
    expect(upgradeApiVersion(manifest(apiVersion, kind), rule.removedIn - 1).apiVersion).toBe(apiVersion);
  });

  test('the book chart\'s RBAC v1beta1 becomes v1 on 1.27', () => {
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
      expect(upgradeApiVersion(manifest('rbac.authorization.k8s.io/v1beta1', kind), 27).apiVersion).toBe('rbac.authorization.k8s.io/v1');
    }
  });

  test('PodDisruptionBudget policy/v1beta1 becomes policy/v1 from 1.25, not before', () => {
    expect(upgradeApiVersion(manifest('policy/v1beta1', 'PodDisruptionBudget'), 25).apiVersion).toBe('policy/v1');
    expect(upgradeApiVersion(manifest('policy/v1beta1', 'PodDisruptionBudget'), 24).apiVersion).toBe('policy/v1beta1');
  });

  test('current APIs and unknown kinds pass through untouched', () => {
    const deployment = manifest('apps/v1', 'Deployment');
    expect(upgradeApiVersion(deployment, 27)).toBe(deployment);
    expect(findRemovedApiRule(manifest('monitoring.coreos.com/v1', 'ServiceMonitor'), 27)).toBeUndefined();
  });
});

describe('namespace scoping', () => {
  test('namespaced objects get the namespace, whatever the chart set', () => {
    expect(scopeToNamespace(manifest('v1', 'ConfigMap'), 'monitoring').metadata.namespace).toBe('monitoring');
    const elsewhere = manifest('v1', 'Service', { metadata: { name: 'demo', namespace: 'default' } });
    expect(scopeToNamespace(elsewhere, 'monitoring').metadata.namespace).toBe('monitoring');
  });

  test('cluster-scoped objects get none', () => {
    for (const kind of CLUSTER_SCOPED_KINDS) {
      const scoped = scopeToNamespace(manifest('v1', kind, { metadata: { name: 'demo', namespace: 'default' } }), 'monitoring');
      expect(scoped.metadata.namespace).toBeUndefined();
    }
  });

  test('ServiceAccount subjects without a namespace get the release namespace; others are kept', () => {
    const binding = manifest('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', {
      subjects: [
        { kind: 'ServiceAccount', name: 'prometheus-server' },
        { kind: 'ServiceAccount', name: 'elsewhere', namespace: 'kube-system' },
        { kind: 'Group', name: 'system:masters' },
      ],
    });
    expect(scopeToNamespace(binding, 'monitoring').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'prometheus-server', namespace: 'monitoring' },
      { kind: 'ServiceAccount', name: 'elsewhere', namespace: 'kube-system' },
      { kind: 'Group', name: 'system:masters' },
    ]);
  });
});

describe(`the table against the OpenAPI documents of the newest target, 1.${MAX_KUBE_MINOR}`, () => {
  const served = describedKinds(`1.${MAX_KUBE_MINOR}`);

  test('the newest target the config accepts is the newest release the e2e pins and proves', () => {
    expect(Math.max(...pinnedReleases().map((release) => release.minor))).toBe(MAX_KUBE_MINOR);
  });

  test('no removed apiVersion of the table is described there any more', () => {
    const stillThere = API_VERSION_RULES.flatMap((rule) => rule.kinds.map((kind) => `${rule.apiVersion} ${kind}`)).filter((key) => served.has(key));
    expect(stillThere).toEqual([]);
  });

  test('every rewrite lands on an apiVersion that is described there, for the same kind', () => {
    const missing = API_VERSION_RULES.filter((rule) => rule.rewriteTo)
      .flatMap((rule) => rule.kinds.map((kind) => `${rule.rewriteTo} ${kind}`)).filter((key) => !served.has(key));
    expect(missing).toEqual([]);
  });
});
