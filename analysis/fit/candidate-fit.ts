/**
 * One candidate structure fitted to a trial: SAEM, uncertainty draws, GOF, VPC and the degeneracy
 * screen (models/estimate/degeneracy.ts plus the float32 graph check). Pure given its inputs, so a
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

export interface CandidateSettings {
  readonly seed: number;
  readonly draws: number;
  readonly vpcReplicates: number;
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
  const fit = await fitPopulationModel(trial, { seed: o.seed, structure, ...(progress === undefined ? {} : { progress }) });
  say(`${structure.id}: fit done in ${Math.round(fit.timingsMs.total / 1000)} s: -2LL ${fit.objective.minus2LL.toFixed(1)}, converged ${fit.converged}`);
  const draws = uncertaintyDraws(fit, o.draws, o.seed);
  say(`${structure.id}: goodness of fit, a VPC over ${o.vpcReplicates} simulated trials, degeneracy check (parameter ranges, information, objective, VPC coverage, float32 graph predictions)`);
  const gof = goodnessOfFit(trial, fit.population, fit.individual, structure);
  const vpc = visualPredictiveCheck(trial, fit.population, { replicates: o.vpcReplicates, seed: o.seed, structure });
  const degenerate = [...fitDegeneracies(fit, vpc), ...(await graphPredictionProblems(trial, fit, draws))];
  return { structure, fit, draws, gof, vpc, degenerate };
}
