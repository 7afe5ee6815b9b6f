/**
 * The adaptive-precision policy in the compiled scenario (coordinator/README.md, "Adaptive precision"): it feeds the
 * run id; the rounds realised so far do not, so one run directory grows round by round.
 */
import { InputError } from '../../worker/common/errors.js';
import type { LoadedModel } from '../../worker/model/load-card.js';
import type { ScenarioSpec } from '../../worker/run-spec.js';
import { LIMITS } from './limits.js';

export interface PrecisionOptions {
  /** target half-width of the band at each decision dose, in (0, 0.5) */
  readonly halfWidth: number;
  /** the budget: at most this many replicates per scenario */
  readonly maxReplicates: number;
  /** replicate counts after each round so far, by scenario name (absent: round 0, the scenario's replicates) */
  readonly rounds?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Adds the policy to every scenario. The budget must allow the scenario's own replicates (round 0) and,
 * for a card with parameter-uncertainty draws, stay within them: replicate r reuses draw r mod draws,
 * so replicates beyond the draws would repeat parameter vectors instead of adding information.
 */
export function withPrecision(scenarios: readonly ScenarioSpec[], models: ReadonlyMap<string, LoadedModel>, p: PrecisionOptions, scenarioPath: string): ScenarioSpec[] {
  if (!(p.halfWidth > 0 && p.halfWidth < 0.5)) throw new InputError(`--half-width: expected a number in (0, 0.5), got ${p.halfWidth}`, { details: { field: '--half-width' } });
  if (!Number.isSafeInteger(p.maxReplicates) || p.maxReplicates < 1 || p.maxReplicates > LIMITS.replicates) {
    throw new InputError(`--max-replicates: expected an integer from 1 to ${LIMITS.replicates}, got ${p.maxReplicates}`, { details: { field: '--max-replicates' } });
  }
  return scenarios.map((sc, i) => {
    if (p.maxReplicates < sc.replicates) {
      throw new InputError(`--max-replicates ${p.maxReplicates}: ${scenarioPath}: scenarios[${i}].replicates ("${sc.name}") is ${sc.replicates}, the first round; expected a budget >= ${sc.replicates}`, { details: { file: scenarioPath, field: '--max-replicates' } });
    }
    for (const [j, rg] of sc.regimens.entries()) {
      const draws = models.get(rg.modelSha256)?.card.inputs.theta?.draws.length;
      if (draws !== undefined && p.maxReplicates > draws) {
        throw new InputError(
          `--max-replicates ${p.maxReplicates}: ${scenarioPath}: scenarios[${i}].regimens[${j}].model ("${sc.name}"/"${rg.name}") is a card with ${draws} parameter-uncertainty draws (replicate r reuses draw r mod ${draws}); expected at most ${draws}`,
          { details: { file: scenarioPath, field: '--max-replicates' } },
        );
      }
    }
    const { band, regimens, ...head } = sc;
    return { ...head, precision: { halfWidth: p.halfWidth, maxReplicates: p.maxReplicates }, band, regimens };
  });
}

/** The spec of a later round: each scenario's replicates are its last round's, and the rounds are recorded. */
export function atRounds(scenarios: readonly ScenarioSpec[], rounds: Readonly<Record<string, readonly number[]>>): ScenarioSpec[] {
  return scenarios.map((sc) => {
    const r = rounds[sc.name];
    if (r === undefined || sc.precision === undefined) return sc;
    const { band, regimens, precision, ...head } = sc;
    return { ...head, replicates: r[r.length - 1] ?? sc.replicates, precision: { ...precision, rounds: [...r] }, band, regimens };
  });
}
