import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { waitFor } from './converge';
import { LocalCluster } from './local-cluster';
import { system } from './processes';
import { POD_CIDR, SimulatedNode } from './simulated-nodes';

/*
 * kube-proxy of the cluster's release in every node's network namespace, in iptables mode on Debian's iptables,
 * as the book's nodes run it: a Service's ClusterIP, its NodePort on each node's address and its load-balancer
 * address (status.loadBalancer) are rewritten there to the addresses of the pods behind it. The nodes' namespaces
 * are the e2e's own (e2e/pod-network.ts), so the rules it writes stay in them. What a kubelet and a node's setup
 * would do besides is done here: IPv4 forwarding on, and the node's default route on the lab network.
 */

/** A command run in the network namespace at `netns` (a `/proc/<pid>/ns/net` path). */
function inNetwork(netns: string, command: string, args: readonly string[]): string {
  return system('nsenter', [`--net=${netns}`, command, ...args]);
}

/** The cluster's kubeconfig, with the API server at its pod-facing address, as a node outside m-k8s reaches it. */
function nodeKubeconfig(cluster: LocalCluster, apiAddress: string): string {
  const config = JSON.parse(fs.readFileSync(cluster.kubeconfig, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  for (const entry of config.clusters) entry.cluster.server = `https://${apiAddress}:${cluster.apiPort}`;
  const file = path.join(cluster.workdir, 'kubeconfig-nodes');
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}

/**
 * Starts kube-proxy on every node, each in its node's network namespace (`networkOf` gives its path); it stops
 * with the cluster. Returns once each has written its rules (its /healthz answers 200 only after a first sync).
 */
export function startKubeProxies(cluster: LocalCluster, nodes: readonly SimulatedNode[], networkOf: (node: SimulatedNode) => string): void {
  const controlPlane = nodes.find((node) => node.controlPlane);
  if (!controlPlane) throw new Error('no control-plane node: kube-proxy needs the API server\'s address');
  const kubeconfig = nodeKubeconfig(cluster, controlPlane.internalIp);
  // The release's own kube-proxy, beside its kubectl (scripts/install-kube.sh builds both there).
  const kubeProxy = path.join(path.dirname(cluster.kubectlPath), 'kube-proxy');
  if (!fs.existsSync(kubeProxy)) throw new Error(`${kubeProxy} not found: run scripts/install-kube.sh`);
  for (const node of nodes) {
    const netns = networkOf(node);
    inNetwork(netns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    // A node's traffic for a ClusterIP leaves by its default route before kube-proxy's rules rewrite it.
    inNetwork(netns, 'ip', ['route', 'replace', 'default', 'dev', inNetwork(netns, 'ip', ['-o', 'route', 'show', 'match', node.internalIp])
      .split(/\s+/)[2]]);
    cluster.startServer(`kube-proxy-${node.name}`, 'nsenter', [`--net=${netns}`, kubeProxy,
      `--kubeconfig=${kubeconfig}`, `--hostname-override=${node.name}`, '--proxy-mode=iptables', `--cluster-cidr=${POD_CIDR}`,
      `--bind-address=${node.internalIp}`, '--healthz-bind-address=127.0.0.1:10256', '--metrics-bind-address=127.0.0.1:10249',
      // The conntrack table's size and timeouts are the machine's, not the namespace's: left as they are.
      '--conntrack-max-per-core=0', '--conntrack-tcp-timeout-established=0', '--conntrack-tcp-timeout-close-wait=0', '--v=1']);
  }
  for (const node of nodes) waitHealthy(cluster, node, networkOf(node));
}

function waitHealthy(cluster: LocalCluster, node: SimulatedNode, netns: string): void {
  const log = path.join(cluster.workdir, `kube-proxy-${node.name}.log`);
  waitFor(`kube-proxy on ${node.name} synced`, () => {
    const probe = spawnSync('nsenter', [`--net=${netns}`, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2',
      'http://127.0.0.1:10256/healthz'], { encoding: 'utf8' });
    if (probe.stdout === '200') return undefined;
    const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n') : '(no log)';
    return `its /healthz answers ${probe.stdout || 'nothing'}:\n${tail}`;
  }, 60_000);
}
