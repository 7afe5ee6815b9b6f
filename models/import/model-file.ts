/**
 * MODEL.yaml: a population model fitted elsewhere (NONMEM, nlmixr2, Monolix) or by `qusop fit`, in
 * the terms of one of qusop's structures: THETA by name (natural scale, with units), OMEGA (diagonal
 * or block, over the structure's etas), SIGMA, and the covariance matrix of the estimates (inline, or
 * NONMEM's .ext and .cov tables) from which the parameter-uncertainty draws are made. The covariance
 * parameters are listed as `{ theta: CL }`, `{ omega: [CL, CL] }`, `{ sigma: pk_additive }`; `scale:
 * estimation` (qusop's: log/logit fixed effects, Omega as variances, residual sds) or `natural` (the
 * THETAs as written, converted here by the delta method). Every problem is a located InputError.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import { lineOfPath, parseYamlText } from '../../worker/common/yaml-text.js';
import { ETA_NAMES, FIXED_EFFECTS, toTransformed, type FixedEffectName, type PopulationParameters } from '../structures/parameters.js';
import type { EstimateWithCovariance } from '../estimate/uncertainty.js';
import type { EstimatedParameter } from '../estimate/fim.js';
import { effectName, effectTargets, withCovariateEffects, type CovariateEffect } from '../structures/covariate-effects.js';
import { LIBRARY_PD_NAMES, libraryPdStructuresByName } from './library-structure-names.js';
import { ONE_COMPARTMENT_LAG, TWO_COMPARTMENT_LAG, ONE_COMPARTMENT, ONE_COMPARTMENT_IV, ONE_COMPARTMENT_PK, TWO_COMPARTMENT, TWO_COMPARTMENT_IV, TWO_COMPARTMENT_PK, ONE_COMPARTMENT_ZO, TWO_COMPARTMENT_ZO, THREE_COMPARTMENT_IV, THREE_COMPARTMENT_PK, TRANSIT_ABSORPTION_STRUCTURES, ONE_COMPARTMENT_MM, ONE_COMPARTMENT_IV_MM, uses, type Structure, type StructureId } from '../structures/structure.js';

export const MODEL_FILE_SCHEMA = 'qusop-model/v1';
/** The structures a model file may name, with qusop's structure of each (models/structures/structure.ts). */
export const STRUCTURES = [
  'two-compartment-oral-indirect-response', 'one-compartment-oral-indirect-response', 'two-compartment-oral', 'one-compartment-oral', 'one-compartment-iv', 'two-compartment-iv',
  'one-compartment-oral-lag', 'two-compartment-oral-lag',
  'three-compartment-oral', 'three-compartment-iv',
  ...LIBRARY_PD_NAMES,
  'one-compartment-zero-order', 'two-compartment-zero-order',
  'one-compartment-oral-transit-absorption', 'two-compartment-oral-transit-absorption',
  'one-compartment-oral-michaelis-menten', 'one-compartment-iv-michaelis-menten',
] as const;
export const STRUCTURE_OF_NAME: Readonly<Record<(typeof STRUCTURES)[number], Structure>> = {
  'two-compartment-oral-indirect-response': TWO_COMPARTMENT,
  'one-compartment-oral-indirect-response': ONE_COMPARTMENT,
  'two-compartment-oral': TWO_COMPARTMENT_PK,
  'one-compartment-oral': ONE_COMPARTMENT_PK,
  'one-compartment-iv': ONE_COMPARTMENT_IV,
  'two-compartment-iv': TWO_COMPARTMENT_IV,
  'one-compartment-oral-lag': ONE_COMPARTMENT_LAG,
  'two-compartment-oral-lag': TWO_COMPARTMENT_LAG,
  'three-compartment-oral': THREE_COMPARTMENT_PK,
  'three-compartment-iv': THREE_COMPARTMENT_IV,
  ...libraryPdStructuresByName(),
  'one-compartment-zero-order': ONE_COMPARTMENT_ZO,
  'two-compartment-zero-order': TWO_COMPARTMENT_ZO,
  'one-compartment-oral-transit-absorption': TRANSIT_ABSORPTION_STRUCTURES[0]!,
  'two-compartment-oral-transit-absorption': TRANSIT_ABSORPTION_STRUCTURES[1]!,
  'one-compartment-oral-michaelis-menten': ONE_COMPARTMENT_MM,
  'one-compartment-iv-michaelis-menten': ONE_COMPARTMENT_IV_MM,
};
/** The model file's name of a structure; undefined for a structure the file format cannot name yet (direct-effect PD). */
export const nameOfStructure = (s: Structure): (typeof STRUCTURES)[number] | undefined => STRUCTURES.find((n) => STRUCTURE_OF_NAME[n].id === s.id);
export const SIGMA_NAMES = ['pk_additive', 'pk_proportional', 'pd_additive'] as const;
const SIGMA_KEYS = { pk_additive: 'pkAdditive', pk_proportional: 'pkProportional', pd_additive: 'pdAdditive' } as const;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const matrix = z.array(z.array(finite).min(1)).min(1);
const thetaEntry = z.strictObject({ value: finite, unit: z.string().optional() });
/** `estimate`: the value on the covariance's scale, where the file states it (checked against theta/omega/sigma) */
const covParameter = z.union([
  // a structure parameter, or a covariate effect's coefficient (BETA_...; checked against covariate_effects below)
  z.strictObject({ theta: z.string().min(1), estimate: finite.optional() }),
  z.strictObject({ omega: z.tuple([z.enum(ETA_NAMES), z.enum(ETA_NAMES)]), estimate: finite.optional() }),
  z.strictObject({ sigma: z.enum(SIGMA_NAMES), estimate: finite.optional() }),
]);

