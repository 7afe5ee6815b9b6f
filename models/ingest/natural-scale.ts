/**
 * Concentrations are read on the natural scale. A file whose DV holds log concentrations (NONMEM's
 * log-transform-both-sides layout, the ACOP sets' LNDV mapped as DV) would otherwise fit: every value
 * below 1 mg/L (or the endpoint's unit) is negative there, and the fit takes them as concentrations,
 * a wrong answer with exit 0. Refused, at the first negative's line, when the negatives are many and
 * deep: at least MIN_NEGATIVE of them, NEGATIVE_FRACTION of the concentrations, and the lowest below
 * -DEPTH x the highest value. Additive assay (or simulation) noise around zero leaves negatives too,
 * even many in a sparse late-sampled trial, but shallow ones: a few additive sds against a peak that is
 * many of them; log values spread to both sides of 0 alike (ln 0.05 = -3.0 against ln 20 = 3.0), or all
 * lie below it (every concentration under 1).
 */
import type { DatasetSubject } from './dataset.js';
import { inputError } from './schema.js';

/** Refused when at least this many concentrations are negative ... */
export const MIN_NEGATIVE = 3;
/** ... and they are at least this fraction of the concentrations. */
export const NEGATIVE_FRACTION = 0.1;
/** ... and the lowest is below -DEPTH x the highest (any depth when no value is positive). */
export const DEPTH = 0.2;

export function checkNaturalScale(subjects: readonly DatasetSubject[], file: string, dvColumn: string): void {
  let count = 0;
  let negative = 0;
  let first: { line: number; value: number } | undefined;
  let lowest = Infinity;
  let highest = -Infinity;
  for (const s of subjects) {
    for (const o of s.observations) {
      if (o.endpoint !== 'concentration' || o.blq || o.value === null) continue;
      count += 1;
      lowest = Math.min(lowest, o.value);
      highest = Math.max(highest, o.value);
      if (o.value < 0) {
        negative += 1;
        first ??= { line: o.line, value: o.value };
      }
    }
  }
  if (first === undefined || negative < MIN_NEGATIVE || negative < NEGATIVE_FRACTION * count) return;
  if (highest > 0 && lowest > -DEPTH * highest) return;
  throw inputError({
    file, line: first.line, column: dvColumn,
    expected: `a concentration on the natural scale (>= 0; ${negative} of ${count} concentrations are negative, down to ${lowest} mg/L against a highest of ${highest} mg/L, as log-transformed values are: map dv: in a spec to the untransformed column)`,
    found: `${first.value} mg/L (as read, in the model's unit)`,
  });
}
