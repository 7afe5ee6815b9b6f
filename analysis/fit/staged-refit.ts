/**
 * The simultaneous PK/PD fit checked against the stages before it (pk-stage.ts, pd-stage.ts). The PK
 * stage's -2LL (concentrations, marginal) plus the PD stage's (biomarker given each subject's
 * individual PK, IPP) approximates -2LL of the joint model at the sequential estimates: the joint
 * -2LL is -2 log p(y_pk) - 2 log p(y_pd | y_pk), and IPP puts the mode of each subject's PK eta where
 * p(y_pd | y_pk) integrates over it. The simultaneous maximum can only be at or below the joint -2LL at
 * any point, so a simultaneous fit (from the data's start values) that ends more than
 * STAGED_REFIT_MARGIN above that sum, or does not converge, has most likely stopped in another optimum
 * (a warfarin-like trial: the PD start values put IC50 near 0, and SAEM stayed there with R0 72 for
 * 100, -2LL 1994 against the stages' 1719). It is then fitted again from the stages' estimates (the
 * sequential-then-simultaneous practice; Zhang, Beal & Sheiner 2003), and the better of the two fits is
 * kept: eligible (converged, non-degenerate) first, then the lower -2LL. A refit is another candidate
 * fit of the same structure (candidate-fit.ts), stored like one when a candidate store is given.
 */
import type { Trial } from '../../models/ingest/trial.js';
import type { FitProgress } from '../../models/estimate/fit.js';
import type { PdGivenPkFit } from '../../models/estimate/pd-given-pk.js';
import type { StructureId } from '../../models/structures/structure.js';
import type { CandidateFit, CandidateSettings } from './candidate-fit.js';
import { fitCandidates, type PoolStore } from './candidate-pool.js';

/**
 * -2LL units above the stages' sum that trigger the refit: well beyond the importance-sampling -2LL's
 * Monte-Carlo s.e. (tenths of a unit, recorded in fit.json) and the IPP approximation's slack; a
 * refit that is not needed costs time only, since the better fit is kept.
 */
export const STAGED_REFIT_MARGIN = 10;

/** What the stages estimated for one PK/PD candidate: its PK structure's fit and its PD-stage row. */
export interface StagedEstimate {
  readonly pk: CandidateFit;
  readonly pd: PdGivenPkFit;
}

/** The typical values (natural scale) the stages estimated: the PK fit's PK parameters and the PD stage's PD ones. */
export function stagedStart(s: StagedEstimate): Record<string, number> {
  const pk = Object.fromEntries(s.pk.structure.fixedEffects.map((f) => [f.name, s.pk.fit.population.fixed[f.name]]));
  return { ...pk, ...s.pd.pdFixed };
}

/** The stages' -2LL (PK stage + PD stage), the level a simultaneous fit should reach; NaN when either is not finite. */
export const stagedMinus2LL = (s: StagedEstimate): number => s.pk.fit.objective.minus2LL + s.pd.minus2LL;

/** A simultaneous fit to redo from the stages' estimates: not converged, or -2LL above the stages' sum by more than the margin. */
export function needsStagedRefit(fit: CandidateFit, s: StagedEstimate): boolean {
  const reference = stagedMinus2LL(s);
  if (!Number.isFinite(reference) || !Object.values(stagedStart(s)).every(Number.isFinite)) return false;
  return !fit.fit.converged || !(fit.fit.objective.minus2LL <= reference + STAGED_REFIT_MARGIN);
}

const eligible = (c: CandidateFit): boolean => c.fit.converged && c.degenerate.length === 0;

/** The better of two fits of one structure: eligible first, then the lower -2LL; ties keep the first. */
export function betterFit(a: CandidateFit, b: CandidateFit): CandidateFit {
  if (eligible(a) !== eligible(b)) return eligible(a) ? a : b;
  return b.fit.objective.minus2LL < a.fit.objective.minus2LL ? b : a;
}

/**
 * Each fit in `fitted` whose structure the stages estimated and that needs it (needsStagedRefit) fitted
 * again from the stages' estimates; the better one kept, its notes saying what happened. Same order.
 */
export async function refitFromStages(
  trial: Trial, fitted: readonly CandidateFit[], staged: ReadonlyMap<StructureId, StagedEstimate>, settings: CandidateSettings,
  parallel: number, say: (line: string) => void, progress: ((p: FitProgress) => void) | undefined, stored: PoolStore,
): Promise<CandidateFit[]> {
  const redo = fitted.filter((c) => { const s = staged.get(c.structure.id); return s !== undefined && needsStagedRefit(c, s); });
  if (redo.length === 0) return [...fitted];
  const start = { ...settings.start, ...Object.fromEntries(redo.map((c) => [c.structure.id, stagedStart(staged.get(c.structure.id)!)])) };
  for (const c of redo) {
    const s = staged.get(c.structure.id)!;
    say(`${c.structure.id}: simultaneous fit from the data's start values ${c.fit.converged ? '' : 'not converged, '}-2LL ${c.fit.objective.minus2LL.toFixed(1)} against the stages' ${stagedMinus2LL(s).toFixed(1)} (PK ${s.pk.structure.id} + PD stage): fitting again from the stages' estimates`);
  }
  // the store keeps the refit apart from the data-start fit (the key holds the start values); a SLURM selection job fits it here
  const again = await fitCandidates(trial, redo.map((c) => c.structure), { ...settings, start }, parallel, say, progress, { store: stored.store });
  return fitted.map((c) => {
    const i = redo.indexOf(c);
    const r = again[i];
    if (i < 0 || r === undefined) return c;
    const kept = betterFit(c, r);
    const why = c.fit.converged ? `more than ${STAGED_REFIT_MARGIN} above` : 'not converged; the';
    const note = `simultaneous fit from the data's start values: -2LL ${c.fit.objective.minus2LL.toFixed(1)}, ${why} the PK and PD stages' ${stagedMinus2LL(staged.get(c.structure.id)!).toFixed(1)}; refitted from the stages' estimates: -2LL ${r.fit.objective.minus2LL.toFixed(1)}${r.fit.converged ? '' : ' (not converged)'}; kept: the fit from ${kept === r ? "the stages' estimates" : "the data's start values"}`;
    say(`${c.structure.id}: ${note}`);
    return { ...kept, fit: { ...kept.fit, notes: [...kept.fit.notes, note] } };
  });
}
