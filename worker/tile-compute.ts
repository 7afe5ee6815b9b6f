/**
 * Computes one tile: for each replicate of the block, draw its virtual population chunk by chunk (common
 * random numbers across doses), lay out dose x subject rows group-major, run the model with its
 * reduction head and return per-(dose, replicate) counts. Pure apart from the ONNX session; no I/O.
 */
import { createHash } from 'node:crypto';
import { ModelError, QusopError, TileError } from './common/errors.js';
import { sumsLimit } from './onnx/reduction-head.js';
import type { ModelCard } from './model/card.js';
import { drawSubjects } from './population/draw.js';
import { scenarioKey } from './rng/scenario-key.js';
import type { QuestionSpec, RunSpecJson } from './run-spec.js';
import { endpointOutput, statisticWords } from './onnx/window-statistic.js';
import type { TrajectoryRunner } from './onnx/session.js';
import { evaluateExtras, JointTotals } from './joint-totals.js';

export interface TileRange {
  readonly scenarioIndex: number;
  readonly regimenIndex: number;
  readonly doseBegin: number;
  readonly doseEnd: number;
  readonly replicateBegin: number;
  readonly replicateEnd: number;
}

export interface CellResult {
  readonly doseIndex: number;
  readonly replicate: number;
  readonly n: number;
  readonly k: number;
  readonly sumMaxQ20: bigint;
  readonly sumMaxSqQ12: bigint;
  /** threshold sweep only: subjects meeting each sweep threshold (ScenarioSpec.thresholdSweepNgMl order) */
  readonly kSweep?: readonly number[];
  /** safety endpoint only: safe subjects, and subjects both efficacious (k) and safe */
  readonly kSafe?: number;
  readonly kBoth?: number;
}

export interface LoadedRunner {
  readonly card: ModelCard;
  readonly runner: TrajectoryRunner;
  /** Cholesky factor of the card's Omega when the card asks the worker to correlate eta */
  readonly etaCholesky?: Float64Array;
}

/** Stop computing a tile whose lease is gone (checked between replicates). */
export class TileCancelledError extends QusopError {
  readonly code = 'CANCELLED';
}

export async function computeTile(spec: RunSpecJson, tile: TileRange, model: LoadedRunner, shouldStop: () => boolean = () => false): Promise<CellResult[]> {
  const sc = spec.scenarios[tile.scenarioIndex];
  const rg = sc?.regimens[tile.regimenIndex];
  if (sc === undefined || rg === undefined) throw new ModelError(`tile refers to scenario ${tile.scenarioIndex} / regimen ${tile.regimenIndex} which the run spec lacks`);
  const M = sc.population.subjects;
  const K = model.card.inputs.eta?.dim ?? 0;
  const theta = model.card.inputs.theta;
  const P = theta?.dim ?? 0;
  const key = { seed: sc.seed, scenario: scenarioKey(sc.stream ?? sc.name) };
  const doses = rg.dosesMg.slice(tile.doseBegin, tile.doseEnd);
  const D = doses.length;
  // Subjects are taken in chunks of m, all D doses each (common random numbers across doses), so the
  // inputs held at once are D x m <= max(maxBatchRows, D) rows whatever M and the tile's replicates:
  // a worker's memory is bounded by its batch size, not by the tile. Counts and sums are integers
  // added exactly, so the chunking cannot change a result.
  const m = Math.min(M, Math.max(1, Math.floor(model.runner.maxBatchRows / D)));
  const buf = inputBuffers(D, m, K, P);
  for (let d = 0; d < D; d += 1) buf.dose.fill(doses[d] ?? 0, d * m, (d + 1) * m);
  // the last, partial chunk has the same size in every replicate: its buffers are made once
  const tail = M % m === 0 ? buf : inputBuffers(D, M % m, K, P, buf);
  const totals = { k: new Array<number>(D).fill(0), q20: new Array<bigint>(D).fill(0n), q12: new Array<bigint>(D).fill(0n), maxAbs: new Array<number>(D).fill(0) };
  const extras = evaluateExtras(sc);
  const joint = new JointTotals(D, extras);
  const limit = sumsLimit(M);
  const cells: CellResult[] = [];
  for (let r = tile.replicateBegin; r < tile.replicateEnd; r += 1) {
    if (shouldStop()) throw new TileCancelledError(`tile cancelled by the coordinator before replicate ${r}`);
    if (buf.theta !== undefined && theta !== undefined) repeatRow(buf.theta, theta.draws[r % theta.draws.length] ?? [], P);
    totals.k.fill(0);
    totals.q20.fill(0n);
    totals.q12.fill(0n);
    totals.maxAbs.fill(0);
    joint.reset();
    for (let first = 0; first < M; first += m) {
      const count = Math.min(m, M - first);
      const pop = drawSubjects(key, r, sc.population, K, first, count);
      const popEta = model.etaCholesky === undefined || K === 0 ? pop.eta : correlate(pop.eta, model.etaCholesky, K);
      const x = count === m ? buf : tail;
      for (let d = 0; d < D; d += 1) {
        const off = d * count;
        x.bw.set(pop.bwKg, off);
        x.comed.set(pop.comed, off);
        if (x.eta !== undefined) x.eta.set(popEta, off * K);
        if (pop.covariates !== undefined) {
          const extra = (x.extra ??= {});
          for (const [name, v] of Object.entries(pop.covariates)) (extra[name] ??= new Float32Array(x.dose.length)).set(v, off);
        }
      }
      const out = await model.runner.evaluate(x, D, count, sc.thresholdNgMl, sc.question, extras);
      joint.add(out);
      for (let d = 0; d < D; d += 1) {
        totals.k[d] = (totals.k[d] ?? 0) + (out.k[d] ?? 0);
        totals.q20[d] = (totals.q20[d] ?? 0n) + (out.sumMaxQ20[d] ?? 0n);
        totals.q12[d] = (totals.q12[d] ?? 0n) + (out.sumMaxSqQ12[d] ?? 0n);
        totals.maxAbs[d] = Math.max(totals.maxAbs[d] ?? 0, out.maxAbs[d] ?? 0);
      }
    }
    for (let d = 0; d < D; d += 1) checkSumsRange(totals.maxAbs[d] ?? 0, limit, M, doses[d] ?? NaN, r, model.card, sc.question);
    for (let d = 0; d < D; d += 1) {
      cells.push({ doseIndex: tile.doseBegin + d, replicate: r, n: M, k: totals.k[d] ?? 0, sumMaxQ20: totals.q20[d] ?? 0n, sumMaxSqQ12: totals.q12[d] ?? 0n, ...joint.cell(d) });
    }
  }
  return cells;
}

