/**
 * What the performance suite measures, at full size (the recorded run) or quick (the smoke test:
 * the same code paths in seconds, numbers meaningless). Tile shapes follow the products' use: the
 * five-question dose grids (80 doses), 500 subjects per replicate for the population model; smaller
 * tiles for the BiLSTM, whose trajectories cost ~40x more, so each repetition stays around a second.
 */
import { DEFAULT_MAX_BATCH_ROWS, defaultMaxBatchRows } from '../../worker/onnx/session.js';
import type { ExecutionProviderName } from '../../worker/onnx/provider.js';
import type { PeerSetup } from '../peer/torch-peer.js';
import type { BenchModelId } from './models.js';
import type { ThroughputConfig } from './throughput.js';

export interface PeerGrid {
  readonly batches: readonly number[];
  readonly threads: readonly number[];
  readonly processes: readonly number[];
  readonly minSeconds: number;
}

export interface BenchPlan {
  readonly quick: boolean;
  readonly throughput: readonly ThroughputConfig[];
  /** configurations also run as 2 processes x 1 thread at once (the machine's multi-worker rate) */
  readonly machine: readonly ThroughputConfig[];
  readonly memory: readonly ThroughputConfig[];
  readonly sweepScenario: string;
  readonly sweepTileTrajectories?: number;
  /** sweeps per worker count, alternating 1 and 2 workers; figures are medians over them */
  readonly sweepRepeats: number;
  /** the PyTorch peer in each set-up (bench/peer/torch-peer.ts PeerSetup): its grid of configurations */
  readonly peer: Readonly<Record<PeerSetup, PeerGrid>>;
  readonly capacity: { readonly workers: number; readonly tiles: number };
}

const MECHANISTIC: readonly BenchModelId[] = ['popmodel-qd', 'popmodel-qw', 'popmodel-qd-hourly', 'popmodel-qw-hourly'];
const BILSTM: readonly BenchModelId[] = ['bilstm-qd', 'bilstm-qw'];

/** `sweepScenario`: the scenario file the sweep section runs (default: the five questions). */
export function benchPlan(quick: boolean, sweepScenario = 'scenarios/five-questions.yaml', provider: ExecutionProviderName = 'cpu'): BenchPlan {
  const minSeconds = quick ? 0.05 : 4;
  const tile = (model: BenchModelId, threads: number): ThroughputConfig => {
    const lstm = BILSTM.includes(model);
    const weekly = model.endsWith('qw');
    const subjects = quick ? 20 : lstm ? (weekly ? 25 : 100) : 500;
    return { model, provider, threads, maxBatchRows: defaultMaxBatchRows(provider), doses: quick ? 4 : 80, replicates: quick || lstm ? 1 : 5, subjects, minSeconds, modes: 'both' };
  };
  const models = [...MECHANISTIC, ...BILSTM];
  const throughput = [1, 2].flatMap((threads) => models.map((m) => tile(m, threads)));
  const machine = models.map((m) => tile(m, 1));
  // worker footprint: the batch size bounds it, the tile size must not
  const mem = (model: BenchModelId, maxBatchRows: number, doses: number, subjects: number): ThroughputConfig =>
    ({ model, provider, threads: 1, maxBatchRows, doses: quick ? 4 : doses, replicates: 1, subjects: quick ? Math.min(subjects, 200) : subjects, minSeconds: 0, modes: 'e2e' });
  const memory = [
    ...[1_024, 4_096, 16_384, 65_536].map((rows) => mem('popmodel-qd', rows, 80, 20_000)),
    ...[500, 5_000, 50_000].map((subjects) => mem('popmodel-qd', DEFAULT_MAX_BATCH_ROWS, 80, subjects)),
    ...[100, 2_000].map((subjects) => mem('bilstm-qw', DEFAULT_MAX_BATCH_ROWS, 8, subjects)),
    mem('popmodel-qw-hourly', DEFAULT_MAX_BATCH_ROWS, 80, 2_000),
  ];
  return {
    quick,
    throughput,
    machine,
    memory,
    sweepScenario,
    ...(quick ? { sweepTileTrajectories: 2_000 } : {}),
    sweepRepeats: quick ? 1 : 3,
    // as specified: one process with torch.set_num_threads(2) (ENVIRONMENT.md); tuned: the best of
    // 1 or 2 processes x 1 or 2 threads, with the tuned environment
    peer: quick
      ? { 'as-specified': { batches: [16], threads: [2], processes: [1], minSeconds: 0.05 }, tuned: { batches: [16], threads: [1], processes: [1], minSeconds: 0.05 } }
      : { 'as-specified': { batches: [250, 1000, 4000], threads: [2], processes: [1], minSeconds: 4 }, tuned: { batches: [64, 250, 1000], threads: [1, 2], processes: [1, 2], minSeconds: 4 } },
    capacity: quick ? { workers: 50, tiles: 300 } : { workers: 1_000, tiles: 20_000 },
  };
}
