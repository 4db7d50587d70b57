import { Size } from 'cdk8s';
import { NfsStorage, NfsStorageProps } from '../../lib/constructs/nfs-storage';
import { findOne, newChart, synthObjects } from '../helpers';

/** The book's volume, with every required prop. */
const BOOK_VOLUME: NfsStorageProps = {
  server: '192.168.1.10', dataPath: '/nfs_shared/prometheus/server', volumeName: 'prometheus-server', claimName: 'prometheus-server', size: Size.gibibytes(10),
  namespace: 'default', accessMode: 'ReadWriteMany', reclaimPolicy: 'Retain',
};

describe('NfsStorage', () => {
  const { chart } = newChart();
  new NfsStorage(chart, 'Storage', { ...BOOK_VOLUME, namespace: 'monitoring', annotations: { 'example.com/wave': '1' }, labels: { team: 'a' } });
  const objects = synthObjects(chart);
  const volume = findOne(objects, 'PersistentVolume') as any;
  const claim = findOne(objects, 'PersistentVolumeClaim') as any;

  test('matches the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('is an NFS volume of the given server, path, size, access mode and reclaim policy', () => {
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

  test('both carry the given labels and annotations', () => {
    for (const object of [volume, claim]) {
      expect(object.metadata).toMatchObject({ labels: { team: 'a' }, annotations: { 'example.com/wave': '1' } });
    }
  });

  test('access mode and reclaim policy are the ones given', () => {
    const { chart: other } = newChart();
    new NfsStorage(other, 'Storage', { ...BOOK_VOLUME, accessMode: 'ReadWriteOnce', reclaimPolicy: 'Delete' });
    const objects = synthObjects(other);
    expect((findOne(objects, 'PersistentVolume') as any).spec).toMatchObject({ accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete' });
    expect((findOne(objects, 'PersistentVolumeClaim') as any).spec.accessModes).toEqual(['ReadWriteOnce']);
  });

  test('a relative path is refused with what to change', () => {
    const { chart: other } = newChart();
    expect(() => new NfsStorage(other, 'Storage', { ...BOOK_VOLUME, dataPath: 'nfs_shared' }))
      .toThrow('NfsStorage: dataPath "nfs_shared" is invalid; set it to the normalised absolute exported path');
  });
});
