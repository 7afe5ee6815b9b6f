/**
 * Test kit: a real single-node SLURM cluster in a temp directory — munged (own key and socket),
 * slurmctld and slurmd (`-D`, children of the test process) on free loopback ports, with the
 * settings /work/shared/ENVIRONMENT.md found necessary. Clients reach it through SLURM_CONF in
 * `env`. stop() cancels every job, stops the daemons by the pids in their pid files and removes the
 * directory. Nothing is skipped: a machine without SLURM fails with a message saying what to install
 * (.ci/apt-packages lists it for CI).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { access, chmod, chown, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { freePort } from './ports.js';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface SlurmCluster {
  readonly dir: string;
  /** process.env plus SLURM_CONF: pass it to every client command and to `qusop submit slurm` */
  readonly env: Record<string, string>;
  readonly cpus: number;
  /** runs a SLURM client command against this cluster */
  client(program: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

const PROGRAMS = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sinfo', 'sbatch', 'scontrol', 'scancel', 'squeue'] as const;

async function findProgram(name: string): Promise<string | undefined> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const d of dirs.filter((x) => x !== '')) {
    try {
      await access(join(d, name));
      return join(d, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

async function passwdEntry(user: string): Promise<{ uid: number; gid: number } | undefined> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${user}:`));
  const f = line?.split(':');
  return f === undefined ? undefined : { uid: Number(f[2]), gid: Number(f[3]) };
}

function run(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(program, [...args], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
      ok({ code, stdout, stderr });
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, diagnose: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`SLURM test cluster: ${what} not ready after ${timeoutMs} ms\n${await diagnose()}`);
    await sleep(100);
  }
}

async function tail(path: string, lines = 20): Promise<string> {
  try {
    return `--- ${path}\n${(await readFile(path, 'utf8')).split('\n').slice(-lines).join('\n')}`;
  } catch {
    return `--- ${path} (missing)`;
  }
}

function slurmConf(dir: string, ports: { ctld: number; d: number }, cpus: number): string {
  return [
    'ClusterName=qusoptest',
    'SlurmctldHost=localhost',
    `SlurmctldPort=${ports.ctld}`,
    `SlurmdPort=${ports.d}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${join(dir, 'munge', 'munge.socket')}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    // without these, jobs start in 3 s steps, an `after:` dependency (coordinator mode's workers)
    // waits for the 60 s main scheduling loop, and a failed afterok dependency pends forever
    'SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1',
    'DependencyParameters=kill_invalid_depend',
    'MailProg=/bin/true',
    'ReturnToService=2',
    'KillWait=5',
    // declare more CPUs than the machine has so small array tasks run side by side
    'SlurmdParameters=config_overrides',
    `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=1000 State=UNKNOWN`,
    'PartitionName=debug Nodes=ALL Default=YES State=UP MaxTime=INFINITE',
    '',
  ].join('\n');
}

/** Starts munged, slurmctld and slurmd; resolves once `sinfo` reports the node idle. */
export async function startSlurm(opts: { cpus?: number } = {}): Promise<SlurmCluster> {
  const paths: Record<string, string> = {};
  const missing: string[] = [];
  for (const p of PROGRAMS) {
    const found = await findProgram(p);
    if (found === undefined) missing.push(p);
    else paths[p] = found;
  }
  if (missing.length > 0) {
    throw new Error(`SLURM is not installed here (missing ${missing.join(', ')}): apt-get install slurm-wlm munge (listed in .ci/apt-packages, which .ci/run installs)`);
  }
  if (process.getuid?.() !== 0) throw new Error('the SLURM test cluster needs root (slurmd runs jobs as their owner; munged runs as user munge)');
  const munge = await passwdEntry('munge');
  if (munge === undefined) throw new Error('no "munge" user in /etc/passwd: is the munge package installed?');
  const cpus = opts.cpus ?? 4;
  const dir = await mkdtemp(join(tmpdir(), 'qusop-slurm-'));
  // munged insists that every directory above its socket is searchable by all
  await chmod(dir, 0o755);
  const children: { name: string; child: ChildProcess; pidFile: string }[] = [];
  const env: Record<string, string> = { ...(process.env as Record<string, string>), SLURM_CONF: join(dir, 'slurm.conf') };
  const bin = (p: (typeof PROGRAMS)[number]): string => paths[p] ?? p;

  const startDaemon = async (name: string, program: string, args: string[], pidFile: string, ids?: { uid: number; gid: number }): Promise<void> => {
    const out = await open(join(dir, 'log', `${name}.stdio`), 'a');
    const child = spawn(program, args, { env, stdio: ['ignore', out.fd, out.fd], ...(ids ?? {}) });
    await out.close();
    children.push({ name, child, pidFile });
    child.once('error', () => undefined);
  };

  const cluster: SlurmCluster = {
    dir,
    env,
    cpus,
    client: (program, args) => run(program, args, env),
    stop: async () => {
      const q = await run(bin('squeue'), ['-h', '-o', '%i'], env);
      const ids = q.stdout.split('\n').map((s) => s.trim()).filter((s) => s !== '');
      if (ids.length > 0) {
        await run(bin('scancel'), ids, env);
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && (await run(bin('squeue'), ['-h', '-o', '%i'], env)).stdout.trim() !== '') await sleep(200);
      }
      // slurmd first (it talks to slurmctld), munged last (both authenticate through it)
      for (const c of [...children].reverse()) {
        let pid = c.child.pid;
        try {
          pid = Number((await readFile(c.pidFile, 'utf8')).trim()) || pid;
        } catch {
          // no pid file (it never got that far): the child's pid is the daemon's
        }
        const exited = c.child.exitCode !== null || c.child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.child.once('exit', () => r()));
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
        let timer: NodeJS.Timeout | undefined;
        const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)))]);
        clearTimeout(timer);
        if (!killed && pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
          await exited;
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    for (const d of ['state', 'spool', 'log']) await mkdir(join(dir, d));
    const mungeDir = join(dir, 'munge');
    await mkdir(mungeDir, { mode: 0o755 });
    const key = join(mungeDir, 'munge.key');
    const made = await run(bin('mungekey'), ['--create', `--keyfile=${key}`], env);
    if (made.code !== 0) throw new Error(`mungekey --create failed: ${made.stderr}`);
    await chown(mungeDir, munge.uid, munge.gid);
    await chown(key, munge.uid, munge.gid);
    await chmod(key, 0o600);
    const socket = join(mungeDir, 'munge.socket');
    await startDaemon(
      'munged',
      bin('munged'),
      ['-F', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(mungeDir, 'munged.pid')}`, `--log-file=${join(mungeDir, 'munged.log')}`, `--seed-file=${join(mungeDir, 'munged.seed')}`],
      join(mungeDir, 'munged.pid'),
      munge,
    );
    const diagnose = async (): Promise<string> =>
      (await Promise.all([join(mungeDir, 'munged.log'), join(dir, 'log', 'munged.stdio'), join(dir, 'log', 'slurmctld.log'), join(dir, 'log', 'slurmd.log'), join(dir, 'log', 'slurmctld.stdio'), join(dir, 'log', 'slurmd.stdio')].map((p) => tail(p)))).join('\n');
    await waitFor('munged socket', () => access(socket).then(() => true, () => false), 10_000, diagnose);
    const ctld = await freePort();
    let d = await freePort();
    while (d === ctld) d = await freePort();
    const ports = { ctld, d };
    await writeFile(env['SLURM_CONF'] ?? '', slurmConf(dir, ports, cpus));
    await startDaemon('slurmctld', bin('slurmctld'), ['-D', '-f', env['SLURM_CONF'] ?? ''], join(dir, 'slurmctld.pid'));
    await startDaemon('slurmd', bin('slurmd'), ['-D', '-N', 'localhost', '-f', env['SLURM_CONF'] ?? ''], join(dir, 'slurmd.pid'));
    await waitFor('node "localhost" idle in sinfo', async () => (await run(bin('sinfo'), ['-h', '-o', '%T'], env)).stdout.trim() === 'idle', 30_000, diagnose);
    return cluster;
  } catch (err) {
    await cluster.stop().catch(() => undefined);
    throw err;
  }
}
