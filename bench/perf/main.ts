/**
 * The performance suite in one command (`npm run bench`, i.e. `node dist/bench/perf/main.js`): raw
 * session vs worker end-to-end throughput per model, the same as 2 worker processes at once, worker
 * peak RSS against batch and tile size, the PyTorch peer, a full sweep with 1 and 2 workers and the
 * coordinator's capacity — all in one run on one machine, so ratios compare like with like. Writes
 * results.json and results.md (default: beside this file's source; --out DIR elsewhere). --quick runs
 * every path at toy sizes (the smoke test; its numbers mean nothing).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runCapacityBench } from '../coordinator/capacity.js';
import type { CapacityResult } from '../coordinator/capacity.js';
import { runTorchPeer } from '../peer/torch-peer.js';
import type { PeerResult, PeerSetup } from '../peer/torch-peer.js';
import { machineThroughput, runChild } from './children.js';
import type { MachineThroughput } from './children.js';
import { machineInfo } from './machine.js';
import type { MachineInfo } from './machine.js';
import { loadBenchModel, REPO_ROOT } from './models.js';
import { benchPlan } from './plan.js';
import type { BenchPlan } from './plan.js';
import { acceptance, resultsMarkdown } from './report.js';
import type { PeerComparison } from './report.js';
import { runSweep } from './sweep.js';
import type { SweepResult } from './sweep.js';
import type { ThroughputResult } from './throughput.js';

export interface BenchResults {
  readonly schema: 'qusop.bench-perf/v1';
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly machineAfter: MachineInfo['load'];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly throughput: readonly ThroughputResult[];
  readonly machineThroughput: readonly MachineThroughput[];
  readonly memory: readonly ThroughputResult[];
  /** one result per (set-up, model): bilstm-qd then bilstm-qw for each set-up */
  readonly peer: { readonly runs: readonly PeerResult[]; readonly comparison: readonly PeerComparison[] };
  readonly sweeps: readonly SweepResult[];
  readonly capacity: CapacityResult;
}

