import { InstallNamespace } from '../../lib/constructs/install-namespace';
import { newChart, synthObjects } from '../helpers';

describe('InstallNamespace', () => {
  test('is a Namespace with the given name, labels and annotations', () => {
    const { chart } = newChart();
    new InstallNamespace(chart, 'Namespace', { name: 'monitoring', labels: { team: 'a' }, annotations: { 'example.com/wave': '-3' } });
    expect(synthObjects(chart)).toEqual([{
      apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring', labels: { team: 'a' }, annotations: { 'example.com/wave': '-3' } },
    }]);
  });

  test.each([['default'], ['Monitoring'], ['a'.repeat(64)]])('refuses %j with what to change', (name) => {
    const { chart } = newChart();
    expect(() => new InstallNamespace(chart, 'Namespace', { name }))
      .toThrow(`InstallNamespace: name "${name}" is invalid; use a DNS-1123 label other than "default", which exists already`);
  });
});
