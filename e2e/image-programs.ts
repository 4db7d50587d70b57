import * as path from 'path';
import { TOOLS_BIN } from '../lib/helm/helm-binary';
import { PROJECT_ROOT } from '../lib/support/project-root';

/*
 * What runs for each image the installs use: the program built at the image's version (scripts/install-kube.sh,
 * scripts/install-tools.sh for Prometheus), placed where the image has it, started with the image's entrypoint
 * and in its working directory, as a container runtime would. Only the images' file systems are stood in for.
 */

/** One image's program and how the image starts it. */
export interface ImageProgram {
  /** The built program on this machine. */
  readonly binary: string;
  /** The image's ENTRYPOINT: the program's path in the image, then any arguments the image adds. */
  readonly entrypoint: readonly string[];
  /** The image's WORKDIR. */
  readonly workingDir: string;
  /** Files the image's program reads from its working folder, on this machine: mounted there read-only. @default none */
  readonly workingFiles?: string;
}

const PROGRAMS = path.join(PROJECT_ROOT, 'tools', 'programs');

/**
 * Prometheus built from its module reads its web UI from web/ui under its working folder, where the image's build
 * has it compiled in: the UI scripts/install-kube.sh assembles for the version stands in for that.
 */
function prometheus(version: string): ImageProgram {
  return {
    binary: path.join(TOOLS_BIN, `prometheus-${version}`), entrypoint: ['/bin/prometheus'], workingDir: '/prometheus',
    workingFiles: path.join(PROJECT_ROOT, 'tools', 'prometheus-ui', version),
  };
}

function nodeExporter(version: string): ImageProgram {
  return { binary: path.join(PROGRAMS, `node_exporter-${version}`), entrypoint: ['/bin/node_exporter'], workingDir: '/' };
}

function kubeStateMetrics(version: string): ImageProgram {
  // Both images: ENTRYPOINT ["/kube-state-metrics", "--port=8080", "--telemetry-port=8081"].
  return {
    binary: path.join(PROGRAMS, `kube-state-metrics-${version}`),
    entrypoint: ['/kube-state-metrics', '--port=8080', '--telemetry-port=8081'],
    workingDir: '/',
  };
}

/** By image reference, without a digest. */
const IMAGE_PROGRAMS: Record<string, ImageProgram> = {
  'prom/prometheus:v2.19.0': prometheus('v2.19.0'),
  'quay.io/prometheus/prometheus:v3.14.0': prometheus('v3.14.0'),
  'prom/node-exporter:v1.0.1': nodeExporter('v1.0.1'),
  'quay.io/prometheus/node-exporter:v1.12.1': nodeExporter('v1.12.1'),
  'quay.io/coreos/kube-state-metrics:v1.9.7': kubeStateMetrics('v1.9.7'),
  'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0': kubeStateMetrics('v2.20.0'),
  // v0.3.0 is not served by the module proxy; v0.14.0 has the same flags and the same `..data` trigger.
  'jimmidyson/configmap-reload:v0.3.0': {
    binary: path.join(PROGRAMS, 'configmap-reload-v0.14.0'), entrypoint: ['/configmap-reload'], workingDir: '/',
  },
  'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1': {
    binary: path.join(PROGRAMS, 'prometheus-config-reloader-v0.93.1'), entrypoint: ['/bin/prometheus-config-reloader'], workingDir: '/',
  },
  // busybox, for the prep Job: its command names /bin/sh; Debian's dash stands in (POSIX sh, with coreutils on PATH).
  'busybox:1.36.1': { binary: '/usr/bin/dash', entrypoint: ['/bin/sh'], workingDir: '/' },
};

/** The program of an image reference (tag and optional digest), or an error naming the reference. */
export function imageProgram(image: string): ImageProgram {
  const program = IMAGE_PROGRAMS[image.replace(/@sha256:[0-9a-f]+$/, '')];
  if (!program) throw new Error(`no program for image ${image}: e2e/image-programs.ts lists ${Object.keys(IMAGE_PROGRAMS).join(', ')}`);
  return program;
}
