/**
 * Raw session vs worker end-to-end throughput for one model, measured side by side in one process:
 *   raw  onnxruntime session.run of the worker's own graph (model + reduction head, same session
 *        options) on pre-built feeds, with exactly the calls and rows the worker makes for the tile;
 *   e2e  computeTile, the worker's function: Philox draws + input assembly + inference + reduction.
 * Repetitions alternate raw / e2e so machine noise hits both alike; medians are reported, the ratio as
 * the median of adjacent (raw, e2e) pairs. Run as a
 * child process (`node dist/bench/perf/throughput.js '<json>'`) so each configuration starts from a
 * fresh heap and its peak RSS (VmHWM) is its own.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { silentLogger } from '../../worker/common/log.js';
import { decodeModel, encodeModel } from '../../worker/onnx/graph-builder.js';
import { appendReductionHead, HEAD_INPUTS, HEAD_OUTPUTS } from '../../worker/onnx/reduction-head.js';
import { loadTrajectoryModel, trajectorySessionOptions } from '../../worker/onnx/session.js';
import type { ExecutionProviderName } from '../../worker/onnx/provider.js';
import { drawSubjects } from '../../worker/population/draw.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import { computeTile, repeatRow } from '../../worker/tile-compute.js';
import type { TileRange } from '../../worker/tile-compute.js';
import { loadBenchModel } from './models.js';
import type { BenchModel, BenchModelId } from './models.js';

export interface ThroughputConfig {
  readonly model: BenchModelId;
  /** cpu here; cuda on a GPU host (falls back to cpu, logged, where CUDA cannot load) */
  readonly provider: ExecutionProviderName;
  readonly threads: number;
  readonly maxBatchRows: number;
  readonly doses: number;
  readonly replicates: number;
  readonly subjects: number;
  /** keep alternating raw / e2e until both have run this long (at least 3 repetitions each) */
  readonly minSeconds: number;
  /** 'e2e' skips the raw session (memory runs: only the worker's own footprint) */
  readonly modes: 'both' | 'e2e';
}

