import { startSynthesis } from './synthesis';

// Ahead of main.ts in build/main.js (scripts/build.mjs): config is validated and helm started before
// main's imports load cdk8s, so helm renders while the constructs load.
startSynthesis();
