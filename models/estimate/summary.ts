/**
 * The parameter table of a fit: natural-scale estimate, standard error (delta method from the
 * transformed scale the information was computed on) and relative standard error, for fixed effects,
 * Omega's elements and residual sds; plus a Markdown rendering for reports and bench results.
 */
import type { PopulationParameters } from '../structures/parameters.js';
import { TWO_COMPARTMENT, type Structure } from '../structures/structure.js';
import type { InformationResult } from './fim.js';

export interface ParameterRow {
  readonly group: 'theta' | 'omega' | 'sigma';
  /** fixed-effect name, eta name (variance) or "A,B" (covariance), or the sigma field name */
  readonly key: string;
  readonly unit: string;
  readonly estimate: number;
  readonly se: number;
  /** 100 se / |estimate| */
  readonly rsePercent: number;
}

/** residualLayout(POPMODEL_OUTPUTS) order */
const SIGMA_KEYS = ['pkAdditive', 'pkProportional', 'pdAdditive'] as const;
const SIGMA_UNITS = ['mg/L', '', 'ng/mL'] as const;

export function parameterTable(fim: InformationResult, p: PopulationParameters, structure: Structure = TWO_COMPARTMENT): ParameterRow[] {
  const ETA_NAMES = structure.etaNames;
  const n = fim.parameters.length;
  return fim.parameters.map((param, i) => {
    const seT = Math.sqrt(Math.max(fim.covariance[i * n + i] ?? NaN, 0));
    if (param.group === 'theta') {
      const f = structure.fixedEffects[param.index[0] ?? 0]!;
      const est = p.fixed[f.name];
      const d = f.transform === 'log' ? est : f.transform === 'logit' ? est * (1 - est) : 1;
      const se = Math.abs(d) * seT;
      return { group: 'theta', key: f.name, unit: f.unit, estimate: est, se, rsePercent: (100 * se) / Math.abs(est) };
    }
    if (param.group === 'omega') {
      const [a = 0, b = 0] = param.index;
      const key = a === b ? ETA_NAMES[a]! : `${ETA_NAMES[a]},${ETA_NAMES[b]}`;
      return { group: 'omega', key, unit: '', estimate: param.value, se: seT, rsePercent: (100 * seT) / Math.abs(param.value) };
    }
    const j = param.index[0] ?? 0;
    return { group: 'sigma', key: SIGMA_KEYS[j] ?? param.name, unit: SIGMA_UNITS[j] ?? '', estimate: param.value, se: seT, rsePercent: (100 * seT) / Math.abs(param.value) };
  });
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4)) : String(v));

export function parameterTableMarkdown(rows: readonly ParameterRow[], shrinkage?: Readonly<Record<string, number>>): string {
  const lines = ['| parameter | unit | estimate | SE | RSE % | shrinkage |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    const label = r.group === 'omega' ? `omega2 ${r.key}` : r.group === 'sigma' ? `sigma ${r.key}` : r.key;
    const sh = r.group === 'omega' && shrinkage !== undefined && shrinkage[r.key] !== undefined ? `${(100 * (shrinkage[r.key] ?? NaN)).toFixed(0)} %` : '';
    lines.push(`| ${label} | ${r.unit} | ${fmt(r.estimate)} | ${fmt(r.se)} | ${Number.isFinite(r.rsePercent) ? r.rsePercent.toFixed(1) : '-'} | ${sh} |`);
  }
  return lines.join('\n');
}
