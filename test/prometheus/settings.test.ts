import { prometheusSettings } from '../../lib/charts/prometheus-chart';
import { BOOK_DEFAULTS } from '../../lib/config/schema';
import { prometheusTemplateRequest } from '../../lib/prometheus/settings';

describe('prometheusTemplateRequest', () => {
  const book = prometheusSettings(BOOK_DEFAULTS);
  const collectorsFor = (kubernetesVersion: string) =>
    (prometheusTemplateRequest({ ...book, kubernetesVersion }).values as any)['kube-state-metrics'].collectors;

  test('for 1.27, every kube-state-metrics 1.9.7 collector whose API is gone is off, and secrets', () => {
    expect(collectorsFor('1.27')).toEqual({
      secrets: false,
      certificatesigningrequests: false,
      ingresses: false,
      cronjobs: false,
      horizontalpodautoscalers: false,
      poddisruptionbudgets: false,
    });
  });

  test('a target that still serves an API keeps its collector', () => {
    expect(collectorsFor('1.24')).toEqual({ secrets: false, certificatesigningrequests: false, ingresses: false });
    expect(collectorsFor('1.25')).toHaveProperty('horizontalpodautoscalers', false);
  });

  test('node-exporter tolerates the taint kubeadm sets on the target\'s control plane: master to 1.23, both in 1.24, control-plane from 1.25', () => {
    const keysFor = (kubernetesVersion: string) =>
      (prometheusTemplateRequest({ ...book, kubernetesVersion }).values as any).nodeExporter.tolerations.map((t: any) => `${t.key}:${t.effect}`);
    const master = 'node-role.kubernetes.io/master:NoSchedule';
    const controlPlane = 'node-role.kubernetes.io/control-plane:NoSchedule';
    expect(keysFor('1.22')).toEqual([master]);
    expect(keysFor('1.23')).toEqual([master]);
    expect(keysFor('1.24')).toEqual([master, controlPlane]);
    for (const version of ['1.25', '1.27', '1.33', '1.37']) expect(keysFor(version)).toEqual([controlPlane]);
  });
});
