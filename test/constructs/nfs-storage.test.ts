import { NfsStorage } from '../../lib/constructs/nfs-storage';
import { findOne, newChart, synthObjects } from '../helpers';

describe('NfsStorage', () => {
  const { chart } = newChart();
  new NfsStorage(chart, 'Storage', { server: '192.168.1.10', path: '/nfs_shared/prometheus/server', namespace: 'monitoring' });
  const objects = synthObjects(chart);
  const volume = findOne(objects, 'PersistentVolume') as any;
  const claim = findOne(objects, 'PersistentVolumeClaim') as any;

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('is the book\'s NFS volume: server, path, 10Gi, ReadWriteMany, Retain', () => {
    expect(volume.metadata.name).toBe('prometheus-server');
    expect(volume.spec.nfs).toEqual({ server: '192.168.1.10', path: '/nfs_shared/prometheus/server' });
    expect(volume.spec.capacity).toEqual({ storage: '10Gi' });
    expect(volume.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(volume.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(volume.metadata.namespace).toBeUndefined();
  });

  test('the claim binds to exactly that volume, never to a dynamically provisioned one', () => {
    expect(claim.metadata).toMatchObject({ name: 'prometheus-server', namespace: 'monitoring' });
    expect(claim.spec.volumeName).toBe(volume.metadata.name);
    expect(claim.spec.storageClassName).toBe('');
    expect(volume.spec.storageClassName).toBeUndefined();
    expect(claim.spec.resources.requests.storage).toBe('10Gi');
    expect(claim.spec.accessModes).toEqual(volume.spec.accessModes);
  });

  test('the volume is reserved for that claim', () => {
    expect(volume.spec.claimRef).toEqual({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'monitoring', name: 'prometheus-server' });
  });

  test('both come in the first Argo CD sync wave', () => {
    expect(volume.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
    expect(claim.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
  });

  test('a relative path is refused with what to change', () => {
    const { chart: other } = newChart();
    expect(() => new NfsStorage(other, 'Storage', { server: 'nfs', path: 'nfs_shared' })).toThrow('NfsStorage: path "nfs_shared" is invalid; set it to the normalised absolute exported path');
  });
});
