import { Construct } from 'constructs';
import { KubeNamespace } from '../../imports/k8s';
import { isDnsLabel } from '../config/rules';
import { PART_OF_LABELS, SYNC_WAVE_ANNOTATION, SyncWave } from './sync-waves';

/** Properties of {@link InstallNamespace}. */
export interface InstallNamespaceProps {
  /** The namespace the install's namespaced objects go into. @default none, required */
  readonly name: string;
}

/**
 * The Namespace the install lives in, for any namespace but `default` (which every cluster has and
 * nobody should delete with `kubectl delete -f`). It comes first in the first file and in the first
 * Argo CD wave, so the objects after it never meet `namespaces "..." not found`.
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
      metadata: {
        name: props.name,
        labels: { ...PART_OF_LABELS },
        annotations: { [SYNC_WAVE_ANNOTATION]: SyncWave.NAMESPACE },
      },
    });
  }
}
