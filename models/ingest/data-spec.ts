/**
 * The dataset spec (`--data-spec SPEC.yaml`): how a trial file maps onto NONMEM's conventions. Every
 * field is optional; without a spec (or for the fields it leaves out) the standard names are
 * recognised in any letter case (column-map.ts) and the defaults below apply.
 *
 *   columns: { id: SUBJ, time: TAD, dv: CONC, dvid: TYPE }   # standard item -> column name
 *   endpoints:
 *     concentration: { dvid: cp, unit: ng/mL }               # by DVID value (number or string) ...
 *                                                            # unit: a mass per volume (units.ts), converted to mg/L
 *     biomarker: { cmt: 3, unit: "%" }                       # ... or by observation CMT
 *                                                            # unit: free text, never converted (default ng/mL): the cards' units.pd
 *   covariates:
 *     WT: { column: WT, kind: continuous, reference: 70, unit: kg }
 *     CRCL: { column: CRCL, value: baseline }                # a covariate that changes within a subject: its
 *                                                            # first non-missing value (default: constant, else an error)
 *     SEX: { column: SEX, kind: categorical, reference: 0 }
 *   weight: WT                 # the covariate used for allometry
 *   missing: [".", "NA", -99]  # field values that mean "missing"
 *   time_unit: h               # or d (times and II are converted to hours)
 *   blq: m3                    # BLQ-flagged rows: kept for the M3 likelihood (default), or drop
 *   dose_route: central        # where doses without a CMT go: depot (default: oral, NONMEM's ADVAN2/4)
 *                              # or central (IV, as ADVAN1/3 dose a file without CMT)
 *   dose_unit: ug              # AMT (and RATE) in mg (default), ug (µg, mcg) or g: converted to mg
 *   ignore: [CMT.GT.3]         # NONMEM's IGNORE=(...): drop records where any condition holds (record-filter.ts)
 *   accept: [CMT.LE.3]         # or ACCEPT=(...): keep only records where one holds (not both lists)
 *   ignore: [C]                # IGNORE=C: drop records whose first field starts with C (@: a letter)
 *   covariate_effects:         # declared effects fitted on the structure's parameters (covariate-effects.ts)
 *     - { parameter: CL, covariate: CRCL, form: power, reference: 100 }   # CL (CRCL/100)^beta
 *     - { parameter: R0, covariate: COMED, form: categorical, level: 1 }  # R0 exp(beta [COMED = 1])
 */
import { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import { readTextFile } from '../../worker/common/text-file.js';
import { lineOfPath, parseYamlText } from '../../worker/common/yaml-text.js';
import { STANDARD_ITEMS, type StandardItem } from './column-map.js';
import { concentrationPower, DOSE_UNITS, type DoseUnit } from './units.js';
import { isMark, parseCondition, type RecordSelection } from './record-filter.js';

const columnName = z.string().min(1);
const endpointSelector = z
  .strictObject({ dvid: z.union([z.number(), z.string().min(1)]).optional(), cmt: z.number().int().positive().optional(), unit: z.string().min(1).optional() })
  .refine((e) => (e.dvid === undefined) !== (e.cmt === undefined), 'name the endpoint by exactly one of dvid or cmt');

const covariate = z.strictObject({
  column: columnName.optional(),
  kind: z.enum(['continuous', 'categorical']).optional(),
  reference: z.union([z.number(), z.string()]).optional(),
  unit: z.string().optional(),
  value: z.enum(['constant', 'baseline']).optional(),
});

export const DataSpecSchema = z.strictObject({
  columns: z.strictObject(Object.fromEntries(STANDARD_ITEMS.map((k) => [k.toLowerCase(), columnName.optional()])) as Record<Lowercase<StandardItem>, z.ZodOptional<typeof columnName>>).optional(),
  endpoints: z.strictObject({ concentration: endpointSelector.optional(), biomarker: endpointSelector.optional() }).optional(),
  covariates: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a covariate name: a letter, then letters, digits or "_"'), covariate).optional(),
  weight: z.string().optional(),
  missing: z.array(z.union([z.string(), z.number()])).optional(),
  time_unit: z.enum(['h', 'd']).optional(),
  blq: z.enum(['m3', 'drop']).optional(),
  dose_route: z.enum(['depot', 'central']).optional(),
  dose_unit: z.enum(DOSE_UNITS).optional(),
  ignore: z.array(z.union([z.string().min(1), z.number()])).min(1).optional(),
  accept: z.array(z.union([z.string().min(1), z.number()])).min(1).optional(),
  covariate_effects: z.array(z.strictObject({
    parameter: z.string().min(1),
    covariate: z.string().min(1),
    /** power: P (x / ref)^beta; exponential: P exp(beta (x - ref)); categorical: P exp(beta [x = level]) */
    form: z.enum(['power', 'exponential', 'categorical']),
    /** continuous forms: the reference value (default: the covariate's reference, its median) */
    reference: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
    /** categorical: the level whose effect is estimated (against the reference level) */
    level: z.number().refine(Number.isFinite, 'must be a finite number').optional(),
  })).optional(),
});

export type DataSpecInput = z.infer<typeof DataSpecSchema>;

export interface EndpointSelector {
  readonly dvid?: number | string;
  readonly cmt?: number;
  readonly unit?: string;
}

export interface CovariateDeclaration {
  readonly column: string;
  readonly kind?: 'continuous' | 'categorical';
  readonly reference?: number | string;
  readonly unit?: string;
  /** constant (default): one value per subject, else a located error; baseline: the subject's first non-missing value */
  readonly value?: 'constant' | 'baseline';
}

/** A spec with its defaults applied; `source` names the file (or "(none)"). */
export interface DataSpec {
  readonly source: string;
  readonly columns: Readonly<Partial<Record<StandardItem, string>>>;
  readonly endpoints: { readonly concentration?: EndpointSelector; readonly biomarker?: EndpointSelector };
  /** declared covariates by name; undefined = every other subject-constant column */
  readonly covariates?: Readonly<Record<string, CovariateDeclaration>>;
  readonly weight?: string;
  readonly missing: readonly string[];
  readonly timeUnit: 'h' | 'd';
  readonly blq: 'm3' | 'drop';
  /** where doses without a CMT go (undefined: the depot, an oral dose) */
  readonly doseRoute?: 'depot' | 'central';
  /** the unit of AMT (and RATE, per hour), converted to mg (undefined: mg) */
  readonly doseUnit?: DoseUnit;
  /** NONMEM's IGNORE=/ACCEPT= record selection (record-filter.ts); undefined = every record */
  readonly selection?: RecordSelection;
  /** declared covariate effects (resolved against the trial by structures/covariate-effects.ts); undefined = the default (COMED on the baseline) */
  readonly covariateEffects?: readonly CovariateEffectDeclaration[];
}

export interface CovariateEffectDeclaration {
  readonly parameter: string;
  readonly covariate: string;
  readonly form: 'power' | 'exponential' | 'categorical';
  readonly reference?: number;
  readonly level?: number;
  /** where it was declared, for messages: `SPEC: covariate_effects[i]` */
  readonly at: string;
}

export const DEFAULT_MISSING = ['.', 'NA'] as const;

export const NO_SPEC: DataSpec = { source: '(none)', columns: {}, endpoints: {}, missing: DEFAULT_MISSING, timeUnit: 'h', blq: 'm3' };

export async function loadDataSpec(path: string): Promise<DataSpec> {
  return parseDataSpec(await readTextFile(path, 'dataset spec'), path);
}

export function parseDataSpec(text: string, path: string): DataSpec {
  const { value, doc, lines } = parseYamlText(text, path);
  if (value === null || value === undefined) return { ...NO_SPEC, source: path };
  const parsed = DataSpecSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // an unknown key is located at the key itself
    const at = [...(issue?.path ?? []), ...(issue?.code === 'unrecognized_keys' ? [issue.keys[0] ?? ''] : [])].map((k) => (typeof k === 'symbol' ? String(k) : k));
    const field = (issue?.path ?? []).map(String).join('.');
    const line = lineOfPath(doc, lines, at);
    const message = issue?.code === 'unrecognized_keys' ? `unknown field "${issue.keys.join('", "')}"` : (issue?.message ?? 'invalid');
    throw new InputError(`${path}:${line}: ${field === '' ? '' : `${field}: `}${message}`, { details: { file: path, line, field } });
  }
  const s = parsed.data;
  const unit = s.endpoints?.concentration?.unit;
  const read = unit === undefined ? undefined : concentrationPower(unit);
  if (read !== undefined && 'refused' in read) {
    const line = lineOfPath(doc, lines, ['endpoints', 'concentration', 'unit']);
    throw new InputError(`${path}:${line}: endpoints.concentration.unit: ${read.refused}`, { details: { file: path, line, field: 'endpoints.concentration.unit' } });
  }
  const columns: Partial<Record<StandardItem, string>> = {};
  for (const item of STANDARD_ITEMS) {
    const name = s.columns?.[item.toLowerCase() as Lowercase<StandardItem>];
    if (name !== undefined) columns[item] = name;
  }
  const covariates = s.covariates === undefined ? undefined : (Object.fromEntries(Object.entries(s.covariates).map(([name, c]) => [name, { ...c, column: c.column ?? name }])) as Record<string, CovariateDeclaration>);
  if (s.weight !== undefined && covariates !== undefined && covariates[s.weight] === undefined) {
    throw new InputError(`${path}: weight: "${s.weight}" is not one of the declared covariates (${Object.keys(covariates).join(', ')})`, { details: { file: path, field: 'weight' } });
  }
  // one-character entries of ignore: are NONMEM's IGNORE=c (record-filter.ts); they may stand beside accept:
  const ignoreConditions = (s.ignore ?? []).map((c, i) => ({ c, i })).filter(({ c }) => !isMark(c));
  if (ignoreConditions.length > 0 && s.accept !== undefined) {
    const line = lineOfPath(doc, lines, ['accept']);
    throw new InputError(`${path}:${line}: accept: expected either ignore: conditions or accept: (as NONMEM's $DATA takes IGNORE=(list) or ACCEPT=(list), not both), found both`, { details: { file: path, line, field: 'accept' } });
  }
  const mode = s.accept !== undefined ? 'accept' : 'ignore';
  const listed = s.accept !== undefined ? s.accept.map((c, i) => ({ c, i })) : ignoreConditions;
  const marks = (s.ignore ?? []).filter(isMark).map((c) => String(c).trim());
  const selection: RecordSelection | undefined = s.ignore === undefined && s.accept === undefined ? undefined : { mode, marks, conditions: listed.map(({ c, i }) => parseCondition(c, `${path}:${lineOfPath(doc, lines, [mode, i])}: ${mode}[${i}]`)) };
  return {
    source: path,
    columns,
    ...(selection === undefined ? {} : { selection }),
    // zod types absent optional fields as `T | undefined`; a parsed object simply lacks them
    endpoints: (s.endpoints ?? {}) as DataSpec['endpoints'],
    ...(covariates === undefined ? {} : { covariates }),
    ...(s.weight === undefined ? {} : { weight: s.weight }),
    missing: s.missing === undefined ? DEFAULT_MISSING : s.missing.map(String),
    timeUnit: s.time_unit ?? 'h',
    blq: s.blq ?? 'm3',
    ...(s.dose_route === undefined ? {} : { doseRoute: s.dose_route }),
    ...(s.dose_unit === undefined ? {} : { doseUnit: s.dose_unit }),
    ...(s.covariate_effects === undefined ? {} : {
      covariateEffects: s.covariate_effects.map((e, i) => ({
        parameter: e.parameter, covariate: e.covariate, form: e.form,
        ...(e.reference === undefined ? {} : { reference: e.reference }),
        ...(e.level === undefined ? {} : { level: e.level }),
        at: `${path}:${lineOfPath(doc, lines, ['covariate_effects', i])}: covariate_effects[${i}]`,
      })),
    }),
  };
}
