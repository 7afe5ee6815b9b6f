/**
 * Per cell of a finished run: the simulated amplitude estimate of its success probability next to the
 * Monte Carlo samples that reach the same half-width. The cell's p = k / n is taken as the exact
 * success probability of the simulated state (the run's estimate standing in for the truth), so both
 * columns answer "what would it take to know this p to +/- epsilon". Pure: options in, rows out.
 */
import { iterativeQae, maxRounds } from './iqae.js';
import { monteCarloSamples } from './mc-samples.js';
import type { RunCell } from './run-cells.js';
import { cellKey, philoxShots } from './shots.js';

export interface CompareOptions {
  readonly halfWidth: number;
  readonly alpha: number;
  /** Philox key word 0; word 1 is the cell key (run id + cell) */
  readonly seed: number;
  readonly shots: number;
}

export interface CellComparison {
  readonly scenario: string;
  readonly regimen: string;
  readonly dose: number;
  readonly n: number;
  readonly k: number;
  /** k / n: the exact success probability of the simulated state */
  readonly p: number;
  readonly simulated_qae_estimate: number;
  readonly simulated_qae_lo: number;
  readonly simulated_qae_hi: number;
  readonly simulated_qae_oracle_queries: number;
  readonly simulated_qae_rounds: number;
  /** the most Grover iterations any round used */
  readonly simulated_qae_max_k: number;
  /** Monte Carlo samples whose Clopper–Pearson interval reaches the half-width */
  readonly mc_samples: number;
  /** mc_samples / simulated_qae_oracle_queries */
  readonly mc_to_simulated_qae: number;
}

export function compareCell(runId: string, cell: RunCell, o: CompareOptions): CellComparison {
  const p = cell.k / cell.n;
  const sampler = philoxShots(o.seed, cellKey(runId, cell.scenario, cell.regimen, cell.dose));
  const r = iterativeQae(p, { epsilon: o.halfWidth, alpha: o.alpha, shots: o.shots }, sampler);
  const mc = monteCarloSamples(p, o.halfWidth, o.alpha);
  return {
    scenario: cell.scenario, regimen: cell.regimen, dose: cell.dose, n: cell.n, k: cell.k, p,
    simulated_qae_estimate: r.estimate, simulated_qae_lo: r.lo, simulated_qae_hi: r.hi,
    simulated_qae_oracle_queries: r.queries, simulated_qae_rounds: r.rounds.length,
    simulated_qae_max_k: r.rounds.reduce((m, x) => Math.max(m, x.k), 0),
    mc_samples: mc, mc_to_simulated_qae: mc / r.queries,
  };
}

export interface Comparison {
  readonly options: CompareOptions;
  /** T: distinct Grover powers at most; each round's interval has level 1 - alpha / T */
  readonly maxRounds: number;
  readonly cells: readonly CellComparison[];
}

export function compareCells(runId: string, cells: readonly RunCell[], o: CompareOptions): Comparison {
  return { options: o, maxRounds: maxRounds(o.halfWidth), cells: cells.map((c) => compareCell(runId, c, o)) };
}
