import { prometheusSettings } from '../../lib/charts/prometheus-settings';
import { BOOK_DEFAULTS } from '../../lib/config/schema';
import { prometheusTemplateRequest } from '../../lib/prometheus/values';

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
});
