/*
 * A pod as the API server stores it, as far as the e2e reads it: the fields the pod runner (e2e/pod-runner.ts)
 * acts on, and the ports and readiness probe the checks read.
 */

export interface SecurityContext {
  runAsUser?: number; runAsGroup?: number; fsGroup?: number; supplementalGroups?: number[];
  allowPrivilegeEscalation?: boolean; privileged?: boolean; readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

export interface StoredContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path?: string; port: number | string } };
}

export interface StoredVolume {
  name: string;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
  nfs?: { server: string; path: string };
  hostPath?: { path: string };
  emptyDir?: object;
  projected?: { sources: ProjectedSource[] };
}

/** What the ServiceAccount admission puts into a pod: a token, the cluster's CA, the namespace. */
export interface ProjectedSource {
  serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
  configMap?: { name: string; items?: Array<{ key: string; path: string }> };
  downwardAPI?: { items: Array<{ path: string; fieldRef?: { fieldPath: string } }> };
}

/** A pod as the API server stores it, as far as the e2e reads it. */
export interface StoredPod {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
  spec: {
    nodeName: string;
    hostNetwork?: boolean;
    serviceAccountName?: string;
    securityContext?: SecurityContext;
    containers: StoredContainer[];
    volumes?: StoredVolume[];
  };
  status: { podIP?: string; hostIP?: string };
}
