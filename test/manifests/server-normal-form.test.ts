import { toServerNormalForm } from '../../lib/manifests/server-normal-form';

describe('toServerNormalForm', () => {
  test('drops what the API server would not store', () => {
    const manifest = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'demo' },
      imagePullSecrets: [],
      spec: { template: { spec: {
        hostNetwork: false, hostPID: false, tolerations: [],
        containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/data', subPath: '' }] }],
      } } },
    };
    expect(toServerNormalForm(manifest)).toEqual({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'demo' },
      spec: { template: { spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } } },
    });
  });

  test('keeps zero values that mean something: pointers, true, non-empty strings', () => {
    const podSpec = {
      automountServiceAccountToken: false, enableServiceLinks: false, hostNetwork: true,
      securityContext: { runAsNonRoot: false },
      containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false }, volumeMounts: [{ name: 'd', mountPath: '/d', subPath: 'x' }] }],
    };
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { storageClassName: '' } };
    expect(toServerNormalForm({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec }).spec).toEqual(podSpec);
    expect(toServerNormalForm(claim)).toEqual(claim);
  });

  test('drops a probe\'s zero initial delay, which the server omits, and keeps other probe fields', () => {
    const probe = { httpGet: { path: '/', port: 'metrics' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1 };
    const daemonSet = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c', readinessProbe: probe }] } } } };
    const { initialDelaySeconds: _zero, ...stored } = probe;
    expect((toServerNormalForm(daemonSet).spec as any).template.spec.containers[0].readinessProbe).toEqual(stored);
  });

  test('spells out the defaults of a bare RollingUpdate strategy (else each apply clears them), and leaves others alone', () => {
    const deployment = (strategy: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { strategy } });
    expect((toServerNormalForm(deployment({ type: 'RollingUpdate' })).spec as any).strategy)
      .toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect((toServerNormalForm(deployment({ type: 'Recreate' })).spec as any).strategy).toEqual({ type: 'Recreate' });
    const custom = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } };
    expect((toServerNormalForm(deployment(custom)).spec as any).strategy).toEqual(custom);
  });
});
