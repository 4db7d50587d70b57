import { expand, privileges } from '../../e2e/container-processes';
import { StoredPod } from '../../e2e/stored-pod';

/** A pod with the pod-level securityContext given, as privileges() reads it. */
function podWith(securityContext: StoredPod['spec']['securityContext'] = {}): StoredPod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { nodeName: 'w1-k8s', securityContext, containers: [] },
    status: {},
  };
}

/** setpriv's value for an option, e.g. `--bounding-set`. */
function option(args: readonly string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
}

describe('expand: the kubelet\'s $(VAR) references in command, args and env', () => {
  const variables = new Map([['DATA', '/data'], ['POD_IP', '10.244.0.5'], ['OTHER', '$(DATA)']]);

  test('a defined variable becomes its value, as many times as it appears', () => {
    expect(expand('--path=$(DATA)/wal --listen=$(POD_IP):9090 $(DATA)', variables)).toBe('--path=/data/wal --listen=10.244.0.5:9090 /data');
  });

  test('an undefined reference, a bare $NAME and an unclosed $( stay as written', () => {
    expect(expand('$(MISSING) $DATA $(DATA', variables)).toBe('$(MISSING) $DATA $(DATA');
  });

  test('$$ is one $, so $$(DATA) is the text $(DATA), not expanded', () => {
    expect(expand('cost: $$5 $$(DATA)', variables)).toBe('cost: $5 $(DATA)');
  });

  test('a value is not expanded again', () => {
    expect(expand('$(OTHER)', variables)).toBe('$(DATA)');
  });
});

describe('privileges: setpriv\'s options for a securityContext', () => {
  test('root without a securityContext keeps the runtime\'s default capabilities, bounding and inheritable, and no groups', () => {
    const args = privileges(podWith(), {});
    expect(args.slice(0, 3)).toEqual(['--reuid=0', '--regid=0', '--clear-groups']);
    const bounding = option(args, '--bounding-set')?.split(',');
    expect(bounding?.[0]).toBe('-all');
    expect(bounding).toEqual(expect.arrayContaining(['+chown', '+dac_override', '+net_raw', '+setuid', '+kill']));
    expect(bounding).not.toContain('+sys_admin');
    expect(option(args, '--inh-caps')).toBe(option(args, '--bounding-set'));
    expect(args).not.toContain('--no-new-privs');
  });

  test('drop ALL and allowPrivilegeEscalation false (the install\'s hardening): no capability at all, no new privileges', () => {
    const args = privileges(podWith({ runAsUser: 65534 }), { runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(args).toEqual(['--reuid=65534', '--regid=65534', '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs']);
  });

  test('drop and add: named capabilities leave or join the set, in any case and with or without CAP_', () => {
    const bounding = option(privileges(podWith(), { capabilities: { drop: ['net_raw', 'MKNOD'], add: ['CAP_SYS_TIME', 'net_admin'] } }), '--bounding-set')?.split(',');
    expect(bounding).not.toContain('+net_raw');
    expect(bounding).not.toContain('+mknod');
    expect(bounding).toEqual(expect.arrayContaining(['+chown', '+sys_time', '+net_admin']));
  });

  test('only add after drop ALL: the one capability the Job\'s chown needs', () => {
    expect(option(privileges(podWith(), { capabilities: { drop: ['ALL'], add: ['CHOWN'] } }), '--bounding-set')).toBe('-all,+chown');
  });

  test('a non-root user inherits no capability, whatever its bounding set keeps', () => {
    const args = privileges(podWith(), { runAsUser: 1000, capabilities: { add: ['NET_BIND_SERVICE'] } });
    expect(option(args, '--inh-caps')).toBe('-all');
    expect(option(args, '--bounding-set')).toContain('+net_bind_service');
  });

  test('the pod\'s fsGroup and supplementalGroups become the groups, each once', () => {
    const args = privileges(podWith({ fsGroup: 1000, supplementalGroups: [1000, 3000] }), { runAsUser: 1000, runAsGroup: 1000 });
    expect(args.slice(0, 3)).toEqual(['--reuid=1000', '--regid=1000', '--groups=1000,3000']);
  });
});
