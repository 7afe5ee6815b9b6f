/**
 * The unit a scenario's thresholds are written in, for the joint report's labels (threshold-sweep.md and
 * its plot): ng/mL for a concentration question (the scenario's unit is converted when the run is
 * compiled), the card's units.pd for the biomarker (compared unconverted: coordinator/scenario/
 * biomarker-threshold.ts checked that every card of the scenario has it).
 */
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
import type { RunSpecJson } from '../../worker/run-spec.js';

export function sweepThresholdUnits(spec: Pick<RunSpecJson, 'scenarios'>, models: readonly { readonly sha256: string; readonly pdUnit?: string }[]): ReadonlyMap<string, string> {
  const pdUnit = new Map(models.map((m) => [m.sha256, m.pdUnit ?? DEFAULT_BIOMARKER_UNIT]));
  return new Map(
    spec.scenarios.map((sc) => {
      const biomarker = (sc.question?.endpoint ?? 'biomarker') === 'biomarker';
      const model = sc.regimens[0]?.modelSha256;
      return [sc.name, biomarker && model !== undefined ? (pdUnit.get(model) ?? DEFAULT_BIOMARKER_UNIT) : 'ng/mL'];
    }),
  );
}
