import * as path from 'path';
import { renderEnvironment } from '../../lib/helm/helm-template';
import { PROJECT_ROOT } from '../../lib/support/project-root';

const HELM_HOME = path.join(PROJECT_ROOT, '.cache', 'helm');

describe('renderEnvironment', () => {
  test('helm sees PATH, HOME and the project\'s own helm folders, and none of the caller\'s other variables', () => {
    expect(renderEnvironment({ PATH: '/usr/bin', HOME: '/home/u', AWS_SECRET_ACCESS_KEY: 'secret', HELM_REPOSITORY_CONFIG: '/x' })).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      HELM_CACHE_HOME: path.join(HELM_HOME, 'cache'),
      HELM_CONFIG_HOME: path.join(HELM_HOME, 'config'),
      HELM_DATA_HOME: path.join(HELM_HOME, 'data'),
    });
  });

  test('a GOGC or GOMEMLIMIT the user set reaches helm', () => {
    expect(renderEnvironment({ GOGC: '50', GOMEMLIMIT: '2GiB' })).toMatchObject({ GOGC: '50', GOMEMLIMIT: '2GiB' });
  });
});
