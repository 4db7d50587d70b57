import * as fs from 'fs';
import * as path from 'path';
import { getJson } from './converge';
import { LocalCluster } from './local-cluster';
import { system } from './processes';
import { ProjectedSource, StoredPod, StoredVolume } from './stored-pod';

/*
 * The pods' volumes, written to disk as the kubelet writes them, for the containers to mount: ConfigMaps in the
 * kubelet's `..data` layout, the projected ServiceAccount volume with a token bound to the pod, the claim's NFS
 * export as a local folder standing for it, host paths and emptyDirs. Each pod's folder holds its volumes, its
 * containers' roots and their logs.
 */

export class PodVolumes {
  /**
   * @param cluster the control plane the ConfigMaps, claims and tokens are read from
   * @param nfsRoot the folder standing for the NFS servers: `<nfsRoot>/<server>/<path>` is an export
   * @param dir the folder for the pods' roots, volumes and logs
   */
  constructor(
    private readonly cluster: LocalCluster,
    private readonly nfsRoot: string,
    private readonly dir: string,
  ) {}

  /** The local folder standing for an NFS export. */
  nfsPath(server: string, exportPath: string): string {
    return path.join(this.nfsRoot, server, exportPath);
  }

  /** The pod's folder: its volumes, its containers' roots and their logs. */
  podDir(pod: StoredPod): string {
    const dir = path.join(this.dir, `${pod.metadata.namespace}_${pod.metadata.name}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  /** The folder a container mounts for the volume, written or made first where the kubelet would. */
  volumeSource(pod: StoredPod, volume: StoredVolume): string {
    if (volume.configMap) return this.writeConfigMap(pod, volume.name, volume.configMap.name);
    if (volume.projected) return this.writeProjected(pod, volume.name, volume.projected.sources);
    if (volume.nfs) return this.nfsPath(volume.nfs.server, volume.nfs.path);
    if (volume.hostPath) return volume.hostPath.path;
    if (volume.persistentVolumeClaim) {
      const claim = getJson<{ spec: { volumeName?: string } }>(this.cluster.kubectl,
        ['get', 'pvc', '-n', pod.metadata.namespace, volume.persistentVolumeClaim.claimName]);
      const bound = getJson<{ spec: { nfs?: { server: string; path: string } } }>(this.cluster.kubectl, ['get', 'pv', claim.spec.volumeName ?? '']);
      if (!bound.spec.nfs) throw new Error(`the volume of claim ${volume.persistentVolumeClaim.claimName} is not an NFS volume`);
      return this.nfsPath(bound.spec.nfs.server, bound.spec.nfs.path);
    }
    if (volume.emptyDir) {
      const dir = path.join(this.podDir(pod), 'volumes', volume.name);
      fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
      return dir;
    }
    throw new Error(`volume ${volume.name} of ${pod.metadata.name}: a kind of volume the runner does not mount`);
  }

  /** The kubelet's layout: files in `..<n>/`, `..data` linking to it, each key a link through `..data`. */
  writeConfigMap(pod: StoredPod, volume: string, name: string): string {
    const dir = path.join(this.podDir(pod), 'volumes', volume);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const configMap = getJson<{ data?: Record<string, string> }>(this.cluster.kubectl, ['get', 'configmap', '-n', pod.metadata.namespace, name]);
    const previous = fs.existsSync(path.join(dir, '..data')) ? fs.readlinkSync(path.join(dir, '..data')) : undefined;
    const version = `..${Number(previous?.slice(2) ?? 0) + 1}`;
    fs.mkdirSync(path.join(dir, version), { mode: 0o755 });
    const group = pod.spec.securityContext?.fsGroup;
    for (const [key, value] of Object.entries(configMap.data ?? {})) {
      const file = path.join(dir, version, key);
      fs.writeFileSync(file, value, { mode: 0o644 });
      if (group !== undefined) fs.chownSync(file, 0, group);
      if (!fs.existsSync(path.join(dir, key))) fs.symlinkSync(`..data/${key}`, path.join(dir, key));
    }
    fs.symlinkSync(version, path.join(dir, '..data_tmp'));
    fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    if (previous) fs.rmSync(path.join(dir, previous), { recursive: true, force: true });
    return dir;
  }

  /** A projected volume: the token from a TokenRequest bound to the pod, ConfigMap keys, downward API fields. */
  private writeProjected(pod: StoredPod, volume: string, sources: readonly ProjectedSource[]): string {
    const dir = path.join(this.podDir(pod), 'volumes', volume);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const write = (file: string, content: string): void => fs.writeFileSync(path.join(dir, file), content, { mode: 0o644 });
    for (const source of sources) {
      if (source.serviceAccountToken) {
        const request = source.serviceAccountToken;
        write(request.path, system(this.cluster.kubectlPath, ['--kubeconfig', this.cluster.kubeconfig, 'create', 'token',
          pod.spec.serviceAccountName ?? 'default', '-n', pod.metadata.namespace, '--bound-object-kind=Pod',
          `--bound-object-name=${pod.metadata.name}`, `--bound-object-uid=${pod.metadata.uid}`,
          `--duration=${request.expirationSeconds ?? 3607}s`, ...(request.audience ? [`--audience=${request.audience}`] : [])]).trim());
      } else if (source.configMap) {
        const configMap = getJson<{ data?: Record<string, string> }>(this.cluster.kubectl, ['get', 'configmap', '-n', pod.metadata.namespace, source.configMap.name]);
        for (const item of source.configMap.items ?? Object.keys(configMap.data ?? {}).map((key) => ({ key, path: key }))) {
          write(item.path, configMap.data?.[item.key] ?? '');
        }
      } else if (source.downwardAPI) {
        for (const item of source.downwardAPI.items) {
          if (item.fieldRef?.fieldPath !== 'metadata.namespace') throw new Error(`projected volume ${volume}: field ${item.fieldRef?.fieldPath} is not one the runner knows`);
          write(item.path, pod.metadata.namespace);
        }
      } else {
        throw new Error(`projected volume ${volume} of ${pod.metadata.name}: a source the runner does not know`);
      }
    }
    return dir;
  }
}
