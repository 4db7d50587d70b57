import { Construct } from 'constructs';
import { IntOrString, KubeNetworkPolicy, NetworkPolicyPeer } from '../../imports/k8s';
import { isDnsLabel, isIpv4Cidr } from '../support/rules';

/** Properties of {@link PodNetworkPolicy}. */
export interface PodNetworkPolicyProps {
  /** NetworkPolicy name. @default none, required */
  readonly name: string;
  /** Namespace of the policy and its pods. @default none, required */
  readonly namespace: string;
  /** Labels that select the pods. @default none, required */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The ports that may be reached; none means no inbound traffic at all. @default [] */
  readonly ports?: readonly number[];
  /** Networks outside the cluster that may reach those ports. @default [] */
  readonly fromCidrs?: readonly string[];
  /** Whether every pod of the cluster may reach those ports (scrapes, for one). @default false */
  readonly fromCluster?: boolean;
  /** Whether the pods may open connections themselves; false forbids every outbound connection. @default true */
  readonly egress?: boolean;
  /** Labels of the NetworkPolicy itself. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations of the NetworkPolicy, such as an Argo CD sync wave. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * A NetworkPolicy that admits inbound traffic to some pods on some ports from some places, and
 * nothing else; outbound traffic is either left alone or forbidden. It needs a CNI that enforces
 * NetworkPolicy (the book's Calico does); without one it is a no-op.
 */
export class PodNetworkPolicy extends Construct {
  /** The NetworkPolicy. */
  public readonly policy: KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: PodNetworkPolicyProps) {
    super(scope, id);
    validateProps(props);
    const peers: NetworkPolicyPeer[] = [
      ...(props.fromCidrs ?? []).map((cidr) => ({ ipBlock: { cidr } })),
      ...(props.fromCluster ? [{ namespaceSelector: {} }] : []),
    ];
    const ports = (props.ports ?? []).map((port) => ({ port: IntOrString.fromNumber(port), protocol: 'TCP' }));
    this.policy = new KubeNetworkPolicy(this, 'Policy', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels }, annotations: { ...props.annotations } },
      spec: {
        podSelector: { matchLabels: { ...props.podLabels } },
        // A listed policy type with no rules admits nothing. No empty lists: the API server does not
        // store them, and a manifest that has them never matches what is stored.
        policyTypes: props.egress === false ? ['Ingress', 'Egress'] : ['Ingress'],
        ...(peers.length > 0 && ports.length > 0 ? { ingress: [{ from: peers, ports }] } : {}),
      },
    });
  }
}

function validateProps(props: PodNetworkPolicyProps): void {
  if (!isDnsLabel(props.name)) throw new Error(`PodNetworkPolicy: name "${props.name}" is invalid; use a DNS-1123 label`);
  if (Object.keys(props.podLabels).length === 0) {
    throw new Error(`PodNetworkPolicy ${props.name}: podLabels is empty, which would select every pod of the namespace; name the pods' labels`);
  }
  for (const cidr of props.fromCidrs ?? []) {
    if (!isIpv4Cidr(cidr)) {
      throw new Error(`PodNetworkPolicy ${props.name}: fromCidrs entry "${cidr}" is invalid; use an IPv4 network such as 192.168.1.0/24`);
    }
  }
}
