/**
 * Computes one tile: for each replicate of the block, draw its virtual population once (common random
 * numbers across doses), lay out dose x subject rows group-major, run the model with its reduction
 * head and return per-(dose, replicate) counts. Pure apart from the ONNX session; no I/O.
 */
import { createHash } from 'node:crypto';
import { ModelError, QusopError } from './common/errors.js';
import type { ModelCard } from './model/card.js';
import { drawPopulation } from './population/draw.js';
import { scenarioKey } from './rng/scenario-key.js';
import type { RunSpecJson } from './run-spec.js';
import type { TrajectoryRunner } from './onnx/session.js';

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
  const key = { seed: sc.seed, scenario: scenarioKey(sc.name) };
  const doses = rg.dosesMg.slice(tile.doseBegin, tile.doseEnd);
  const D = doses.length;
  const cells: CellResult[] = [];
  // One replicate at a time keeps memory at D x M rows however many replicates the tile holds.
  const rows = D * M;
  const dose = new Float32Array(rows);
  const bw = new Float32Array(rows);
  const comed = new Float32Array(rows);
  const eta = K > 0 ? new Float32Array(rows * K) : undefined;
  const thetaIn = P > 0 ? new Float32Array(rows * P) : undefined;
  for (let r = tile.replicateBegin; r < tile.replicateEnd; r += 1) {
    if (shouldStop()) throw new TileCancelledError(`tile cancelled by the coordinator before replicate ${r}`);
    const pop = drawPopulation(key, r, sc.population, K);
    const popEta = model.etaCholesky === undefined || K === 0 ? pop.eta : correlate(pop.eta, model.etaCholesky, K);
    for (let d = 0; d < D; d += 1) {
      const off = d * M;
      dose.fill(doses[d] ?? 0, off, off + M);
      bw.set(pop.bwKg, off);
      comed.set(pop.comed, off);
      if (eta !== undefined) eta.set(popEta, off * K);
    }
    if (thetaIn !== undefined && theta !== undefined) {
      const draw = theta.draws[r % theta.draws.length] ?? [];
      for (let i = 0; i < rows; i += 1) for (let p = 0; p < P; p += 1) thetaIn[i * P + p] = draw[p] ?? 0;
    }
    const out = await model.runner.evaluate(
      { dose, bw, comed, ...(eta === undefined ? {} : { eta }), ...(thetaIn === undefined ? {} : { theta: thetaIn }) },
      D,
      M,
      sc.thresholdNgMl,
    );
    for (let d = 0; d < D; d += 1) {
      cells.push({ doseIndex: tile.doseBegin + d, replicate: r, n: M, k: out.k[d] ?? 0, sumMaxQ20: out.sumMaxQ20[d] ?? 0n, sumMaxSqQ12: out.sumMaxSqQ12[d] ?? 0n });
    }
  }
  return cells;
}

/** eta = L z per subject, L lower-triangular K x K (row-major). */
function correlate(z: Float32Array, chol: Float64Array, K: number): Float32Array {
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

/** Canonical digest of a tile's cells: equal results give equal digests on any machine. */
export function cellsDigest(cells: readonly CellResult[]): string {
  const h = createHash('sha256');
  for (const c of cells) h.update(`${c.doseIndex},${c.replicate},${c.n},${c.k},${c.sumMaxQ20},${c.sumMaxSqQ12};`);
  return h.digest('hex');
}
