import { PodNetworkPolicy, PodNetworkPolicyProps } from '../../lib/constructs/pod-network-policy';
import { newChart, synthObjects } from '../helpers';

function policyOf(props: PodNetworkPolicyProps): any {
  const { chart } = newChart();
  new PodNetworkPolicy(chart, 'Policy', props);
  return synthObjects(chart)[0];
}

const TARGET = { name: 'server', namespace: 'monitoring', podLabels: { app: 'server' } };

describe('PodNetworkPolicy', () => {
  test('admits the listed networks and the cluster to the listed ports, nothing else inbound', () => {
    const policy = policyOf({ ...TARGET, ports: [9090], fromCidrs: ['192.168.1.0/24'], fromCluster: true, labels: { team: 'a' } });
    expect(policy.metadata).toEqual({ name: 'server', namespace: 'monitoring', labels: { team: 'a' } });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { app: 'server' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ ipBlock: { cidr: '192.168.1.0/24' } }, { namespaceSelector: {} }], ports: [{ port: 9090, protocol: 'TCP' }] }],
    });
  });

  test('with no ports or no peers it admits nothing, and writes no empty rule lists the API server would drop', () => {
    expect(policyOf({ ...TARGET, fromCluster: true }).spec).toEqual({ podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] });
    expect(policyOf({ ...TARGET, ports: [9090] }).spec).toEqual({ podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] });
  });

  test('egress: false forbids every outbound connection too', () => {
    expect(policyOf({ ...TARGET, egress: false }).spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  test('refuses empty pod labels, which would select every pod of the namespace', () => {
    const { chart } = newChart();
    expect(() => new PodNetworkPolicy(chart, 'Policy', { ...TARGET, podLabels: {} })).toThrow(/podLabels is empty, which would select every pod/);
  });

  test('refuses a network with host bits set', () => {
    const { chart } = newChart();
    expect(() => new PodNetworkPolicy(chart, 'Policy', { ...TARGET, fromCidrs: ['192.168.1.1/24'] }))
      .toThrow('PodNetworkPolicy server: fromCidrs entry "192.168.1.1/24" is invalid; use an IPv4 network such as 192.168.1.0/24');
  });
});
