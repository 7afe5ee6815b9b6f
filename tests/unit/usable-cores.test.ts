/**
 * Cores under a cgroup CPU quota (cli/usable-cores.ts), on fixture trees laid out like
 * /proc/self/cgroup and /sys/fs/cgroup for cgroup v2 and v1, hosts and containers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cgroupCpuLimit, usableCores } from '../../cli/usable-cores.js';

/** A fixture root with these files and (possibly empty) cgroup directories, at their paths on a machine. */
function tree(files: Record<string, string>, cgroupDirs: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'qusop-cgroup-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  for (const dir of cgroupDirs) mkdirSync(join(root, dir), { recursive: true });
  return root;
}

function withTree<T>(files: Record<string, string>, cgroupDirs: readonly string[], f: (root: string) => T): T {
  const root = tree(files, cgroupDirs);
  try {
    return f(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const V2 = { '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids\n' };

test('cgroup v2 in a container (cgroup namespace): cpu.max at the mount, floor(quota / period)', () => {
  withTree({ ...V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '200000 100000\n' }, ['/sys/fs/cgroup'], (root) => assert.equal(cgroupCpuLimit(root), 2));
  withTree({ ...V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '250000 100000\n' }, ['/sys/fs/cgroup'], (root) => assert.equal(cgroupCpuLimit(root), 2, '2.5 CPUs: 2'));
  withTree({ ...V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '50000 100000\n' }, ['/sys/fs/cgroup'], (root) => assert.equal(cgroupCpuLimit(root), 1, 'half a CPU: still 1'));
  withTree({ ...V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' }, ['/sys/fs/cgroup'], (root) => assert.equal(cgroupCpuLimit(root), undefined, 'no quota'));
});

test('cgroup v2 on a host: the smallest quota along the process cgroup and its ancestors', () => {
  const files = {
    ...V2, '/proc/self/cgroup': '0::/kubepods/pod1/c1\n',
    '/sys/fs/cgroup/kubepods/cpu.max': 'max 100000\n',
    '/sys/fs/cgroup/kubepods/pod1/cpu.max': '300000 100000\n',
    '/sys/fs/cgroup/kubepods/pod1/c1/cpu.max': '800000 100000\n',
  };
  withTree(files, ['/sys/fs/cgroup', '/sys/fs/cgroup/kubepods', '/sys/fs/cgroup/kubepods/pod1', '/sys/fs/cgroup/kubepods/pod1/c1'], (root) => assert.equal(cgroupCpuLimit(root), 3));
});

test('cgroup v1: cpu.cfs_quota_us / cpu.cfs_period_us; -1 is no quota; a host path missing in the container reads the mount', () => {
  const proc = { '/proc/self/cgroup': '12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n' };
  withTree({ ...proc, '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '400000\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n' }, ['/sys/fs/cgroup/cpu,cpuacct'], (root) =>
    assert.equal(cgroupCpuLimit(root), 4));
  withTree({ ...proc, '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n' }, ['/sys/fs/cgroup/cpu,cpuacct'], (root) =>
    assert.equal(cgroupCpuLimit(root), undefined));
  // this machine's layout: separate cpu mount, the process at its root, no quota
  withTree({ '/proc/self/cgroup': '1:cpu:/\n0::/\n', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }, ['/sys/fs/cgroup/cpu'], (root) =>
    assert.equal(cgroupCpuLimit(root), undefined));
});

test('unreadable or odd files give no limit rather than an error; usableCores never exceeds the affinity', () => {
  withTree({}, [], (root) => assert.equal(cgroupCpuLimit(root), undefined, 'no /proc, no /sys'));
  withTree({ ...V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': 'garbage\n' }, ['/sys/fs/cgroup'], (root) => assert.equal(cgroupCpuLimit(root), undefined));
  withTree({ ...V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '100000000 100000\n' }, ['/sys/fs/cgroup'], (root) =>
    assert.equal(usableCores(root), availableParallelism(), 'a quota of 1000 CPUs leaves the affinity'));
  withTree({ ...V2, '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '100000 100000\n' }, ['/sys/fs/cgroup'], (root) => assert.equal(usableCores(root), 1));
  assert.ok(usableCores() >= 1 && usableCores() <= availableParallelism(), 'this machine');
});
