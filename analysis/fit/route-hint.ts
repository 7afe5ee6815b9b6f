/**
 * What a degenerate oral fit may mean about the data rather than the model: doses without a CMT are
 * read as oral (into a depot) unless the dataset spec says `dose_route: central` (models/ingest/README.md).
 * When the fit then runs KA beyond the plausible range (absorption as fast as an IV bolus), the likeliest
 * cause is an IV drug read as oral (NONMEM's phenobarbital example: `ID TIME AMT WT APGR DV`, no CMT),
 * and the message should name the option that reads it right.
 */
import { PLAUSIBLE, type DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { trialRoute, type Trial } from '../../models/ingest/trial.js';

/** The hint for a degenerate fit whose KA ran past the plausible maximum on a trial whose doses had no CMT; undefined otherwise. */
export function ivRouteHint(trial: Trial, problems: readonly DegeneracyProblem[]): string | undefined {
  const doses = trial.subjects.flatMap((s) => s.doses);
  if (trialRoute(trial) !== 'oral' || doses.length === 0 || !doses.every((d) => d.cmt === null)) return undefined;
  const ka = problems.find((p) => p.parameter === 'KA' && (p.kind === 'implausible-rate' || p.kind === 'at-bound') && p.value > PLAUSIBLE.ratePerH[1]);
  if (ka === undefined) return undefined;
  return `KA ran to ${Number(ka.value.toPrecision(4))} /h, absorption as fast as an IV bolus, and the doses have no CMT, so they were read as oral (into a depot): if the drug was given IV, write \`dose_route: central\` in a dataset spec (--data-spec SPEC.yaml; models/ingest/README.md)`;
}