export const ModelFileSchema = z.strictObject({
  schema: z.literal(MODEL_FILE_SCHEMA),
  structure: z.enum(STRUCTURES),
  source: z.record(z.string(), z.unknown()).optional(),
  /** how the fitted trial's IV doses were given: DUR (hours, NONMEM's data item) = every dose a zero-order infusion of DUR hours; absent = boluses */
  dosing: z.strictObject({ DUR: z.number({ error: 'expected the infusion duration in hours, a number > 0' }).refine((v) => Number.isFinite(v) && v > 0, 'expected the infusion duration in hours, a number > 0') }).optional(),
  // every structure's parameters (one without Q and V2 leaves them out: checked against the structure below)
  theta: z.strictObject(Object.fromEntries(FIXED_EFFECTS.map((f) => [f.name, thetaEntry.optional()])) as Record<FixedEffectName, z.ZodOptional<typeof thetaEntry>>),
  omega: z.strictObject({ structure: z.enum(['diagonal', 'block']), names: z.array(z.enum(ETA_NAMES)), matrix }),
  // pd_additive: the PK/PD structures only
  sigma: z.strictObject({ pk_additive: finite.min(0), pk_proportional: finite.min(0), pd_additive: finite.min(0).optional() }),
  /** covariate effects on the structure's log-scale parameters (models/structures/covariate-effects.ts), each with its coefficient */
  covariate_effects: z.array(z.strictObject({
    parameter: z.string().min(1),
    covariate: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a covariate name: a letter, then letters, digits or "_"'),
    form: z.enum(['power', 'exponential', 'categorical']),
    reference: finite.optional(),
    level: finite.optional(),
    unit: z.string().nullable().optional(),
    value: finite,
  })).optional(),
  covariance: z.union([
    z.strictObject({ scale: z.enum(['estimation', 'natural']), parameters: z.array(covParameter).min(1), matrix }),
    z.strictObject({
      scale: z.enum(['estimation', 'natural']),
      nonmem: z.strictObject({ ext: z.string(), cov: z.string(), map: z.record(z.string(), covParameter) }),
    }),
  ]),
  uncertainty: z.strictObject({ draws: z.number().int().min(1).max(100_000), seed: z.number().int().min(0).max(0xffffffff) }),
});

