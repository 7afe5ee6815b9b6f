/**
 * The scenario fields of issue 19 compiled into the run spec: the threshold sweep (ng/mL, ascending)
 * and the safety endpoint. Both are absent from the spec when the scenario does not set them, so a
 * scenario without them keeps its spec and run id.
 */
import { InputError } from '../../worker/common/errors.js';
import type { LoadedModel } from '../../worker/model/load-card.js';
import type { SafetySpec, ScenarioSpec } from '../../worker/run-spec.js';
import { endpointOutput, fromNgMl, headStatistic, toNgMl } from '../../worker/onnx/window-statistic.js';
import { doseGrid } from './dose-grid.js';
import type { ScenarioInput } from './schema.js';

export function jointEndpointsOf(sc: ScenarioInput): Pick<ScenarioSpec, 'thresholdSweepNgMl' | 'safety'> {
  const out: { thresholdSweepNgMl?: number[]; safety?: SafetySpec } = {};
  const sweep = sc.threshold_sweep;
  if (sweep !== undefined) {
    // in the unit of the question's threshold (load.ts checked the values ascend); the biomarker's unconverted
    const unit = sc.threshold?.unit ?? 'ng/mL';
    const biomarker = (sc.endpoint ?? 'biomarker') === 'biomarker';
    const values = Array.isArray(sweep) ? sweep : doseGrid(sweep);
    out.thresholdSweepNgMl = values.map((v) => (biomarker ? v : ngMl(v, unit, sc.name)));
  }
  const s = sc.safety;
  if (s !== undefined) {
    out.safety = { endpoint: s.endpoint, statistic: s.statistic, comparison: s.comparison, thresholdNgMl: s.endpoint === 'biomarker' ? s.threshold.value : ngMl(s.threshold.value, s.threshold.unit, sc.name), target: s.target };
  }
  return out;
}

function ngMl(value: number, unit: string, scenario: string): number {
  const v = toNgMl(value, unit);
  if (v === undefined) throw new InputError(`scenario "${scenario}": ${unit} is not a known mass concentration`);
  return v;
}

/** The card has the safety endpoint's output in a mass-concentration unit and a grid its statistic is defined on. */
export function checkSafetyAgainstCard(sc: ScenarioInput, model: LoadedModel, cardPath: string, scenarioPath: string, i: number): void {
  const safety = jointEndpointsOf(sc).safety;
  if (safety === undefined) return;
  const check = (field: string, f: () => void): void => {
    try {
      f();
    } catch (err) {
      throw new InputError(`${scenarioPath}: scenarios[${i}].safety.${field}: model ${cardPath}: ${(err as Error).message}`, {
        cause: err,
        details: { file: scenarioPath, field: `scenarios[${i}].safety.${field}` },
      });
    }
  };
  // the biomarker is compared unconverted (biomarker-threshold.ts); a concentration in the output's mass unit
  check('endpoint', () => (safety.endpoint === 'biomarker' ? endpointOutput(model.card, 'biomarker') : fromNgMl(1, endpointOutput(model.card, safety.endpoint).unit, `model card "${model.card.name}"`)));
  check('statistic', () => headStatistic(model.card, safety));
}
