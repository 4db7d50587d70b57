import { prometheusSettings } from '../../lib/charts/prometheus-chart';
import { BOOK_DEFAULTS } from '../../lib/config/schema';
import { HelmRenderer } from '../../lib/helm/renderer';
import { Manifest } from '../../lib/manifests/manifest';
import { Prometheus, PrometheusProps } from '../../lib/prometheus/prometheus';
import { findOne, MIRRORS, newChart, synthObjects } from '../helpers';

const renderer = new HelmRenderer({ mirrors: MIRRORS });
const BOOK = prometheusSettings(BOOK_DEFAULTS);

function render(props: Partial<PrometheusProps> = {}): Manifest[] {
  const { chart } = newChart();
  new Prometheus(chart, 'Prometheus', { ...BOOK, renderer, ...props });
  return synthObjects(chart);
}

describe('Prometheus', () => {
  const objects = render({ labels: { team: 'a' } });
  const server = findOne(objects, 'Deployment', 'prometheus-server') as any;

  test('renders the server, node-exporter and kube-state-metrics, and no pushgateway or alertmanager', () => {
    const workloads = objects.filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(workloads.sort()).toEqual(['DaemonSet/prometheus-node-exporter', 'Deployment/prometheus-kube-state-metrics', 'Deployment/prometheus-server']);
  });

  test('the server runs as the given uid and gid on the given claim', () => {
    const { chart } = newChart();
    new Prometheus(chart, 'Prometheus', { ...BOOK, renderer, uid: 2000, gid: 3000, claimName: 'data' });
    const other = findOne(synthObjects(chart), 'Deployment', 'prometheus-server') as any;
    expect(other.spec.template.spec.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000, fsGroup: 3000 });
    expect(other.spec.template.spec.volumes.find((v: any) => v.name === 'storage-volume').persistentVolumeClaim.claimName).toBe('data');
  });

  test('a policy per served workload selects its pods by the workload\'s own selector, for its container ports', () => {
    const policy = findOne(objects, 'NetworkPolicy', 'prometheus-server') as any;
    expect(policy.spec.podSelector.matchLabels).toEqual(server.spec.selector.matchLabels);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 9090, protocol: 'TCP' }]);
    expect(policy.spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '192.168.1.0/24' } }, { namespaceSelector: {} }]);
    expect(policy.metadata.labels).toEqual({ team: 'a' });
    const ksm = findOne(objects, 'NetworkPolicy', 'prometheus-kube-state-metrics') as any;
    expect(ksm.spec.ingress[0].from).toEqual([{ namespaceSelector: {} }]);
  });

  test('only a LoadBalancer Service carries source ranges', () => {
    const plain = findOne(render({ serviceType: 'ClusterIP' }), 'Service', 'prometheus-server') as any;
    expect(plain.spec.type).toBe('ClusterIP');
    expect(plain.spec.loadBalancerSourceRanges).toBeUndefined();
    expect((findOne(objects, 'Service', 'prometheus-server') as any).spec.loadBalancerSourceRanges).toEqual(['192.168.1.0/24']);
  });

  test('the hardening reaches every container', () => {
    for (const workload of objects.filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind)) as any[]) {
      for (const container of workload.spec.template.spec.containers) {
        expect(`${container.name} ${JSON.stringify(container.securityContext.capabilities)}`).toBe(`${container.name} {"drop":["ALL"]}`);
      }
    }
  });

  test.each([['uid', 0], ['gid', 0]] as const)('refuses %s %i with what to change', (field, value) => {
    const { chart } = newChart();
    expect(() => new Prometheus(chart, 'Prometheus', { ...BOOK, renderer, [field]: value }))
      .toThrow(`Prometheus: ${field} 0 contradicts the chart's runAsNonRoot; set ${field} to the data directory's non-root owner`);
  });

  test('outside "default", the ClusterRoles and their bindings carry the namespace, so installs in two namespaces own their own', () => {
    const inMonitoring = render({ namespace: 'monitoring' });
    const names = (kind: string, objects: Manifest[]) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
    expect(names('ClusterRole', objects)).toEqual(['prometheus-kube-state-metrics', 'prometheus-server']);
    expect(names('ClusterRole', inMonitoring)).toEqual(['prometheus-kube-state-metrics-monitoring', 'prometheus-server-monitoring']);
    for (const binding of inMonitoring.filter((o) => o.kind === 'ClusterRoleBinding') as any[]) {
      expect(binding.metadata.name).toMatch(/-monitoring$/);
      expect(binding.roleRef.name).toBe(binding.metadata.name);
      expect(binding.subjects.map((s: any) => s.namespace)).toEqual(['monitoring']);
    }
  });

  test('nodeExporter: false leaves node-exporter out, for a second install on a cluster that has one', () => {
    const without = render({ nodeExporter: false });
    expect(without.filter((o) => o.metadata.name.includes('node-exporter'))).toEqual([]);
    expect(without.filter((o) => o.kind === 'Deployment')).toHaveLength(2);
  });
});