export type ModelFile = z.infer<typeof ModelFileSchema>;
export type CovarianceParameter = z.infer<typeof covParameter>;

export interface ImportedModel extends EstimateWithCovariance {
  readonly file: ModelFile;
  readonly structure: StructureId;
  /** the file's covariate effects, as the structure takes them (absent: none) */
  readonly covariateEffects?: readonly CovariateEffect[];
  /** `dosing.DUR`: the fitted trial's IV infusion duration (hours), swept as such where the structure can (export/infusion-regimen.ts) */
  readonly infusionH?: number;
  readonly draws: number;
  readonly seed: number;
}

/** Parses and validates the text; `nonmem` supplies the covariance from .ext/.cov when the file names them. */
export function parseModelFile(
  text: string,
  path: string,
  nonmem?: (ext: string, cov: string, map: Readonly<Record<string, CovarianceParameter>>) => { parameters: CovarianceParameter[]; values: number[]; matrix: number[][] },
): ImportedModel {
  const { doc, lines, value } = parseYamlText(text, path);
  const at = (field: (string | number)[], message: string): InputError => {
    const line = lineOfPath(doc, lines, field);
    return new InputError(`${path}:${line}: ${field.join('.')}: ${message}`, { details: { file: path, line, field: field.join('.') } });
  };
  const parsed = ModelFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message = issue?.code === 'unrecognized_keys' ? `unknown field "${issue.keys.join('", "')}"` : (issue?.message ?? 'invalid');
    throw at((issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p)), message);
  }
  const m = parsed.data;
  const effects = (m.covariate_effects ?? []).map((e, i) => checkedEffect(e, i, STRUCTURE_OF_NAME[m.structure], m.structure, at));
  effects.forEach((e, i) => { if (effects.findIndex((x) => x.name === e.name) !== i) throw at(['covariate_effects', i], `${e.name} is declared twice`); });
  const structure = withCovariateEffects(STRUCTURE_OF_NAME[m.structure], effects);
  const etas = structure.etaNames;
  // OMEGA: over the structure's etas in order, square, symmetric, positive definite
  if (m.omega.names.join(',') !== etas.join(',')) throw at(['omega', 'names'], `expected the structure's etas in order: [${etas.join(', ')}]`);
  checkSquare(m.omega.matrix, etas.length, (msg) => at(['omega', 'matrix'], msg));
  if (m.omega.structure === 'diagonal' && m.omega.matrix.some((row, i) => row.some((v, j) => i !== j && v !== 0))) throw at(['omega', 'matrix'], 'a diagonal OMEGA has zeros off the diagonal');
  const minEig = minEigenvalue(m.omega.matrix);
  if (!(minEig > 0)) throw at(['omega', 'matrix'], `OMEGA block is not positive definite (smallest eigenvalue ${minEig.toPrecision(3)})`);
  for (const f of FIXED_EFFECTS) {
    const given = m.theta[f.name] !== undefined;
    if (!given && uses(structure, f.name)) throw at(['theta', f.name], `missing: structure ${m.structure} has ${f.name} (${f.unit || 'no unit'}, ${f.doc})`);
    if (given && !uses(structure, f.name)) throw at(['theta', f.name], `structure ${m.structure} has no ${f.name}`);
  }
  if (m.dosing !== undefined && structure.route !== 'iv') throw at(['dosing', 'DUR'], `structure ${m.structure} is not IV: expected no infusion duration (its doses are ${structure.route === 'oral' ? 'oral' : 'zero-order inputs over the estimated D1'})`);
  if (structure.pd && m.sigma.pd_additive === undefined) throw at(['sigma', 'pd_additive'], `missing: structure ${m.structure} has a biomarker with additive error`);
  if (!structure.pd && m.sigma.pd_additive !== undefined) throw at(['sigma', 'pd_additive'], `structure ${m.structure} has no biomarker`);
  const population: PopulationParameters = {
    fixed: Object.fromEntries([
      ...FIXED_EFFECTS.map((f) => [f.name, m.theta[f.name]?.value ?? structure.absent[f.name] ?? NaN]),
      ...(m.covariate_effects ?? []).map((e, i) => [effects[i]!.name, e.value]),
    ]) as PopulationParameters['fixed'],
    omega: m.omega.matrix,
    sigma: { pkAdditive: m.sigma.pk_additive, pkProportional: m.sigma.pk_proportional, pdAdditive: m.sigma.pd_additive ?? 0 },
  };
  // covariance of the estimates
  let listed: CovarianceParameter[];
  let cov: number[][];
  if ('matrix' in m.covariance) {
    listed = m.covariance.parameters;
    cov = m.covariance.matrix;
    checkSquare(cov, listed.length, (msg) => at(['covariance', 'matrix'], `${msg} (one row per covariance.parameters entry)`));
  } else {
    if (nonmem === undefined) throw at(['covariance', 'nonmem'], 'NONMEM tables need the file path to be read from');
    const tables = nonmem(m.covariance.nonmem.ext, m.covariance.nonmem.cov, m.covariance.nonmem.map);
    listed = tables.parameters.map((p, i) => ({ ...p, estimate: tables.values[i] ?? NaN }));
    cov = tables.matrix;
  }
  const seen = new Set<string>();
  listed.forEach((p, i) => {
    if ('theta' in p && !structure.fixedEffects.some((f) => f.name === p.theta)) throw at(['covariance', 'parameters', i], `structure ${m.structure} has no ${p.theta}${effects.length === 0 ? '' : ` (nor do its covariate_effects: ${effects.map((e) => e.name).join(', ')})`}`);
    const eta = 'omega' in p ? p.omega.find((n) => !etas.includes(n)) : undefined;
    if (eta !== undefined) throw at(['covariance', 'parameters', i], `structure ${m.structure} has no eta on ${eta}`);
    const key = JSON.stringify(p);
    if (seen.has(key)) throw at(['covariance', 'parameters', i], `${key} is listed twice`);
    seen.add(key);
  });
  const natural = m.covariance.scale === 'natural';
  const parameters = listed.map((p, i) => {
    const e = estimatedParameter(p, population, structure);
    if (p.estimate === undefined) return e;
    // the file's own value on the covariance's scale must be the model's; on the estimation scale it is used as is (exact round trip)
    const section = natural && e.group === 'theta' ? population.fixed[(p as { theta: string }).theta as FixedEffectName] : e.value;
    if (Math.abs(p.estimate - section) > 1e-6 * Math.max(1, Math.abs(section))) {
      throw at(['covariance', 'parameters', i], `estimate ${p.estimate} disagrees with the model's ${e.name} (${section} on the ${m.covariance.scale} scale)`);
    }
    return natural && e.group === 'theta' ? e : { ...e, value: p.estimate };
  });
  const jac = parameters.map((p, i) => (natural && p.group === 'theta' ? transformSlope(listed[i] as { theta: string }, population) : 1));
  const matrixEst = cov.map((row, i) => row.map((v, j) => v * (jac[i] ?? 1) * (jac[j] ?? 1)));
  if (cov.some((row, i) => row.some((v, j) => Math.abs(v - (cov[j]?.[i] ?? NaN)) > 1e-9 * Math.max(1, Math.abs(v))))) throw at(['covariance'], 'the covariance of the estimates is not symmetric');
  const covMin = minEigenvalue(matrixEst);
  if (covMin < -1e-9 * Math.max(...matrixEst.map((r, i) => Math.abs(r[i] ?? 0)))) throw at(['covariance'], `the covariance of the estimates is not positive semi-definite (smallest eigenvalue ${covMin.toPrecision(3)})`);
  return { file: m, structure: structure.id, ...(effects.length === 0 ? {} : { covariateEffects: effects }), ...(m.dosing === undefined ? {} : { infusionH: m.dosing.DUR }), population, covariance: { parameters, matrix: matrixEst }, omegaStructure: m.omega.structure === 'diagonal' ? 'diagonal' : 'full', draws: m.uncertainty.draws, seed: m.uncertainty.seed };
}

