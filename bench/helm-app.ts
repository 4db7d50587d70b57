import * as fs from 'fs';
import { App, Chart, Helm } from 'cdk8s';

// The idiomatic peer of `npm run bench`: the same chart and values rendered by cdk8s-core's own Helm
// construct (one synchronous `helm template`, its output read back through Yaml.load) in a minimal app,
// bundled like main.ts. The bench sets every input: BENCH_CHART (a chart archive), BENCH_VALUES (a JSON
// file), BENCH_RELEASE, BENCH_NAMESPACE, BENCH_KUBE_VERSION, BENCH_HELM and CDK8S_OUTDIR.
const input = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const app = new App();
const chart = new Chart(app, 'prometheus');
new Helm(chart, 'chart', {
  chart: input('BENCH_CHART'),
  releaseName: input('BENCH_RELEASE'),
  namespace: input('BENCH_NAMESPACE'),
  values: JSON.parse(fs.readFileSync(input('BENCH_VALUES'), 'utf8')),
  helmExecutable: input('BENCH_HELM'),
  helmFlags: ['--kube-version', input('BENCH_KUBE_VERSION'), '--skip-tests', '--include-crds'],
});
app.synth();
