/**
 * Raw session vs worker end-to-end throughput for one model, measured side by side in one process:
 *   raw  onnxruntime session.run of the worker's own graph (model + reduction head, same session
 *        options) on pre-built feeds: the worker's own inputs for the tile, captured from one
 *        computeTile, in exactly the calls and rows the worker makes;
 *   e2e  computeTile, the worker's function: Philox draws + input assembly + inference + reduction.
 * Repetitions alternate raw / e2e so machine noise hits both alike; medians are reported, the ratio as
 * the median of adjacent (raw, e2e) pairs. Run as a child process (`node dist/bench/perf/throughput.js '<json>'`) so each configuration starts from a
 * fresh heap and its peak RSS (VmHWM) is its own.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { silentLogger } from '../../worker/common/log.js';
import { decodeModel, encodeModel } from '../../worker/onnx/graph-builder.js';
import { appendReductionHead, HEAD_INPUTS, HEAD_OUTPUTS } from '../../worker/onnx/reduction-head.js';
import { loadTrajectoryModel, planChunks, trajectorySessionOptions } from '../../worker/onnx/session.js';
import type { TrajectoryInputs, TrajectoryRunner } from '../../worker/onnx/session.js';
import type { ExecutionProviderName } from '../../worker/onnx/provider.js';
import type { RunSpecJson } from '../../worker/run-spec.js';
import { computeTile } from '../../worker/tile-compute.js';
import type { TileRange } from '../../worker/tile-compute.js';
import { loadBenchModel } from './models.js';
import type { BenchModel, BenchModelId, LibraryModelId } from './models.js';

export interface ThroughputConfig {
  readonly model: BenchModelId | LibraryModelId;
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
        // a PK-only card has no biomarker: its question is the window's maximum concentration
        ...(m.card.outputs.pd === null ? { question: { endpoint: 'concentration' as const, statistic: 'max' as const, comparison: '<=' as const } } : {}),
        band: { method: 'clopper-pearson', level: 0.95 },
        population: { subjects: c.subjects, bw: { kind: 'uniform', minKg: 40, maxKg: 120 }, comed: { kind: 'bernoulli', p: 0.4 } },
        regimens: [{ name: m.regimen.toLowerCase(), tauH: m.card.regimen.tau_h, dosesMg: Array.from({ length: c.doses }, (_, i) => stepMg * (i + 1)), modelSha256: m.card.sha256 }],
      },
    ],
  };
}

/** One evaluate() call of the worker, captured: its inputs (copied) and its group layout. */
interface CapturedCall {
  readonly x: TrajectoryInputs;
  readonly groups: number;
  readonly perGroup: number;
  readonly thresholdNgMl: number;
}

const copyInputs = (x: TrajectoryInputs): TrajectoryInputs => ({
  dose: x.dose.slice(), bw: x.bw.slice(), comed: x.comed.slice(),
  ...(x.eta === undefined ? {} : { eta: x.eta.slice() }), ...(x.theta === undefined ? {} : { theta: x.theta.slice() }),
});

/**
 * The raw session (the worker's graph + head, same options) and the feeds of every session.run the
 * worker makes for the tile, built from the worker's own inputs (captured from one computeTile), so
 * raw and e2e evaluate the same numbers: some inputs cost more than others (saturated gates, tiny
 * exponentials), and a single repeated chunk would not be representative.
 */
async function rawSession(m: BenchModel, c: ThroughputConfig, calls: readonly CapturedCall[], maxBatchRows: number) {
  const headed = encodeModel(appendReductionHead(decodeModel(m.onnx), m.card.outputs.pd ?? 'pd'));
  const session = await ort.InferenceSession.create(headed, { ...trajectorySessionOptions(c.threads), executionProviders: c.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'] });
  const K = m.card.inputs.eta?.dim ?? 0;
  const P = m.card.inputs.theta?.dim ?? 0;
  const [doseName, bwName, comedName] = m.card.inputs.covariates;
  const feeds: Record<string, ort.Tensor>[] = [];
  for (const call of calls) {
    for (const ch of planChunks(call.groups, call.perGroup, maxBatchRows)) {
      const first = ch.group * call.perGroup + ch.subjectStart;
      const n = ch.groups * ch.subjects;
      const col = (data: Float32Array, width: number): ort.Tensor =>
        new ort.Tensor('float32', data.subarray(first * Math.max(width, 1), (first + n) * Math.max(width, 1)), width === 0 ? [n] : [n, width]);
      const f: Record<string, ort.Tensor> = {
        [HEAD_INPUTS.threshold]: new ort.Tensor('float32', Float32Array.of(call.thresholdNgMl), [1]),
        [HEAD_INPUTS.groups]: new ort.Tensor('int64', BigInt64Array.of(BigInt(ch.groups), BigInt(ch.subjects)), [2]),
        [doseName ?? 'dose']: col(call.x.dose, 0),
        [bwName ?? 'bw']: col(call.x.bw, 0),
        [comedName ?? 'comed']: col(call.x.comed, 0),
      };
      if (K > 0 && call.x.eta !== undefined) f['eta'] = col(call.x.eta, K);
      if (P > 0 && call.x.theta !== undefined) f['theta'] = col(call.x.theta, P);
      feeds.push(f);
    }
  }
  return { session, feeds, outputs: Object.values(HEAD_OUTPUTS) };
}

export async function measureThroughput(c: ThroughputConfig): Promise<ThroughputResult> {
  const m = await loadBenchModel(c.model);
  const spec = benchSpec(m, c);
  const runner = await loadTrajectoryModel(m.card, m.onnx, { executionProvider: c.provider, maxBatchRows: c.maxBatchRows, intraOpThreads: c.threads, logger: silentLogger });
  const model = { card: m.card, runner };
  const tile: TileRange = { scenarioIndex: 0, regimenIndex: 0, doseBegin: 0, doseEnd: c.doses, replicateBegin: 0, replicateEnd: c.replicates };
  const perTile = c.doses * c.replicates * c.subjects;
  // one computeTile through a recording runner: the worker's own calls and inputs, for the raw session
  const calls: CapturedCall[] = [];
  const recording: TrajectoryRunner = {
    ...runner,
    evaluate: (x, groups, perGroup, thresholdNgMl) => {
      calls.push({ x: copyInputs(x), groups, perGroup, thresholdNgMl });
      return runner.evaluate(x, groups, perGroup, thresholdNgMl);
    },
  };
  // (memory runs skip it: the copies would count against the worker's footprint)
  await computeTile(spec, tile, { card: m.card, runner: c.modes === 'both' ? recording : runner });
  const raw = c.modes === 'both' ? await rawSession(m, c, calls, runner.maxBatchRows) : undefined;
  const runRaw = async (): Promise<number> => {
    if (raw === undefined) return 0;
    const t0 = performance.now();
    for (const f of raw.feeds) await raw.session.run(f, raw.outputs);
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
    config: c, T: m.T, trajectoriesPerTile: perTile, rowsPerRun: c.doses * Math.min(c.subjects, Math.max(1, Math.floor(runner.maxBatchRows / c.doses))),
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
