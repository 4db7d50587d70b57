import { prometheusTemplateRequest } from '../../lib/constructs/prometheus-values';

describe('prometheusTemplateRequest', () => {
  const collectorsFor = (kubeVersion: string) => (prometheusTemplateRequest({ kubeVersion }).values as any)['kube-state-metrics'].collectors;

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
});
