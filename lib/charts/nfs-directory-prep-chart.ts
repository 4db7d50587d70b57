import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { Config } from '../config/schema';
import { NfsDirectoryJob } from '../constructs/nfs-directory-job';
import { PART_OF_LABELS, SyncWave, syncWave } from '../manifests/metadata';
import { toDuration } from './units';

/** 0001-nfs-directory-prep.k8s.yaml: the Job that creates and chowns the data directory, and its NetworkPolicy. */
export class NfsDirectoryPrepChart extends Chart {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    new NfsDirectoryJob(this, 'NfsDirectoryJob', {
      server: config.nfs.server,
      exportRoot: config.nfs.exportRoot,
      dataPath: config.nfs.dataPath,
      uid: config.owner.uid,
      gid: config.owner.gid,
      name: config.prepJob.name,
      namespace: config.namespace,
      image: config.prepJob.image,
      backoffLimit: config.prepJob.backoffLimit,
      ttlAfterFinished: toDuration(config.prepJob.ttlAfterFinished),
      activeDeadline: toDuration(config.prepJob.activeDeadline),
      labels: PART_OF_LABELS,
      annotations: syncWave(SyncWave.DIRECTORY_PREP),
    });
  }
}
