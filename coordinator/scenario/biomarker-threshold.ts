/**
 * A scenario's biomarker thresholds against its card: the biomarker is compared unconverted, in the
 * unit the trial records it and the card's units.pd names (worker/model/biomarker-unit.ts), so a
 * `threshold: { value, unit }` on the biomarker (the question's or the safety endpoint's) must be in
 * that unit. `threshold_ng_ml` on the biomarker is taken in the card's unit as it is (its name is the
 * EstData default's). A mismatch: InputError with the file, line, field and the unit expected.
 */
import { parseYamlText } from '../../worker/common/yaml-text.js';
import type { ModelCard } from '../../worker/model/card.js';
import { biomarkerUnitMismatch, cardPdUnit } from '../../worker/model/biomarker-unit.js';
import { located } from './load.js';
import type { ScenarioInput } from './schema.js';

export function checkBiomarkerThresholds(sc: ScenarioInput, i: number, card: ModelCard, cardPath: string, scenarioPath: string, text: string): void {
  if (card.outputs.pd === null) return; // no biomarker output: the endpoint checks refuse biomarker questions
  const asked: [{ unit: string } | undefined, string, (string | number)[]][] = [
    [sc.threshold, sc.endpoint ?? 'biomarker', ['threshold', 'unit']],
    [sc.safety?.threshold, sc.safety?.endpoint ?? 'concentration', ['safety', 'threshold', 'unit']],
  ];
  for (const [t, endpoint, field] of asked) {
    if (t === undefined || endpoint !== 'biomarker') continue;
    const why = biomarkerUnitMismatch(t.unit, cardPdUnit(card), `the biomarker unit of model ${cardPath} (units.pd)`);
    if (why === undefined) continue;
    const { doc, lines } = parseYamlText(text, scenarioPath);
    throw located(scenarioPath, doc, lines, ['scenarios', i, ...field], why);
  }
}
