/**
 * A fit as MODEL.yaml (written by `qusop fit` beside the cards): the same estimates, Omega, sigma and
 * covariance of the estimates, on the estimation scale with each estimate stated, so that `qusop model
 * import` makes the very same parameter-uncertainty draws (the round trip is exact). A fit of a trial whose
 * IV doses are all infusions of one duration says so (`dosing: { DUR: hours }`), so the imported cards sweep
 * the same infusion regimen as the fit's; a bolus or oral fit's file has no `dosing` (its bytes as before).
 */
import { relabelPdUnit } from '../estimate/pd-unit.js';
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
import { stringify } from 'yaml';
import type { EstimateWithCovariance } from '../estimate/uncertainty.js';
import { MODEL_FILE_SCHEMA, SIGMA_NAMES, nameOfStructure, type CovarianceParameter } from './model-file.js';
import { structureOfFit } from '../structures/structure.js';
import { effectsOf } from '../structures/covariate-effects.js';

/** The model file's text; null for a structure the format cannot name yet (then no file is written). */
export function modelFileText(est: EstimateWithCovariance & { readonly structure?: string; readonly pdUnit?: string }, o: { readonly draws: number; readonly seed: number; readonly source: Readonly<Record<string, unknown>>; readonly infusionH?: number }): string | null {
  const structure = structureOfFit(est);
  const name = nameOfStructure(structure);
  if (name === undefined) return null;
  const parameters: CovarianceParameter[] = est.covariance.parameters.map((p) => {
    const [a = 0, b = 0] = p.index;
    if (p.group === 'theta') return { theta: structure.fixedEffects[a]?.name ?? 'CL', estimate: p.value };
    if (p.group === 'omega') return { omega: [structure.etaNames[a] ?? 'CL', structure.etaNames[b] ?? 'CL'], estimate: p.value };
    return { sigma: SIGMA_NAMES[a] ?? 'pk_additive', estimate: p.value };
  });
  const doc = {
    schema: MODEL_FILE_SCHEMA,
    structure: name,
    source: o.source,
    ...(o.infusionH === undefined ? {} : { dosing: { DUR: o.infusionH } }),
    theta: Object.fromEntries(structure.fixedEffects.filter((f) => !effectsOf(structure).some((e) => e.name === f.name)).map((f) => [f.name, { value: est.population.fixed[f.name], unit: relabelPdUnit(f.unit, est.pdUnit ?? DEFAULT_BIOMARKER_UNIT) }])),
    omega: { structure: est.omegaStructure === 'diagonal' ? 'diagonal' : 'block', names: [...structure.etaNames], matrix: est.population.omega.map((r) => [...r]) },
    sigma: { pk_additive: est.population.sigma.pkAdditive, pk_proportional: est.population.sigma.pkProportional, ...(structure.pd ? { pd_additive: est.population.sigma.pdAdditive } : {}) },
    ...(effectsOf(structure).length === 0 ? {} : {
      covariate_effects: effectsOf(structure).map((e) => ({
        parameter: e.parameter, covariate: e.covariate, form: e.form,
        ...(e.reference === undefined ? {} : { reference: e.reference }), ...(e.level === undefined ? {} : { level: e.level }),
        unit: e.unit ?? null, value: (est.population.fixed as Readonly<Record<string, number>>)[e.name],
      })),
    }),
    covariance: { scale: 'estimation', parameters, matrix: est.covariance.matrix.map((r) => [...r]) },
    uncertainty: { draws: o.draws, seed: o.seed },
  };
  return `# qusop population model (${MODEL_FILE_SCHEMA}); import with: qusop model import THIS.yaml --out DIR\n${stringify(doc, { lineWidth: 0 })}`;
}
