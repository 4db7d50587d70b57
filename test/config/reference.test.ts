import * as fs from 'fs';
import * as path from 'path';
import { listOverrides } from '../../lib/config/loader';
import { configReference } from '../../lib/config/reference';
import { PROJECT_ROOT } from '../../lib/support/project-root';

describe('docs/config.md', () => {
  const reference = configReference();

  test('is what the schema generates (run `npm run docs` after changing lib/config/schema.ts)', () => {
    expect(fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'config.md'), 'utf8')).toBe(reference);
  });

  test('has one row per setting, each with its variable, a description and its rule', () => {
    const rows = reference.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toHaveLength(listOverrides().size);
    for (const row of rows) {
      const cells = row.split(' | ');
      expect(cells.every((cell) => cell.trim().length > 0)).toBe(true);
    }
    expect(reference).toContain('| `kubernetesVersion` | `"1.27"` | `BOOK_KUBERNETES_VERSION` |');
  });
});
