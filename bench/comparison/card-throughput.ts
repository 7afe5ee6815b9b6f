/**
 * Inference throughput of every card in the comparison: the worker's own tile computation
 * (`computeTile`: Philox draws, input assembly, the card's graph + reduction head) on one tile of
 * a trial-like population, timed several times after a warm-up; the median gives trajectories/s.
 * One onnxruntime session with `--threads` intra-op threads (default 2: the dev VM's 2 cores).
 *
 *   node dist/bench/comparison/card-throughput.js [--threads 2] [--reps 5] <card.model.json | dir>... > throughput.json
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../worker/common/log.js';
import type { ModelCard } from '../../worker/model/card.js';
import { loadModel } from '../../worker/model/load-card.js';
import { DEFAULT_MAX_BATCH_ROWS, loadTrajectoryModel } from '../../worker/onnx/session.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import { computeTile, type TileRange } from '../../worker/tile-compute.js';
import { machineInfo, type MachineInfo } from '../perf/machine.js';

export interface TileShape {
  readonly doses: number;
  readonly replicates: number;
  readonly subjects: number;
}

export interface CardThroughput {
  readonly card: string;
  readonly name: string;
  readonly family: string;
  readonly regimen: string;
  readonly T: number;
  readonly trajectoriesPerTile: number;
  readonly repetitionsMs: number[];
  readonly trajectoriesPerS: number;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new RangeError('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Trajectories per second from one tile's size and its repetitions' wall times (median, ms). */
export function trajectoriesPerSecond(perTile: number, repetitionsMs: readonly number[]): number {
  return perTile / (median(repetitionsMs) / 1000);
}

/**
 * A tile of similar cost for every card: fewer subjects for the hourly QW sequence graphs (T = 168)
 * so each repetition takes about a second on 2 cores, more for one-point or closed-form graphs.
 */
export function tileShape(timePoints: number): TileShape {
  const subjects = timePoints >= 100 ? 100 : timePoints > 1 ? 500 : 2000;
  return { doses: 8, replicates: 2, subjects };
}

/** A trial-like population (BW uniform 40-120 kg, COMED 50 %), doses on the regimen's usual step. */
function tileSpec(card: ModelCard, t: TileShape): RunSpecJson {
  const stepMg = card.regimen.tau_h >= 168 ? 10 : 1;
  return {
    runId: 'comparison-throughput',
    codeVersion: 'bench',
    scenarios: [
      {
        name: 'bench', description: '', seed: 20261206, populationLabel: '', thresholdNgMl: 3.3, targets: [0.9], replicates: t.replicates,
        band: { method: 'clopper-pearson', level: 0.95 },
        population: { subjects: t.subjects, bw: { kind: 'uniform', minKg: 40, maxKg: 120 }, comed: { kind: 'bernoulli', p: 0.5 } },
        regimens: [{ name: card.regimen.name.toLowerCase(), tauH: card.regimen.tau_h, dosesMg: Array.from({ length: t.doses }, (_, i) => stepMg * (i + 1)), modelSha256: card.sha256 }],
      },
    ],
  };
}

export async function measureCard(cardPath: string, threads: number, reps: number): Promise<CardThroughput> {
  const m = await loadModel(cardPath);
  const shape = tileShape(m.card.time_grid_h.length);
  const runner = await loadTrajectoryModel(m.card, m.onnx, { executionProvider: 'cpu', maxBatchRows: DEFAULT_MAX_BATCH_ROWS, intraOpThreads: threads, logger: silentLogger });
  const spec = tileSpec(m.card, shape);
  const tile: TileRange = { scenarioIndex: 0, regimenIndex: 0, doseBegin: 0, doseEnd: shape.doses, replicateBegin: 0, replicateEnd: shape.replicates };
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    await computeTile(spec, tile, { card: m.card, runner });
    return performance.now() - t0;
  };
  await run(); // warm-up: session arena growth, first-run allocations
  const repetitionsMs: number[] = [];
  for (let i = 0; i < reps; i++) repetitionsMs.push(await run());
  await runner.release();
  const perTile = shape.doses * shape.replicates * shape.subjects;
  return {
    card: cardPath, name: m.card.name, family: m.card.family, regimen: m.card.regimen.name, T: m.card.time_grid_h.length,
    trajectoriesPerTile: perTile, repetitionsMs: repetitionsMs.map((ms) => Number(ms.toFixed(1))), trajectoriesPerS: Math.round(trajectoriesPerSecond(perTile, repetitionsMs)),
  };
}

async function cardPaths(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    if ((await stat(a)).isDirectory()) out.push(...(await readdir(a)).filter((n) => n.endsWith('.model.json')).sort().map((n) => join(a, n)));
    else out.push(a);
  }
  return out;
}

export interface ThroughputRecord {
  readonly machine: MachineInfo;
  readonly threads: number;
  readonly repetitions: number;
  readonly cards: CardThroughput[];
}

if (process.argv[1]?.endsWith('card-throughput.js')) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '5' } } });
  const threads = Number(values.threads);
  const reps = Number(values.reps);
  const cards: CardThroughput[] = [];
  for (const p of await cardPaths(positionals)) {
    const r = await measureCard(p, threads, reps);
    process.stderr.write(`${r.name}: ${r.trajectoriesPerS} trajectories/s (median of ${reps})\n`);
    cards.push(r);
  }
  const record: ThroughputRecord = { machine: machineInfo(), threads, repetitions: reps, cards };
  process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
}
