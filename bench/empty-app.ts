import { App, Chart } from 'cdk8s';

// The floor of `npm run bench`: a cdk8s app with nothing in it, bundled like main.ts, writing to
// $CDK8S_OUTDIR (which the bench sets).
const app = new App();
new Chart(app, 'empty');
app.synth();