/**
 * The cell's sums are exact int64 only while every window statistic is within sumsLimit(M); beyond it
 * they wrap. A permanent error (the same inputs give the same values on any worker): no retry.
 */
function checkSumsRange(maxAbs: number, limit: number, M: number, doseMg: number, replicate: number, card: ModelCard, question?: QuestionSpec): void {
  if (maxAbs <= limit) return;
  const { name, unit } = endpointOutput(card, question?.endpoint ?? 'biomarker');
  const sym = question?.statistic ?? 'max';
  throw new TileError(
    `model "${card.name}": window ${statisticWords(question)} of ${name} reaches ${maxAbs.toPrecision(4)} ${unit} (dose ${doseMg} mg, replicate ${replicate}); the exact sums of a cell of ${M} subjects (int64, ${sym} * 2^20 and ${sym}^2 * 2^12) hold |${sym}| <= ${limit.toPrecision(4)} ${unit}: check the model's units and output`,
    { retryable: false, details: { maxAbs, limit, subjects: M, doseMg, replicate } },
  );
}

interface InputBuffers {
  dose: Float32Array;
  bw: Float32Array;
  comed: Float32Array;
  eta?: Float32Array;
  theta?: Float32Array;
  /** covariates after dose, bw, comed (PopulationSpec.covariates), made on first use */
  extra?: Record<string, Float32Array>;
}

/**
 * Group-major inputs for D doses x m subjects. With `from`, a smaller view for the last, partial chunk:
 * dose is re-laid for m and theta (one row repeated) is a prefix of the full buffer, so it follows
 * every refill of the full one.
 */
function inputBuffers(D: number, m: number, K: number, P: number, from?: InputBuffers): InputBuffers {
  const rows = D * m;
  const x: InputBuffers = { dose: new Float32Array(rows), bw: new Float32Array(rows), comed: new Float32Array(rows) };
  if (K > 0) x.eta = new Float32Array(rows * K);
  if (P > 0) x.theta = from?.theta === undefined ? new Float32Array(rows * P) : from.theta.subarray(0, rows * P);
  if (from !== undefined) {
    const fullM = from.dose.length / D;
    for (let d = 0; d < D; d += 1) x.dose.fill(from.dose[d * fullM] ?? 0, d * m, (d + 1) * m);
  }
  return x;
}

/** Every P-wide row of `out` = `row` (missing entries 0), by doubling block copies. */
export function repeatRow(out: Float32Array, row: readonly number[], P: number): void {
  for (let p = 0; p < P; p += 1) out[p] = row[p] ?? 0;
  for (let filled = P; filled < out.length; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
}

/** eta = L z per subject, L lower-triangular K x K (row-major). */
export function correlate(z: Float32Array, chol: Float64Array, K: number): Float32Array {
  const out = new Float32Array(z.length);
  for (let i = 0; i < z.length; i += K) {
    for (let a = 0; a < K; a += 1) {
      let s = 0;
      for (let b = 0; b <= a; b += 1) s += (chol[a * K + b] ?? 0) * (z[i + b] ?? 0);
      out[i + a] = s;
    }
  }
  return out;
}

/** Cholesky factor (row-major, lower) of a symmetric positive-definite matrix. */
export function cholesky(m: readonly (readonly number[])[]): Float64Array {
  const K = m.length;
  const L = new Float64Array(K * K);
  for (let i = 0; i < K; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let s = m[i]?.[j] ?? 0;
      for (let k = 0; k < j; k += 1) s -= (L[i * K + k] ?? 0) * (L[j * K + k] ?? 0);
      if (i === j) {
        if (s <= 0) throw new ModelError(`model card eta.omega is not positive definite (pivot ${i} = ${s})`);
        L[i * K + i] = Math.sqrt(s);
      } else L[i * K + j] = s / (L[j * K + j] ?? 1);
    }
  }
  return L;
}

/**
 * Canonical digest of a tile's cells: equal results give equal digests on any machine. The sweep and
 * safety counts enter only when present, so a cell without them hashes as it always did.
 */
export function cellsDigest(cells: readonly CellResult[]): string {
  const h = createHash('sha256');
  for (const c of cells) {
    const sweep = c.kSweep === undefined ? '' : `,sweep=${c.kSweep.join(' ')}`;
    const safety = c.kSafe === undefined ? '' : `,safe=${c.kSafe},both=${c.kBoth ?? ''}`;
    h.update(`${c.doseIndex},${c.replicate},${c.n},${c.k},${c.sumMaxQ20},${c.sumMaxSqQ12}${sweep}${safety};`);
  }
  return h.digest('hex');
}
