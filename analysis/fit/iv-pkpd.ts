/**
 * IV PK/PD trials (issue 18 §1): the PD structures on IV PK (structure.ts IV_PD_STRUCTURES) take IV
 * bolus doses; their PD simulator (models/structures/pd.ts, direct-effect.ts) has no zero-order
 * infusion. A trial with an infusion fitted by one of them is refused up front, at the infusion's
 * record (file, line, column RATE), not deep in the fit: the PK-only IV structures fit infusions.
 */
import { inputError } from '../../models/ingest/schema.js';
import type { Trial } from '../../models/ingest/trial.js';
import type { Structure } from '../../models/structures/structure.js';

/** Throws a located InputError when a PK/PD candidate would meet an IV infusion of the trial. */
export function refuseInfusedPkPd(trial: Trial, candidates: readonly Structure[]): void {
  const pd = candidates.filter((s) => s.pd && s.route === 'iv');
  if (pd.length === 0) return;
  for (const s of trial.subjects) {
    const infusion = s.doses.find((d) => d.route === 'central' && (d.durationH ?? 0) > 0);
    if (infusion === undefined) continue;
    const hours = infusion.durationH ?? NaN;
    throw inputError({
      file: trial.file,
      line: infusion.line,
      column: 'RATE',
      expected: `0 (an IV bolus): the IV PK/PD structures (${pd.map((c) => c.id).join(', ')}) take bolus doses only; an infused trial is fitted on its concentrations by 1cmt-iv or 2cmt-iv (without the biomarker rows)`,
      found: `${String(infusion.amtMg / hours)} (an infusion of ${String(hours)} h in ID ${s.id})`,
    });
  }
}
