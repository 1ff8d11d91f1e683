/** Containers as the engines that run them record them on disk: one shape for every engine. */
import type { HostFacts } from './host';

export type EngineName = 'docker' | 'podman' | 'containerd' | 'kubernetes' | 'cri-o' | 'lxc' | 'nspawn' | 'runc' | 'crun';

export interface Container {
  engine: EngineName;
  /** Full id: 64 hex for docker and podman; the containerd/CRI id; LXC and nspawn: the name. */
  id: string;
  /** The name a user of that engine types: docker/podman name, containerd NAMESPACE/ID (or
   *  NAMESPACE/nerdctl-name), Kubernetes NAMESPACE/POD/CONTAINER, LXC name, nspawn machine name. */
  name: string;
  /** Host PID of the container's init, when running and known. */
  pid?: number;
  /** Start time (clock ticks, /proc/PID/stat field 22) the engine recorded, to refuse a reused PID. */
  pidStart?: number;
  /** 'running', 'stopped', 'paused', 'created', ... as the state says. */
  status?: string;
  /** Kubernetes: 'namespace/pod'. */
  pod?: string;
  podUid?: string;
  /** Kubernetes: true for the pod's sandbox (pause) container. */
  sandbox?: boolean;
  sandboxId?: string;
  /** Engine labels / OCI annotations. */
  labels: Record<string, string>;
  stateDir?: string;
  bundle?: string;
  rootfs?: string;
  /** Rootless: the uid whose engine runs it. */
  user?: number;
  /** The containerd namespace it runs in (containerd, docker's "moby", CRI's "k8s.io"). */
  namespace?: string;
  /** Where it was seen, most specific first: every engine whose state names it (a Docker container is
   *  also a containerd task and a runc state), and 'cgroup' when only a cgroup path named it. */
  seenBy?: (EngineName | 'cgroup')[];
}

export interface DiscoveryContext {
  /** State that exists but could not be read (EACCES): for "the container state could not be read
   *  (permission)" messages. */
  denied: string[];
  /** Facts shared by the engines of one discovery (processes, users, roots), read once. Made on first
   *  use when absent, so that an engine can also be asked on its own. */
  host?: HostFacts;
}

export interface Engine {
  name: EngineName;
  discover(ctx: DiscoveryContext): Container[];
}