function checkSquare(m: readonly (readonly number[])[], n: number, fail: (msg: string) => InputError): void {
  if (m.length !== n || m.some((row) => row.length !== n)) throw fail(`expected a ${n} x ${n} matrix, found ${m.length} rows of ${[...new Set(m.map((r) => r.length))].join('/')} columns`);
}

function minEigenvalue(m: readonly (readonly number[])[]): number {
  const e = new EigenvalueDecomposition(new Matrix(m.map((r) => [...r])), { assumeSymmetric: true });
  return Math.min(...e.realEigenvalues);
}

/** A listed covariance parameter in the estimator's terms (group, index, value on the estimation scale). */
function estimatedParameter(p: CovarianceParameter, pop: PopulationParameters, structure: Structure): EstimatedParameter {
  if ('theta' in p) {
    const index = structure.fixedEffects.findIndex((f) => f.name === p.theta);
    const name = p.theta as FixedEffectName; // or a coefficient's name (identity transform)
    return { name: p.theta, group: 'theta', index: [index], value: toTransformed(name, pop.fixed[name]) };
  }
  if ('omega' in p) {
    const [a, b] = p.omega.map((n) => structure.etaNames.indexOf(n)) as [number, number];
    return { name: a === b ? `omega2_${p.omega[0]}` : `omega_${p.omega[0]}_${p.omega[1]}`, group: 'omega', index: [a, b], value: pop.omega[a]?.[b] ?? NaN };
  }
  const index = SIGMA_NAMES.indexOf(p.sigma);
  return { name: `sigma_${p.sigma}`, group: 'sigma', index: [index], value: pop.sigma[SIGMA_KEYS[p.sigma]] };
}

