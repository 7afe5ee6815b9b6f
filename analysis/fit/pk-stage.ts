/**
 * Staged structure selection (issue 18 §2), its first stage: on a PK/PD trial fitted with the default
 * candidates, the PK structures of the trial's route are fitted to the concentrations alone (seconds
 * each) and ranked by BIC; only the PK/PD candidates whose PK (compartment count) is within
 * PK_STAGE_MARGIN of the best eligible PK fit go on to the simultaneous PK/PD fits (minutes each). A
 * BIC difference above 10 is "very strong" evidence (Kass & Raftery 1995): a PK the concentrations
 * reject that clearly cannot become the right one once the biomarker is added. With no eligible PK
 * fit (none converged and non-degenerate) nothing is pruned, and the record says so.
 */
import type { Trial } from '../../models/ingest/trial.js';
import { trialRoute } from '../../models/ingest/trial.js';
import type { FitProgress } from '../../models/estimate/fit.js';
import { rankCandidates, type CandidateScore } from '../../models/estimate/selection.js';
import { candidatesFor, type Structure } from '../../models/structures/structure.js';
import { fitCandidates, type PoolStore } from './candidate-pool.js';
import type { CandidateFit, CandidateSettings } from './candidate-fit.js';
import { PD_STAGE_KEEP } from './pd-stage.js';

export const PK_STAGE_MARGIN = 10;

export interface PkStage {
  /** the PK structures' scores on the concentrations alone (chosen = the best eligible) */
  readonly scores: readonly CandidateScore[];
  /** compartment counts whose PK/PD candidates go on */
  readonly kept: readonly (1 | 2 | 3)[];
  /** one line for the log and the report */
  readonly summary: string;
  /** the PK fits themselves, in `scores` order: the PD stage holds each subject's PK at their individual estimates */
  readonly fits: readonly CandidateFit[];
}

/** Undefined when neither this stage nor the PD stage has anything to choose between (pkStageStructures). */
export async function pkStage(trial: Trial, pkpd: readonly Structure[], settings: CandidateSettings, parallel: number, say: (line: string) => void, progress?: (p: FitProgress) => void, stored: PoolStore = {}): Promise<PkStage | undefined> {
  const pk = pkStageStructures(trial, pkpd);
  if (pk === undefined) return undefined;
  const counts = [...new Set(pkpd.map((s) => s.compartments))];
  say(`staged selection: ${pk.map((s) => s.id).join(', ')} fitted to the concentrations alone first, before the PK/PD fits`);
  const fits = await fitCandidates(trial, pk, settings, parallel, say, progress, stored);
  const scores = rankCandidates(trial, fits);
  const best = scores.find((c) => c.chosen);
  const rows = scores.map((c) => `${c.structure} BIC ${c.bic.toFixed(1)}${c.chosen ? ' (best)' : !c.converged ? ' (not converged)' : c.degenerate.length > 0 ? ' (degenerate)' : ''}`).join('; ');
  if (best === undefined) return { scores, fits, kept: counts, summary: `PK stage: ${rows}: no PK fit converged and non-degenerate, every PK/PD candidate goes on` };
  const kept = counts.filter((n) => scores.some((c, i) => fits[i]!.structure.compartments === n && c.converged && c.degenerate.length === 0 && c.bic <= best.bic + PK_STAGE_MARGIN));
  const dropped = pkpd.filter((s) => !kept.includes(s.compartments)).map((s) => s.id);
  return { scores, fits, kept, summary: `PK stage: ${rows}${dropped.length === 0 ? '' : `; not fitted (no converged, non-degenerate PK fit of theirs within ${PK_STAGE_MARGIN} BIC of the best): ${dropped.join(', ')}`}` };
}

/**
 * The PK structures the first stage fits, or undefined when there is nothing to prune (one PK among the
 * PK/PD candidates) and too few candidates for the PD stage (pd-stage.ts) to choose between.
 */
export function pkStageStructures(trial: Trial, pkpd: readonly Structure[]): Structure[] | undefined {
  const counts = [...new Set(pkpd.map((s) => s.compartments))];
  if (counts.length < 2 && pkpd.length <= PD_STAGE_KEEP) return undefined;
  return candidatesFor(false, trialRoute(trial)).filter((s) => counts.includes(s.compartments));
}
