import { App, Chart } from 'cdk8s';

// The floor of `npm run bench`: a cdk8s app with nothing in it, built and run exactly like main.ts.
const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist-empty' });
new Chart(app, 'empty');
app.synth();
