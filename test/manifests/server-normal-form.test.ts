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
});
