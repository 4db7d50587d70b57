import * as fs from 'fs';
import * as path from 'path';
import { configReference } from '../config/reference';
import { runCli } from '../support/cli';
import { PROJECT_ROOT } from '../support/project-root';

/** `npm run docs`: writes docs/config.md from the config schema. */
void runCli('docs', () => {
  const file = path.join(PROJECT_ROOT, 'docs', 'config.md');
  fs.writeFileSync(file, configReference());
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
});
