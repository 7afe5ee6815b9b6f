/**
 * The credible candidates of a fit, for model averaging (issue 18 §3, `qusop answer --average`): the
 * chosen structure and every other converged, non-degenerate candidate whose BIC weight is at least
 * `minWeight`, each exported with its own record and cards (the chosen one's in the fit's folder, the
 * others' in `candidates/<structure>/`). Their weights are the BIC weights renormalised over this set,
 * w_m = exp(-BIC_m / 2) / sum over the credible m' (the BIC approximation to posterior model
 * probabilities under equal prior odds). DoseFinding's MCPMod averages with the same form on AIC,
 * w_i = exp(-AIC_i / 2) / sum over the models whose contrast test is significant (selModel "aveAIC";
 * its older versions also offered "aveBIC"), and averages the fitted curves; here BIC, the criterion
 * the fit ranks by, and the average is over replicates (each a parameter draw of one structure).
 */
import { join } from 'node:path';
import type { CandidateScore } from '../../models/estimate/selection.js';
import type { StructureId } from '../../models/structures/structure.js';
import type { CandidateFit } from './candidate-fit.js';

export interface CredibleCards {
  readonly structure: StructureId;
  /** BIC weight renormalised over the credible set */
  readonly weight: number;
  /** BIC weight among all eligible candidates (fit.json `selection`) */
  readonly bicWeight: number;
  readonly cards: { readonly qd: string; readonly qw: string };
}

export const CANDIDATES_DIR = 'candidates';

/** Which candidates are credible: the chosen one, and eligible others with weight >= minWeight, in the candidates' order after the chosen. */
export function credibleIndices(selection: readonly CandidateScore[], chosenAt: number, minWeight: number): number[] {
  const others = selection.map((c, i) => ({ c, i })).filter(({ c, i }) => i !== chosenAt && c.converged && c.degenerate.length === 0 && c.weight >= minWeight);
  return [chosenAt, ...others.map(({ i }) => i)];
}

export async function exportCredible(
  candidates: readonly CandidateFit[],
  selection: readonly CandidateScore[],
  chosenAt: number,
  minWeight: number,
  outDir: string,
  write: (c: CandidateFit, dir: string) => Promise<{ qd: string; qw: string } | null>,
): Promise<CredibleCards[]> {
  const chosen = join(outDir, 'qd.model.json');
  const picked = credibleIndices(selection, chosenAt, minWeight);
  const total = picked.reduce((s, i) => s + (selection[i]?.weight ?? 0), 0);
  const out: CredibleCards[] = [];
  for (const i of picked) {
    const c = candidates[i]!;
    const score = selection[i]!;
    const cards = i === chosenAt ? { qd: chosen, qw: join(outDir, 'qw.model.json') } : await write(c, join(outDir, CANDIDATES_DIR, c.structure.id));
    if (cards === null) continue; // not reached: an eligible candidate is not degenerate
    out.push({ structure: c.structure.id, weight: score.weight / total, bicWeight: score.weight, cards });
  }
  return out;
}
