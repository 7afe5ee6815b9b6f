/**
 * What a degenerate fit's volume may mean about the data's units rather than the model: a trial is read
 * in mg and mg/L unless the dataset spec names its units (`endpoints.concentration.unit`, `dose_unit`;
 * models/ingest/README.md). Concentrations in ng/mL (or ug/L) read as mg/L are 1000 times too high, so
 * every volume (dose / concentration) comes out 1000 times too small; doses in ug read as mg make it
 * 1000 times too large. When the fit ends with V1 beyond the plausible range on the side the unit the spec
 * left at its default explains, the message names the field that reads the file right.
 */
import { PLAUSIBLE, type DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import type { Trial } from '../../models/ingest/trial.js';

/** The hint for a degenerate fit whose V1 ran below (or above) the plausible range on a trial read in the default units; undefined otherwise. */
export function unitHint(trial: Trial, problems: readonly DegeneracyProblem[]): string | undefined {
  if (trial.units === undefined) return undefined;
  const v1 = problems.find((p) => p.parameter === 'V1' && (p.kind === 'implausible-volume' || p.kind === 'at-bound') && !(p.value >= PLAUSIBLE.volumeL[0] && p.value <= PLAUSIBLE.volumeL[1]));
  if (v1 === undefined) return undefined;
  const v = `V1 ran to ${Number(v1.value.toPrecision(4))} L`;
  if (v1.value < PLAUSIBLE.volumeL[0] && !trial.units.concentration.declared) {
    return `${v}, below any body volume, and the concentrations were read as mg/L (no unit in a dataset spec): concentrations in ng/mL (or ug/L) make every volume 1000 times too small; if that is their unit, write \`endpoints: { concentration: { unit: ng/mL } }\` in a dataset spec (--data-spec SPEC.yaml; models/ingest/README.md)`;
  }
  if (v1.value > PLAUSIBLE.volumeL[1] && !trial.units.dose.declared) {
    return `${v}, beyond any apparent volume, and the doses were read as mg (no dose_unit in a dataset spec): doses in ug make every volume 1000 times too large; if that is their unit, write \`dose_unit: ug\` in a dataset spec (--data-spec SPEC.yaml; models/ingest/README.md)`;
  }
  return undefined;
}
