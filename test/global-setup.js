// Builds the synth bundles once, before any test file runs: several suites run the real build/main.js,
// side by side, and a fresh clone has none.
const { spawnSync } = require('child_process');
const path = require('path');

module.exports = () => {
  const root = path.join(__dirname, '..');
  const build = spawnSync('sh', [path.join(root, 'scripts', 'build.sh'), 'main'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0 || build.stderr !== '') {
    throw new Error(`building the synth bundles failed (exit ${build.status}): ${build.stderr}`);
  }
};