export interface ThroughputResult {
  readonly config: ThroughputConfig;
  readonly T: number;
  readonly trajectoriesPerTile: number;
  readonly rowsPerRun: number;
  readonly rawTrajPerS: number | null;
  readonly e2eTrajPerS: number;
  readonly e2eOverRaw: number | null;
  readonly repetitions: number;
  readonly peakRssMiB: number;
  /** the provider the worker's session actually used */
  readonly executionProvider: ExecutionProviderName;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

/** A one-scenario spec with a trial-like population: BW uniform 40-120 kg, COMED at 40 %. */
function benchSpec(m: BenchModel, c: ThroughputConfig): RunSpecJson {
  const stepMg = m.regimen === 'QW' ? 5 : 0.5;
  return {
    runId: 'bench',
    codeVersion: 'bench',
    scenarios: [
      {
        name: 'bench', description: '', seed: 20251121, populationLabel: '', thresholdNgMl: 3.3, targets: [0.9], replicates: c.replicates,
        band: { method: 'clopper-pearson', level: 0.95 },
        population: { subjects: c.subjects, bw: { kind: 'uniform', minKg: 40, maxKg: 120 }, comed: { kind: 'bernoulli', p: 0.4 } },
        regimens: [{ name: m.regimen.toLowerCase(), tauH: m.card.regimen.tau_h, dosesMg: Array.from({ length: c.doses }, (_, i) => stepMg * (i + 1)), modelSha256: m.card.sha256 }],
      },
    ],
  };
}

/** The raw session and the feeds of one worker chunk (D doses x m subjects, real draws). */
async function rawSession(m: BenchModel, spec: RunSpecJson, c: ThroughputConfig, rowsPerSubjectChunk: number) {
  const headed = encodeModel(appendReductionHead(decodeModel(m.onnx), m.card.outputs.pd));
  const session = await ort.InferenceSession.create(headed, { ...trajectorySessionOptions(c.threads), executionProviders: c.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'] });
  const sc = spec.scenarios[0];
  if (sc === undefined) throw new Error('bench spec has no scenario');
  const K = m.card.inputs.eta?.dim ?? 0;
  const P = m.card.inputs.theta?.dim ?? 0;
  const chunk = rowsPerSubjectChunk;
  const rows = c.doses * chunk;
  const pop = drawSubjects({ seed: sc.seed, scenario: 1 }, 0, sc.population, K, 0, chunk);
  const col = (f: (d: number) => Float32Array | number): Float32Array => {
    const out = new Float32Array(rows);
    for (let d = 0; d < c.doses; d++) {
      const v = f(d);
      if (typeof v === 'number') out.fill(v, d * chunk, (d + 1) * chunk);
      else out.set(v, d * chunk);
    }
    return out;
  };
  const doses = sc.regimens[0]?.dosesMg ?? [];
  const feeds: Record<string, ort.Tensor> = {
    [HEAD_INPUTS.threshold]: new ort.Tensor('float32', Float32Array.of(sc.thresholdNgMl), [1]),
    [HEAD_INPUTS.groups]: new ort.Tensor('int64', BigInt64Array.of(BigInt(c.doses), BigInt(chunk)), [2]),
  };
  const [doseName, bwName, comedName] = m.card.inputs.covariates;
  feeds[doseName ?? 'dose'] = new ort.Tensor('float32', col((d) => doses[d] ?? 0), [rows]);
  feeds[bwName ?? 'bw'] = new ort.Tensor('float32', col(() => pop.bwKg), [rows]);
  feeds[comedName ?? 'comed'] = new ort.Tensor('float32', col(() => pop.comed), [rows]);
  if (K > 0) {
    const eta = new Float32Array(rows * K);
    for (let d = 0; d < c.doses; d++) eta.set(pop.eta, d * chunk * K);
    feeds['eta'] = new ort.Tensor('float32', eta, [rows, K]);
  }
  const draws = m.card.inputs.theta?.draws;
  if (P > 0 && draws !== undefined) {
    const theta = new Float32Array(rows * P);
    repeatRow(theta, draws[0] ?? [], P);
    feeds['theta'] = new ort.Tensor('float32', theta, [rows, P]);
  }
  return { session, feeds, outputs: Object.values(HEAD_OUTPUTS) };
}

export async function measureThroughput(c: ThroughputConfig): Promise<ThroughputResult> {
  const m = await loadBenchModel(c.model);
  const spec = benchSpec(m, c);
  const runner = await loadTrajectoryModel(m.card, m.onnx, { executionProvider: c.provider, maxBatchRows: c.maxBatchRows, intraOpThreads: c.threads, logger: silentLogger });
  const model = { card: m.card, runner };
  // computeTile's chunking: m subjects x all doses per session.run
  const chunk = Math.min(c.subjects, Math.max(1, Math.floor(runner.maxBatchRows / c.doses)));
  const runsPerTile = c.replicates * Math.ceil(c.subjects / chunk);
  const tile: TileRange = { scenarioIndex: 0, regimenIndex: 0, doseBegin: 0, doseEnd: c.doses, replicateBegin: 0, replicateEnd: c.replicates };
  const perTile = c.doses * c.replicates * c.subjects;
  const raw = c.modes === 'both' ? await rawSession(m, spec, c, chunk) : undefined;
  const runRaw = async (): Promise<number> => {
    if (raw === undefined) return 0;
    const t0 = performance.now();
    for (let i = 0; i < runsPerTile; i++) await raw.session.run(raw.feeds, raw.outputs);
    return performance.now() - t0;
  };
  const runE2e = async (): Promise<number> => {
    const t0 = performance.now();
    await computeTile(spec, tile, model);
    return performance.now() - t0;
  };
  await runRaw(); // warm-up: arena growth, first-run allocations
  await runE2e();
  const rawMs: number[] = [];
  const e2eMs: number[] = [];
  let spentMs = 0;
  while (e2eMs.length < 3 || spentMs < c.minSeconds * 1000) {
    if (raw !== undefined) rawMs.push(await runRaw());
    e2eMs.push(await runE2e());
    spentMs = Math.min(e2eMs.reduce((a, b) => a + b, 0), raw === undefined ? Infinity : rawMs.reduce((a, b) => a + b, 0));
  }
  await runner.release();
  await raw?.session.release();
  const e2e = perTile / (median(e2eMs) / 1000);
  const rawRate = raw === undefined ? null : perTile / (median(rawMs) / 1000);
  // the ratio is the median of adjacent pairs: load that drifts during the run cancels within a pair
  const pairRatio = raw === undefined ? null : median(e2eMs.map((ms, i) => (rawMs[i] ?? NaN) / ms));
  return {
    config: c, T: m.T, trajectoriesPerTile: perTile, rowsPerRun: c.doses * chunk,
    rawTrajPerS: rawRate, e2eTrajPerS: e2e, e2eOverRaw: pairRatio,
    repetitions: e2eMs.length, peakRssMiB: peakRssMiB(), executionProvider: runner.executionProvider,
  };
}

/** VmHWM: the process's peak resident set, in MiB (Linux). */
export function peakRssMiB(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return Math.round(Number(line?.replace(/\D+/g, '') ?? NaN) / 1024);
  } catch {
    return Math.round(process.memoryUsage().rss / 2 ** 20);
  }
}

if (process.argv[1]?.endsWith('throughput.js') && process.argv[2] !== undefined) {
  const result = await measureThroughput(JSON.parse(process.argv[2]) as ThroughputConfig);
  process.stdout.write(JSON.stringify(result) + '\n');
}
