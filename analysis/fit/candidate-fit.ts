/**
 * One candidate structure fitted to a trial: SAEM, uncertainty draws, GOF, VPC and the degeneracy
 * screen (models/estimate/degeneracy.ts, the check of the steady-state and washout histories, and the float32 graph check), with SAEM restarted from fixed
 * other seeds when it does not converge (fitWithRestart). Pure given its inputs, so a
 * candidate computes the same bytes in this thread or in a worker thread (candidate-pool.ts).
 */
import type { Trial } from '../../models/ingest/trial.js';
import { fitPopulationModel, type FitProgress, type FitResult } from '../../models/estimate/fit.js';
import { uncertaintyDraws } from '../../models/estimate/uncertainty.js';
import { goodnessOfFit, type GofPoint } from '../../models/estimate/gof.js';
import { visualPredictiveCheck, type VpcResult } from '../../models/estimate/vpc.js';
import { fitDegeneracies, type DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { structureForTrial, type Structure, type StructureId } from '../../models/structures/structure.js';
import { graphPredictionProblems } from './graph-check.js';
import { finiteHistoryProblems } from './history-check.js';
import { startValues } from '../../models/estimate/start-values.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';

/** The data's start values with the given typical values in place of theirs (Omega, sigma as derived). */
function startFrom(trial: Trial, structure: Structure, typical: Readonly<Record<string, number>>): PopulationParameters {
  const base = startValues(trial, structure).population;
  return { ...base, fixed: { ...base.fixed, ...typical } };
}

export interface CandidateSettings {
  readonly seed: number;
  readonly draws: number;
  readonly vpcReplicates: number;
  /** typical values (natural scale) to start SAEM from, by structure, over the data's start values (`--preselect`: the selector's regressed ones) */
  readonly start?: Readonly<Partial<Record<StructureId, Readonly<Record<string, number>>>>>;
}

export interface CandidateFit {
  readonly structure: Structure;
  readonly fit: FitResult;
  readonly draws: number[][];
  readonly gof: GofPoint[];
  readonly vpc: VpcResult;
  readonly degenerate: DegeneracyProblem[];
}

export async function fitCandidate(all: Trial, id: StructureId, o: CandidateSettings, say: (line: string) => void, progress?: (p: FitProgress) => void): Promise<CandidateFit> {
  const structure = structureForTrial(all, id);
  say(`fitting ${structure.id}: ${structure.description}`);
  // a PK-only structure sees the concentrations alone (its GOF, VPC and checks too)
  const trial = structure.pd ? all : { ...all, subjects: all.subjects.map((s) => ({ ...s, pd: [] })) };
  const fit = await fitWithRestart(trial, structure, o.seed, say, progress, o.start?.[structure.id]);
  const draws = uncertaintyDraws(fit, o.draws, o.seed);
  say(`${structure.id}: goodness of fit, a VPC over ${o.vpcReplicates} simulated trials, degeneracy check (parameter ranges, information, objective, VPC coverage, float32 graph predictions)`);
  const gof = goodnessOfFit(trial, fit.population, fit.individual, structure);
  const vpc = visualPredictiveCheck(trial, fit.population, { replicates: o.vpcReplicates, seed: o.seed, structure });
  const degenerate = [...fitDegeneracies(fit, vpc), ...finiteHistoryProblems(trial, fit, structure, gof), ...(await graphPredictionProblems(trial, fit, draws))];
  return { structure, fit, draws, gof, vpc, degenerate };
}

/** Restart seeds: seed + i * RESTART_SEED_OFFSET, a fixed sequence, so restarts are as reproducible as the first run. */
export const RESTART_SEED_OFFSET = 7919;

/** Restarts after a fit that did not converge: two for a PK-only structure (seconds each), one for a PK/PD one (minutes). */
export const restartsFor = (structure: Structure): number => (structure.pd ? 1 : 2);

/** -2LL units by which the best non-converged fit must beat the converged one to try a warm start from it. */
export const WARM_START_MARGIN = 10;

/**
 * After the restarts: the non-converged fit to warm-start from, or undefined. A restart that converges
 * may settle in a worse optimum than a first run that found a better one but did not end stationary
 * (the sparse and single-dose designs of bench/selection: 1989.8 not converged, then 2137.4 converged
 * and kept, and the VPC refused it). Only a finite -2LL more than WARM_START_MARGIN below the converged
 * fit's counts. Pure.
 */
export function warmStartFrom(converged: FitResult, unconverged: readonly FitResult[]): FitResult | undefined {
  const better = unconverged.filter((f) => Number.isFinite(f.objective.minus2LL) && f.objective.minus2LL < converged.objective.minus2LL - WARM_START_MARGIN);
  return better.reduce<FitResult | undefined>((best, f) => (best === undefined || f.objective.minus2LL < best.objective.minus2LL ? f : best), undefined);
}

/**
 * Whether the warm-started fit replaces the converged one: converged, a lower -2LL, and none of the
 * parameter-level problems (bounds, implausible rates or volumes, information) the degeneracy screen
 * would name, so a lower optimum at a degenerate corner never displaces a sound fit. Pure.
 */
export function warmFitWins(warm: FitResult, converged: FitResult): boolean {
  const noVpc = { replicates: 0, bins: [], coverage: { pk: 1, pd: 1 } };
  return warm.converged && warm.objective.minus2LL < converged.objective.minus2LL && fitDegeneracies(warm, noVpc).length === 0;
}

/**
 * SAEM from the data's start values, and again from other seeds while the fit does not converge (a
 * singular information matrix, drifting traces, a parameter run off to a far corner): a stochastic EM
 * can settle in a poor region that another sequence of draws avoids, and a PK candidate lost that way
 * would also prune its PK/PD twins at the PK stage. The first converged fit is kept, unless a
 * non-converged run had ended far below it (warmStartFrom): then SAEM runs once more from that run's
 * estimate, and its fit replaces the converged one when it converges lower and sound (warmFitWins).
 * With no converged fit, the first fit stands. Either way the fit's notes say what happened.
 */
async function fitWithRestart(trial: Trial, structure: Structure, seed: number, say: (line: string) => void, progress?: (p: FitProgress) => void, typical?: Readonly<Record<string, number>>): Promise<FitResult> {
  const start = typical === undefined ? undefined : startFrom(trial, structure, typical);
  const run = async (s: number, from = start): Promise<FitResult> => {
    const f = await fitPopulationModel(trial, { seed: s, structure, ...(progress === undefined ? {} : { progress }), ...(from === undefined ? {} : { start: from }) });
    say(`${structure.id}: fit done in ${Math.round(f.timingsMs.total / 1000)} s: -2LL ${f.objective.minus2LL.toFixed(1)}, converged ${f.converged}`);
    return f;
  };
  const first = await run(seed);
  if (first.converged) return first;
  const why = `SAEM from seed ${seed} did not converge (-2LL ${first.objective.minus2LL.toFixed(1)}; information positive definite: ${first.convergence.informationPositiveDefinite}, stationary: ${first.convergence.stationary})`;
  const tried: string[] = [];
  const unconverged: FitResult[] = [first];
  for (let i = 1; i <= restartsFor(structure); i += 1) {
    const again = seed + i * RESTART_SEED_OFFSET;
    say(`${structure.id}: not converged: fitting again from SAEM seed ${again}`);
    const f = await run(again);
    if (f.converged) {
      const converged = { ...f, notes: [...f.notes, `${why}${tried.length === 0 ? '' : `, nor from ${tried.join(', ')}`}; refitted from seed ${again}: converged, -2LL ${f.objective.minus2LL.toFixed(1)}`] };
      const from = warmStartFrom(f, unconverged);
      if (from === undefined) return converged;
      const warmSeed = seed + (restartsFor(structure) + 1) * RESTART_SEED_OFFSET;
      say(`${structure.id}: the converged fit (-2LL ${f.objective.minus2LL.toFixed(1)}) is more than ${WARM_START_MARGIN} above the non-converged one from seed ${from.seed} (${from.objective.minus2LL.toFixed(1)}): SAEM from that fit's estimate, seed ${warmSeed}`);
      const warm = await run(warmSeed, from.population);
      const wins = warmFitWins(warm, f);
      const note = `the fit from seed ${again} (-2LL ${f.objective.minus2LL.toFixed(1)}) was more than ${WARM_START_MARGIN} above the non-converged one from seed ${from.seed} (${from.objective.minus2LL.toFixed(1)}); SAEM from that fit's estimate (seed ${warmSeed}): -2LL ${warm.objective.minus2LL.toFixed(1)}, converged ${warm.converged}; kept: the fit from ${wins ? `seed ${warmSeed} (warm start)` : `seed ${again}`}`;
      return wins ? { ...warm, notes: [...warm.notes, `${why}; ${note}`] } : { ...converged, notes: [...converged.notes, note] };
    }
    unconverged.push(f);
    tried.push(`seed ${again} (-2LL ${f.objective.minus2LL.toFixed(1)})`);
  }
  return { ...first, notes: [...first.notes, `${why}; restarts did not converge either (${tried.join(', ')}): the first fit is kept`] };
}
