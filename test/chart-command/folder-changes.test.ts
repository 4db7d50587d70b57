import { describeChanges, folderChanges, isUnchanged } from '../../lib/chart-command/folder-changes';
import { Manifest } from '../../lib/manifests/manifest';

function deployment(name: string, images: string[], namespace = 'default'): Manifest {
  const containers = images.map((image, index) => ({ name: `c${index}`, image }));
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: { template: { spec: { containers } } } };
}

const role: Manifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [] };

describe('folderChanges', () => {
  test('the same objects in another order change nothing', () => {
    const objects = [deployment('a', ['x:1']), role];
    const changes = folderChanges(objects, [...objects].reverse());
    expect(isUnchanged(changes)).toBe(true);
    expect(describeChanges(changes)).toEqual([]);
  });

  test('objects added, removed and changed by kind, namespace and name; images by repository, tags and digests kept', () => {
    const before = [deployment('server', ['quay.io/prometheus/prometheus:v3.14.0', 'registry:5000/reload']), role];
    const after = [
      deployment('server', ['quay.io/prometheus/prometheus:v3.15.0', 'registry:5000/reload']),
      deployment('pushgateway', [`quay.io/prometheus/pushgateway:v1.11.0@sha256:${'a'.repeat(64)}`], 'monitoring'),
    ];
    expect(describeChanges(folderChanges(before, after))).toEqual([
      '  + Deployment monitoring/pushgateway',
      '  - ClusterRole reader',
      '  ~ Deployment default/server',
      '  image quay.io/prometheus/prometheus: v3.14.0 -> v3.15.0',
      `  image quay.io/prometheus/pushgateway: v1.11.0@sha256:${'a'.repeat(64)} (new)`,
    ]);
  });

  test('images of init containers and of a CronJob\'s pods count; one that goes away is named', () => {
    const cronJob: Manifest = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'backup', namespace: 'default' },
      spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: 'init', image: 'busybox:1.36' }], containers: [] } } } } },
    };
    expect(describeChanges(folderChanges([cronJob], []))).toEqual(['  - CronJob default/backup', '  image busybox: 1.36 (gone)']);
  });
});
