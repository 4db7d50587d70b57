import { Construct } from 'constructs';
import { KubeNamespace } from '../../imports/k8s';
import { isDnsLabel } from '../support/rules';

/** Properties of {@link InstallNamespace}. */
export interface InstallNamespaceProps {
  /** The namespace the install's namespaced objects go into. @default none, required */
  readonly name: string;
  /** Labels of the Namespace. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations of the Namespace, such as an Argo CD sync wave that puts it first. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The Namespace an install lives in, for any namespace but `default` (which every cluster has and
 * nobody should delete with `kubectl delete -f`). Put it first in the first file, so the objects after
 * it never meet `namespaces "..." not found`.
 */
export class InstallNamespace extends Construct {
  /** The Namespace. */
  public readonly namespace: KubeNamespace;

  constructor(scope: Construct, id: string, props: InstallNamespaceProps) {
    super(scope, id);
    if (!isDnsLabel(props.name) || props.name === 'default') {
      throw new Error(`InstallNamespace: name "${props.name}" is invalid; use a DNS-1123 label other than "default", which exists already`);
    }
    this.namespace = new KubeNamespace(this, 'Namespace', {
      metadata: { name: props.name, labels: { ...props.labels }, annotations: { ...props.annotations } },
    });
  }
}