/** d(transformed)/d(natural) at the estimate: 1/x for log, 1/(p(1-p)) for logit, 1 for identity (the delta method). */
function transformSlope(p: { theta: string }, pop: PopulationParameters): number {
  const x = pop.fixed[p.theta as FixedEffectName];
  const t = FIXED_EFFECTS.find((f) => f.name === p.theta)?.transform;
  return t === 'log' ? 1 / x : t === 'logit' ? 1 / (x * (1 - x)) : 1;
}

/** A covariate effect of the file as the structure takes it (its parameter a log-scale one the structure has; form, reference and level consistent). */
function checkedEffect(e: NonNullable<ModelFile['covariate_effects']>[number], i: number, s: Structure, name: string, at: (field: (string | number)[], message: string) => InputError): CovariateEffect {
  if (!effectTargets(s).includes(e.parameter as FixedEffectName)) throw at(['covariate_effects', i, 'parameter'], `a log-scale parameter of structure ${name} (${effectTargets(s).join(', ')}), found "${e.parameter}"`);
  if (e.form === 'categorical' && (e.level === undefined || e.reference !== undefined)) throw at(['covariate_effects', i], 'the categorical form takes a level and no reference');
  if (e.form !== 'categorical' && (e.reference === undefined || e.level !== undefined)) throw at(['covariate_effects', i], `the ${e.form} form takes a reference and no level`);
  if (e.form === 'power' && !((e.reference ?? 0) > 0)) throw at(['covariate_effects', i, 'reference'], 'the power form needs a reference > 0');
  const base = { parameter: e.parameter as FixedEffectName, covariate: e.covariate, form: e.form, unit: e.unit ?? null };
  return e.form === 'categorical' ? { name: effectName({ ...base, level: e.level! }), ...base, level: e.level! } : { name: effectName(base), ...base, reference: e.reference! };
}
