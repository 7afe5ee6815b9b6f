/**
 * Cores this process may use: the CPU affinity (os.availableParallelism) capped by the cgroup CPU
 * quota. Node 20's libuv (1.46) counts only the affinity, so in a container limited by quota
 * (`docker run --cpus 2`, a Kubernetes CPU limit) it reports every core of the host, and `qusop run`
 * would start one worker per host core. Newer libuv and Rust's std cap by the quota the same way:
 * floor(quota / period), at least 1, the smallest along the cgroup's ancestors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';

/** `root` prefixes /proc and /sys (tests); undefined when no quota applies or it cannot be read. */
export function cgroupCpuLimit(root = '/'): number | undefined {
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(join(root, path), 'utf8');
    } catch {
      return undefined;
    }
  };
  const exists = (dir: string): boolean => existsSync(join(root, dir));
  const memberships = (read('/proc/self/cgroup') ?? '').split('\n').map((line) => line.split(':'));
  const unified = memberships.find((m) => m.length >= 3 && m[0] === '0' && m[1] === '');
  const v1 = memberships.find((m) => m.length >= 3 && (m[1] ?? '').split(',').includes('cpu'));
  let limit: number | undefined;
  const take = (quota: number, period: number): void => {
    if (Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0) limit = Math.min(limit ?? Infinity, quota / period);
  };
  if (unified !== undefined && read('/sys/fs/cgroup/cgroup.controllers') !== undefined) {
    for (const dir of ancestors('/sys/fs/cgroup', unified.slice(2).join(':'), exists)) {
      const [quota, period] = (read(`${dir}/cpu.max`) ?? '').trim().split(/\s+/);
      if (quota !== 'max') take(Number(quota), Number(period));
    }
  } else if (v1 !== undefined) {
    const mount = ['/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpu'].find((m) => read(`${m}/cpu.cfs_period_us`) !== undefined);
    if (mount === undefined) return undefined;
    for (const dir of ancestors(mount, v1.slice(2).join(':'), exists)) {
      take(Number((read(`${dir}/cpu.cfs_quota_us`) ?? '').trim()), Number((read(`${dir}/cpu.cfs_period_us`) ?? '').trim()));
    }
  }
  return limit === undefined ? undefined : Math.max(1, Math.floor(limit));
}

/**
 * The process's cgroup directory and its ancestors up to the mount. In a container the mount is often
 * the container's own cgroup while /proc/self/cgroup names a host path: then the mount alone is used.
 */
function ancestors(mount: string, cgroupPath: string, exists: (dir: string) => boolean): string[] {
  const own = posix.join(mount, cgroupPath);
  if (!exists(own)) return [mount];
  const dirs: string[] = [];
  for (let d = own; d.startsWith(mount); d = posix.dirname(d)) {
    dirs.push(d);
    if (d === mount) break;
  }
  return dirs;
}

/** Affinity capped by the cgroup quota, never below 1. */
export function usableCores(root = '/'): number {
  const affinity = availableParallelism();
  const quota = cgroupCpuLimit(root);
  return Math.max(1, quota === undefined ? affinity : Math.min(affinity, quota));
}
