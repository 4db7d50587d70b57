import { renderEnvironment } from '../../lib/helm/helm-template';

describe('renderEnvironment', () => {
  test('helm renders with Go\'s own collector settings, and without the caller\'s other variables', () => {
    const env = renderEnvironment({ PATH: '/usr/bin', AWS_SECRET_ACCESS_KEY: 'secret' });
    expect(env).not.toHaveProperty('GOGC');
    expect(env).not.toHaveProperty('GOMEMLIMIT');
    expect(env.HELM_CACHE_HOME).toMatch(/\.cache\/helm\/cache$/);
    expect(env).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
  });

  test('a GOGC or GOMEMLIMIT the user set wins', () => {
    const env = renderEnvironment({ GOGC: '50', GOMEMLIMIT: '2GiB' });
    expect(env.GOGC).toBe('50');
    expect(env.GOMEMLIMIT).toBe('2GiB');
  });
});
