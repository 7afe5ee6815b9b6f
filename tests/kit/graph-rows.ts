/**
 * Test kit: rows of a structure's steady-state graph (dose, bw, comed, z, theta), the bare graph run on
 * them (no reduction head), and the subject a row describes as the double-precision simulator sees it
 * (from the float32 values the graph saw). Shared by the structures' graph accuracy tests.
 */
import * as ort from 'onnxruntime-node';
import type { RegimenGrid } from '../../models/export/time-grid.js';
import { individualParameters, thetaSize, unpackTheta, type IndividualParameters } from '../../models/structures/parameters.js';
import { TWO_COMPARTMENT, type Structure } from '../../models/structures/structure.js';
import { mulberry32 } from './prng.js';

export interface Rows {
  dose: number[];
  bw: number[];
  comed: number[];
  z: number[][];
  theta: number[][];
  /** covariate inputs after dose, bw, comed (declared covariate effects), by name */
  extra?: Record<string, number[]>;
}

/** Runs the bare graph: pd (absent for a PK-only graph: empty) and conc [B, T]. */
export async function runGraph(bytes: Uint8Array, rows: Rows, structure: Structure = TWO_COMPARTMENT): Promise<{ pd: Float32Array; conc: Float32Array }> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const B = rows.dose.length;
  const t = (xs: readonly number[], dims: number[]): ort.Tensor => new ort.Tensor('float32', Float32Array.from(xs), dims);
  const out = await s.run({
    dose: t(rows.dose, [B]), bw: t(rows.bw, [B]), comed: t(rows.comed, [B]),
    eta: t(rows.z.flat(), [B, structure.etaNames.length]), theta: t(rows.theta.flat(), [B, thetaSize(structure)]),
    ...Object.fromEntries(Object.entries(rows.extra ?? {}).map(([n, xs]) => [n, t(xs, [B])])),
  });
  await s.release();
  return { pd: (out['pd']?.data as Float32Array | undefined) ?? new Float32Array(), conc: out['conc']?.data as Float32Array };
}

/** The subject a graph row describes, from the float32 values the graph saw. */
export function subjectOf(rows: Rows, b: number, structure: Structure = TWO_COMPARTMENT): IndividualParameters {
  const { fixed, omegaCholesky: L } = unpackTheta((rows.theta[b] ?? []).map(Math.fround), structure);
  const z = (rows.z[b] ?? []).map(Math.fround);
  const K = structure.etaNames.length;
  const eta = structure.etaNames.map((_, i) => z.reduce((s, zj, j) => s + (L[i * K + j] ?? 0) * zj, 0));
  const covariates = Object.fromEntries(Object.entries(rows.extra ?? {}).map(([n, xs]) => [n, Math.fround(xs[b] ?? NaN)]));
  return individualParameters(fixed, Math.fround(rows.bw[b] ?? NaN), rows.comed[b] ?? NaN, eta, structure, covariates);
}

/** n rows: log-uniform doses over the regimen's range (or `doses`), BW 40-140 kg, COMED 0/1, z ~ N(0, 1), draws in turn. */
export function randomRows(seed: number, n: number, grid: RegimenGrid, draws: readonly number[][], structure: Structure = TWO_COMPARTMENT, doses?: readonly [number, number]): Rows {
  const u = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const [lo, hi] = doses ?? (grid.tauH === 24 ? [0.5, 40] : [5, 400]);
  const rows: Rows = { dose: [], bw: [], comed: [], z: [], theta: [] };
  for (let b = 0; b < n; b += 1) {
    rows.dose.push(lo * Math.exp(Math.log(hi / lo) * u()));
    rows.bw.push(40 + 100 * u());
    rows.comed.push(u() < 0.5 ? 1 : 0);
    rows.z.push(Array.from({ length: structure.etaNames.length }, normal));
    rows.theta.push([...(draws[b % draws.length] ?? [])]);
  }
  return rows;
}
