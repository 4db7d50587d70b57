import * as path from 'path';
import { Testing } from 'cdk8s';
import { NfsDirectoryPrepChart } from '../../lib/charts/nfs-directory-prep-chart';
import { PrometheusChart } from '../../lib/charts/prometheus-chart';
import { StorageChart } from '../../lib/charts/storage-chart';
import { BOOK_DEFAULTS, Config } from '../../lib/config/schema';
import { SYNC_WAVE_ANNOTATION } from '../../lib/manifests/metadata';
import { readManifestFolder } from '../../lib/manifests/folder';
import { Manifest } from '../../lib/manifests/manifest';
import { PROJECT_ROOT } from '../../lib/support/project-root';

/** The three charts of one environment, as main.ts builds them, and their objects in file order. */
function objectsOf(config: Config): Manifest[] {
  const app = Testing.app();
  const charts = [new StorageChart(app, 'storage', config), new NfsDirectoryPrepChart(app, 'prep', config), new PrometheusChart(app, 'prometheus', config)];
  return charts.flatMap((chart) => Testing.synth(chart) as Manifest[]);
}

/** The Argo CD wave of an object: its annotation, or 0 without one. */
function waveOf(object: Manifest): number {
  return Number(object.metadata.annotations?.[SYNC_WAVE_ANNOTATION] ?? 0);
}

describe('the charts of one environment', () => {
  const objects = objectsOf({ ...BOOK_DEFAULTS, namespace: 'monitoring' });
  const waveOfKind = (kind: string) => [...new Set(objects.filter((o) => o.kind === kind).map(waveOf))];

  test('Argo CD syncs the namespace, then storage, then the prep Job, then the chart', () => {
    expect(waveOfKind('Namespace')).toEqual([-3]);
    expect(waveOfKind('PersistentVolume')).toEqual([-2]);
    expect(waveOfKind('PersistentVolumeClaim')).toEqual([-2]);
    expect(waveOfKind('Job')).toEqual([-1]);
    expect(waveOfKind('Deployment')).toEqual([0]);
    expect(waveOfKind('DaemonSet')).toEqual([0]);
  });

  // main.ts orders the files (its charts' dependencies); each committed folder is what it synthesizes (synth.test.ts).
  test.each(['dist', 'dist-staging', 'dist-today'])('%s/ holds its files in wave order, so kubectl apply -f creates what each step needs first', (folder) => {
    const waves = readManifestFolder(path.join(PROJECT_ROOT, folder)).map(waveOf);
    expect(new Set(waves).size).toBeGreaterThanOrEqual(3);
    expect(waves).toEqual([...waves].sort((a, b) => a - b));
  });

  test('every object this app writes itself says it is part of the install', () => {
    const own = objects.filter((o) => ['Namespace', 'PersistentVolume', 'PersistentVolumeClaim', 'Job', 'NetworkPolicy'].includes(o.kind));
    expect(own.length).toBeGreaterThanOrEqual(7);
    for (const object of own) expect(`${object.kind}/${object.metadata.name} ${(object.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/part-of']}`)
      .toBe(`${object.kind}/${object.metadata.name} prometheus-book`);
  });

  test('the namespace admits node-exporter\'s host namespaces, ports and paths: Pod Security "privileged"', () => {
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    expect(namespace.metadata.labels).toEqual({ 'app.kubernetes.io/part-of': 'prometheus-book', 'pod-security.kubernetes.io/enforce': 'privileged' });
    const nodeExporter = objects.find((o) => o.kind === 'DaemonSet') as any;
    expect(nodeExporter.spec.template.spec).toMatchObject({ hostNetwork: true, hostPID: true });
  });

  test('GitOps tools never prune the volume or its claim: the data stays bound where it is', () => {
    for (const kind of ['PersistentVolume', 'PersistentVolumeClaim']) {
      expect(objects.find((o) => o.kind === kind)!.metadata.annotations).toMatchObject({
        'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'argocd.argoproj.io/sync-options': 'Prune=false',
      });
    }
  });

  test('the "default" namespace is never written: every cluster has it, and kubectl delete -f must not delete it', () => {
    expect(objectsOf(BOOK_DEFAULTS).filter((o) => o.kind === 'Namespace')).toEqual([]);
  });

  test('config reaches the props under its own names: the durations as the Job\'s seconds', () => {
    const job = objectsOf({ ...BOOK_DEFAULTS, prepJob: { ...BOOK_DEFAULTS.prepJob, ttlAfterFinished: '2h', activeDeadline: '90s' } })
      .find((o) => o.kind === 'Job') as any;
    expect(job.spec).toMatchObject({ ttlSecondsAfterFinished: 7200, activeDeadlineSeconds: 90 });
  });
});
