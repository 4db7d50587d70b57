import { App, YamlOutputType } from 'cdk8s';
import { synthesize } from './lib/app/synthesis';
import { NfsDirectoryPrepChart } from './lib/charts/nfs-directory-prep-chart';
import { PrometheusChart } from './lib/charts/prometheus-chart';
import { StorageChart } from './lib/charts/storage-chart';

// The book's install (chapter 6.2.1), one app per environment of config/environments/: the lab goes to
// dist/, every other environment to dist-<name>/. synthesize() validates every environment, builds each
// app (the charts' helm renders of all of them run side by side) and puts the folders in place once every
// app has synthesized (docs/architecture.md). The dependencies make cdk8s number the files in apply order (0000-, 0001-,
// 0002-), which is the order `kubectl apply -f dist/` reads them.
void synthesize((environment) => {
  const app = new App({
    outdir: environment.outdir,
    outputFileExtension: '.k8s.yaml',
    yamlOutputType: environment.singleFile ? YamlOutputType.FILE_PER_APP : YamlOutputType.FILE_PER_CHART,
  });
  const storage = new StorageChart(app, 'storage', environment.config);
  const directoryPrep = new NfsDirectoryPrepChart(app, 'nfs-directory-prep', environment.config);
  directoryPrep.addDependency(storage);
  const prometheus = new PrometheusChart(app, 'prometheus', environment.config);
  prometheus.addDependency(directoryPrep);
  app.synth();
});
