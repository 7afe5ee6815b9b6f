/**
 * The adaptive-precision schedule and stop rule: pure functions of a round's aggregated curves and
 * decisions (counts only), so every worker count, tile size or resume takes the same rounds.
 *
 * Decision doses: for each target, the conservative dose and the mean-crossing dose (those reached on
 * the grid). The rule is met when the scenario's band at each has half-width (hi - lo) / 2 <= h.
 * Next round: R' = min(max, max(2 R, R_pred)), R_pred = ceil(z^2 p (1 - p) / h^2 / M) at the widest
 * unmet dose (the normal-approximation size for half-width h at p = p_hat; z from the band's level).
 * A replicate-quantile band measures parameter uncertainty and does not shrink like 1 / sqrt(R): the
 * rounds stop at once with reason `parameter-uncertainty`.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { CurveRow } from '../aggregate/curves.js';
import type { Decision } from '../aggregate/decisions.js';
import type { ScenarioSpec } from '../../worker/run-spec.js';

export type StopReason = 'half-width-met' | 'budget' | 'parameter-uncertainty';

export interface DoseHalfWidth {
  readonly regimen: string;
  readonly target: number;
  readonly kind: 'conservative' | 'mean_crossing';
  readonly dose: number;
  readonly p_hat: number;
  readonly half_width: number;
}

export interface RoundVerdict {
  /** undefined: another round, of `next` replicates */
  readonly stop?: StopReason;
  readonly next?: number;
  readonly halfWidths: DoseHalfWidth[];
}

/** The band half-width at each decision dose of one scenario (curve rows and decisions of that scenario). */
export function decisionHalfWidths(curves: readonly CurveRow[], decisions: readonly Decision[]): DoseHalfWidth[] {
  const out: DoseHalfWidth[] = [];
  for (const d of decisions) {
    for (const kind of ['conservative', 'mean_crossing'] as const) {
      const dose = d[kind];
      if (dose === null) continue;
      const row = curves.find((c) => c.regimen === d.regimen && c.dose === dose);
      if (row === undefined) continue;
      out.push({ regimen: d.regimen, target: d.target, kind, dose, p_hat: row.p_hat, half_width: (row.band_hi - row.band_lo) / 2 });
    }
  }
  return out;
}

export function judgeRound(sc: ScenarioSpec, curves: readonly CurveRow[], decisions: readonly Decision[]): RoundVerdict {
  const p = sc.precision;
  if (p === undefined) return { stop: 'half-width-met', halfWidths: [] };
  const halfWidths = decisionHalfWidths(curves.filter((c) => c.scenario === sc.name), decisions.filter((d) => d.scenario === sc.name));
  if (sc.band.method === 'replicate-quantile') return { stop: 'parameter-uncertainty', halfWidths };
  const unmet = halfWidths.filter((w) => w.half_width > p.halfWidth);
  if (unmet.length === 0) return { stop: 'half-width-met', halfWidths };
  if (sc.replicates >= p.maxReplicates) return { stop: 'budget', halfWidths };
  const z = normalQuantile(1 - (1 - sc.band.level) / 2, 0, 1);
  const M = sc.population.subjects;
  const predicted = Math.max(...unmet.map((w) => Math.ceil((z * z * w.p_hat * (1 - w.p_hat)) / (p.halfWidth * p.halfWidth) / M)));
  return { next: Math.min(p.maxReplicates, Math.max(2 * sc.replicates, predicted)), halfWidths };
}