/** One line per step on stderr: "[k/n] what ... figure" (minutes-long, so the reader sees it move). */
function progress(total: number): (what: string, run: () => Promise<string>) => Promise<void> {
  let k = 0;
  return async (what, run) => {
    k += 1;
    const t0 = performance.now();
    process.stderr.write(`[${k}/${total}] ${what} ...`);
    const figure = await run();
    process.stderr.write(` ${figure} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  };
}

const rate = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`);

/** The best machine-wide BiLSTM rate of qusop's worker path (1 process x 2 threads or 2 x 1). */
function bestQusop(id: string, single: readonly ThroughputResult[], machine: readonly MachineThroughput[]): { trajPerS: number; config: string } {
  const options = [
    ...single.filter((r) => r.config.model === id && r.config.threads === 2).map((r) => ({ trajPerS: r.e2eTrajPerS, config: '1 process x 2 threads' })),
    ...machine.filter((m) => m.perProcess[0]?.config.model === id).map((m) => ({ trajPerS: m.e2eTrajPerS, config: `${m.processes} processes x ${m.threadsPerProcess} thread` })),
  ];
  return options.reduce((a, b) => (b.trajPerS > a.trajPerS ? b : a), { trajPerS: 0, config: 'none' });
}

function bestPeer(p: PeerResult, T: number): { trajPerS: number; config: string } {
  const runs = p.runs.filter((r) => r.T === T);
  const best = runs.reduce<(typeof runs)[number] | undefined>((a, b) => (a === undefined || b.trajPerS > a.trajPerS ? b : a), undefined);
  return best === undefined ? { trajPerS: 0, config: 'none' } : { trajPerS: best.trajPerS, config: `${best.processes} process(es) x ${best.threads} thread(s), batch ${best.batch}` };
}

export async function runBench(plan: BenchPlan): Promise<BenchResults> {
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const setups = Object.keys(plan.peer) as PeerSetup[];
  const steps = plan.throughput.length + plan.machine.length + plan.memory.length + 2 * setups.length + 2 * plan.sweepRepeats + 1;
  const step = progress(steps);
  const throughput: ThroughputResult[] = [];
  for (const c of plan.throughput) {
    await step(`raw vs e2e ${c.model}, 1 process x ${c.threads} thread(s)`, async () => {
      const r = await runChild<ThroughputResult>('throughput.js', c);
      throughput.push(r);
      return `raw ${rate(r.rawTrajPerS ?? 0)}, e2e ${rate(r.e2eTrajPerS)}, e2e/raw ${(r.e2eOverRaw ?? 0).toFixed(3)}`;
    });
  }
  const machineRuns: MachineThroughput[] = [];
  for (const c of plan.machine) {
    await step(`${c.model}, 2 worker processes x 1 thread at once`, async () => {
      const m = await machineThroughput(c, 2);
      machineRuns.push(m);
      return `e2e ${rate(m.e2eTrajPerS)} (raw ${rate(m.rawTrajPerS ?? 0)})`;
    });
  }
  const memory: ThroughputResult[] = [];
  for (const c of plan.memory) {
    await step(`peak RSS ${c.model}, max-batch-rows ${c.maxBatchRows}, tile ${c.doses} x ${c.subjects}`, async () => {
      const r = await runChild<ThroughputResult>('throughput.js', c);
      memory.push(r);
      return `${r.peakRssMiB} MiB`;
    });
  }
  const peerRuns: PeerResult[] = [];
  const comparison: PeerComparison[] = [];
  for (const setup of setups) for (const id of ['bilstm-qd', 'bilstm-qw'] as const) {
    await step(`PyTorch peer (${setup}), ${id}`, async () => {
      const model = await loadBenchModel(id);
      const grid = plan.peer[setup];
      const p = await runTorchPeer({
        onnxPath: model.onnxPath ?? '', setup, thresholdNgMl: 3.3, batches: grid.batches, threads: grid.threads, processes: grid.processes,
        minSeconds: grid.minSeconds, check: { dose: [5, 40], bw: [70, 90], comed: [0, 1] },
      });
      peerRuns.push(p);
      const ours = bestQusop(id, throughput, machineRuns);
      const peer = bestPeer(p, model.T);
      comparison.push({ model: id, T: model.T, setup, qusopTrajPerS: ours.trajPerS, qusopConfig: ours.config, peerTrajPerS: peer.trajPerS, peerConfig: peer.config, ratio: ours.trajPerS / peer.trajPerS });
      return `best ${rate(peer.trajPerS)}`;
    });
  }
  const sweeps: SweepResult[] = [];
  for (let repeat = 1; repeat <= plan.sweepRepeats; repeat++) for (const workers of [1, 2]) {
    await step(`sweep ${plan.sweepScenario} through the coordinator, ${workers} worker(s) x 1 thread (${repeat}/${plan.sweepRepeats})`, async () => {
      const s = await runSweep(resolve(REPO_ROOT, plan.sweepScenario), workers, plan.sweepTileTrajectories === undefined ? {} : { tileTrajectories: plan.sweepTileTrajectories });
      sweeps.push(s);
      return `${rate(s.trajPerS)}, run wall ${(s.runWallMs / 1000).toFixed(1)} s, overhead ${s.overhead === null ? 'n/a' : `${(100 * s.overhead).toFixed(1)} %`}`;
    });
  }
  let capacity: CapacityResult | undefined;
  await step(`coordinator capacity, ${plan.capacity.workers} simulated workers, ${plan.capacity.tiles} tiles`, async () => {
    capacity = await runCapacityBench({ workers: plan.capacity.workers, tiles: plan.capacity.tiles });
    return `gRPC ${capacity.grpc?.completionsPerS ?? 'n/a'} completions/s, lease p95 ${capacity.grpc?.leaseLatency.p95Ms ?? 'n/a'} ms`;
  });
  if (capacity === undefined) throw new Error('bench: the capacity section produced no result');
  return {
    schema: 'qusop.bench-perf/v1', quick: plan.quick, machine, machineAfter: machineInfo().load, startedAt, finishedAt: new Date().toISOString(),
    throughput, machineThroughput: machineRuns, memory, peer: { runs: peerRuns, comparison }, sweeps, capacity,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, 'sweep-scenario': { type: 'string' }, provider: { type: 'string', default: 'cpu' } } });
  if (values.provider !== 'cpu' && values.provider !== 'cuda') throw new Error(`--provider must be cpu or cuda, got ${values.provider}`);
  const plan = benchPlan(values.quick, values['sweep-scenario'], values.provider);
  const results = await runBench(plan);
  const out = values.out ?? fileURLToPath(new URL('.', import.meta.url.replace('/dist/', '/')));
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  await writeFile(join(out, 'results.md'), resultsMarkdown(results));
  const failed = acceptance(results).filter((a) => !a.pass);
  process.stderr.write(`wrote ${join(out, 'results.json')} and results.md; ${failed.length === 0 ? 'every acceptance figure met' : `not met: ${failed.map((a) => a.criterion).join('; ')}`}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`\n${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
