/**
 * Goodness-of-fit data: for every fitted observation, the population prediction (eta = 0), the
 * individual prediction (the subject's conditional mode of eta) and the individual weighted residual
 * under the fitted residual-error model (PK: sd^2 = a^2 + b^2 f^2; PD: additive). A BLQ row is flagged
 * with its limit and no residual (the figures draw it as BLQ, not as a value).
 */
import { periodClock } from '../ingest/history-length.js';
import { simulatorDoses, type Trial } from '../ingest/trial.js';
import { individualParameters, K_ETA, type PopulationParameters } from '../structures/parameters.js';
import { concentrations } from '../structures/pk.js';
import { biomarker } from '../structures/pd.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';

export interface GofPoint {
  readonly dvid: 1 | 2;
  readonly id: number;
  readonly doseMg: number;
  readonly timeH: number;
  readonly dv: number;
  readonly pred: number;
  readonly ipred: number;
  readonly iwres: number;
  /** a BLQ row (M3): dv is its limit of quantification, not a value; iwres is NaN */
  readonly blq?: true;
  /** a subject with resets (EVID 3/4): the time on the period's own clock and the dose that opens it (ingest/history-length.ts `periodClock`), what plots show */
  readonly period?: { readonly timeH: number; readonly doseMg: number };
}

export function goodnessOfFit(trial: Trial, pop: PopulationParameters, modes: readonly { readonly id: number; readonly eta: readonly number[] }[], structure: Structure = TWO_COMPARTMENT): GofPoint[] {
  const byId = new Map(modes.map((m) => [m.id, m.eta]));
  const { pkAdditive: a, pkProportional: b, pdAdditive: c } = pop.sigma;
  const out: GofPoint[] = [];
  for (const s of trial.subjects) {
    const doses = simulatorDoses(s);
    const typical = individualParameters(pop.fixed, s.bwKg, s.comed, new Array<number>(K_ETA).fill(0), structure, s.covariates);
    const own = individualParameters(pop.fixed, s.bwKg, s.comed, byId.get(s.id) ?? new Array<number>(K_ETA).fill(0), structure, s.covariates);
    const pkT = s.pk.map((o) => o.timeH);
    const pdT = s.pd.map((o) => o.timeH);
    const [predPk, ipredPk] = [concentrations(typical, doses, pkT), concentrations(own, doses, pkT)];
    const [predPd, ipredPd] = [biomarker(typical, doses, pdT), biomarker(own, doses, pdT)];
    const period = (timeH: number): { period?: { timeH: number; doseMg: number } } => ((s.washouts?.length ?? 0) > 0 ? { period: periodClock(s, timeH) } : {});
    s.pk.forEach((o, j) => {
      const f = ipredPk[j] ?? NaN;
      const point: GofPoint = { dvid: 1, id: s.id, doseMg: s.doseMg, timeH: o.timeH, dv: o.dv, pred: predPk[j] ?? NaN, ipred: f, iwres: (o.dv - f) / Math.sqrt(a * a + b * b * f * f), ...period(o.timeH) };
      out.push(o.blq === true ? censoredPoint(point) : point);
    });
    s.pd.forEach((o, j) => {
      const f = ipredPd[j] ?? NaN;
      const point: GofPoint = { dvid: 2, id: s.id, doseMg: s.doseMg, timeH: o.timeH, dv: o.dv, pred: predPd[j] ?? NaN, ipred: f, iwres: (o.dv - f) / c, ...period(o.timeH) };
      out.push(o.blq === true ? censoredPoint(point) : point);
    });
  }
  return out;
}

/** A BLQ row's point: its limit in dv, flagged, and no residual (it has no value to differ from f). */
const censoredPoint = (p: GofPoint): GofPoint => ({ ...p, iwres: NaN, blq: true });
