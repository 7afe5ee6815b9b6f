/**
 * `--shift PARAM=VALUES`: the covariate shifts `qusop stress` sweeps, and the population each shift
 * value gives when applied to the question's base population.
 *
 *   bw-mean=A:B:S | v1,v2,...     mean body weight (kg). A Uniform(LO, HI) base is moved so its middle
 *                                 is the value (width kept: LO + d, HI + d); a resampled base has every
 *                                 trial weight and its clip bounds scaled by value / trial mean
 *                                 (scenario field `resample.mean_kg`), so its shape is kept
 *   bw-range=LO:HI,LO:HI,...      body weight Uniform(LO, HI) kg
 *   comed=A:B:S | p1,p2,...       COMED prevalence: Bernoulli(p), p in [0, 1]
 *
 * Every value keeps the base population's other covariate. Errors are InputErrors naming `--shift`,
 * the text given and what was expected, thrown before anything is written.
 */
import { InputError } from '../../worker/common/errors.js';
import { BODY_WEIGHT_MAX_KG } from '../../coordinator/scenario/limits.js';
import type { BwOption, ComedOption } from '../answer/populations.js';

export const SHIFT_PARAMS = ['bw-mean', 'bw-range', 'comed'] as const;
export type ShiftParam = (typeof SHIFT_PARAMS)[number];

/** A sweep has at most this many values (each is a scenario of the run). */
export const MAX_SHIFT_VALUES = 100;

export interface ShiftValue {
  /** where the value sits on the plot's x axis: kg (bw-mean; bw-range: the middle), prevalence (comed) */
  readonly x: number;
  /** as written in names and tables: `70`, `50-90`, `0.3` */
  readonly label: string;
  /** bw-range only */
  readonly range?: readonly [number, number];
}

export interface Shift {
  readonly param: ShiftParam;
  /** the option as given */
  readonly text: string;
  readonly values: readonly ShiftValue[];
}

export type ShiftComed = ComedOption | { readonly fixed: 0 | 1 };

export interface StressPopulation {
  readonly bw: BwOption;
  readonly comed: ShiftComed;
}

/** Axis titles of each parameter. */
export const SHIFT_AXIS: Readonly<Record<ShiftParam, string>> = {
  'bw-mean': 'mean body weight (kg)',
  'bw-range': 'body weight range, middle (kg)',
  comed: 'COMED prevalence',
};

const tidy = (x: number): number => Math.round(x * 1e9) / 1e9;

function bad(text: string, msg: string): never {
  throw new InputError(`--shift ${text}: ${msg}`, { details: { field: '--shift', value: text } });
}

function num(text: string, s: string | undefined, what: string): number {
  const v = Number(s);
  if (s === undefined || s.trim() === '' || !Number.isFinite(v)) bad(text, `${what} "${s ?? ''}" is not a number`);
  return v;
}

/** `A:B:S` (inclusive, built by index like dose grids) or a comma list. */
function numbers(text: string, spec: string): number[] {
  if (spec.includes(':')) {
    const parts = spec.split(':');
    if (parts.length !== 3) bad(text, 'expected START:STOP:STEP or a comma list of values');
    const [a, b, s] = [num(text, parts[0], 'START'), num(text, parts[1], 'STOP'), num(text, parts[2], 'STEP')];
    if (!(s > 0)) bad(text, `STEP must be > 0 (got ${s})`);
    if (a > b) bad(text, `empty range: START (${a}) > STOP (${b})`);
    const count = Math.floor((b - a) / s + 1e-9) + 1;
    if (count > MAX_SHIFT_VALUES) bad(text, `${count} values; at most ${MAX_SHIFT_VALUES}`);
    return Array.from({ length: count }, (_, i) => tidy(a + i * s));
  }
  if (spec.trim() === '') bad(text, 'empty list of values');
  return spec.split(',').map((v, i) => num(text, v, `value ${i + 1}`));
}

function distinct(text: string, values: readonly ShiftValue[]): readonly ShiftValue[] {
  values.forEach((v, i) => {
    const first = values.findIndex((w) => w.label === v.label);
    if (first !== i) bad(text, `value ${v.label} is given twice`);
  });
  if (values.length > MAX_SHIFT_VALUES) bad(text, `${values.length} values; at most ${MAX_SHIFT_VALUES}`);
  return values;
}

export function parseShift(text: string): Shift {
  const eq = text.indexOf('=');
  const param = eq < 0 ? text : text.slice(0, eq);
  if (!(SHIFT_PARAMS as readonly string[]).includes(param)) bad(text, `unknown parameter "${param}"; expected PARAM=VALUES with PARAM one of ${SHIFT_PARAMS.join(', ')} (e.g. bw-mean=50:110:10, bw-range=50:90,70:140, comed=0:1:0.1)`);
  const spec = eq < 0 ? '' : text.slice(eq + 1);
  if (spec.trim() === '') bad(text, 'no values after "="');
  switch (param as ShiftParam) {
    case 'bw-mean':
      return { param: 'bw-mean', text, values: distinct(text, numbers(text, spec).map((kg) => {
        if (!(kg > 0)) bad(text, `mean body weight ${kg} kg: a weight must be > 0`);
        if (kg > BODY_WEIGHT_MAX_KG) bad(text, `mean body weight ${kg} kg: a weight must be <= ${BODY_WEIGHT_MAX_KG} kg`);
        return { x: kg, label: String(kg) };
      })) };
    case 'comed':
      return { param: 'comed', text, values: distinct(text, numbers(text, spec).map((p) => {
        if (!(p >= 0 && p <= 1)) bad(text, `prevalence ${p} is outside [0, 1]`);
        return { x: p, label: String(p) };
      })) };
    case 'bw-range':
      return { param: 'bw-range', text, values: distinct(text, spec.split(',').map((r) => {
        const parts = r.split(':');
        if (parts.length !== 2) bad(text, `"${r}": expected LO:HI (kg)`);
        const [lo, hi] = [num(text, parts[0], 'LO'), num(text, parts[1], 'HI')];
        if (!(lo > 0)) bad(text, `"${r}": a weight must be > 0 (LO = ${lo})`);
        if (lo > hi) bad(text, `"${r}": empty range: LO (${lo}) > HI (${hi})`);
        if (hi > BODY_WEIGHT_MAX_KG) bad(text, `"${r}": a weight must be <= ${BODY_WEIGHT_MAX_KG} kg (HI = ${hi})`);
        return { x: tidy((lo + hi) / 2), label: `${lo}-${hi}`, range: [lo, hi] as const };
      })) };
  }
}

/** Several `--shift`s: one per parameter. */
export function parseShifts(texts: readonly string[]): Shift[] {
  if (texts.length === 0) throw new InputError('--shift: required, e.g. --shift bw-mean=50:110:10 (see qusop stress --help)', { details: { field: '--shift' } });
  const shifts = texts.map(parseShift);
  shifts.forEach((s, i) => {
    if (shifts.findIndex((t) => t.param === s.param) !== i) bad(s.text, `parameter ${s.param} is swept twice; give its values in one --shift`);
  });
  return shifts;
}

/** The population of one shift value; the base's other covariate is kept. */
export function shiftedPopulation(base: StressPopulation, shift: Shift, value: ShiftValue): StressPopulation {
  switch (shift.param) {
    case 'comed':
      return { bw: base.bw, comed: { bernoulli: value.x } };
    case 'bw-range': {
      const [lo, hi] = value.range ?? [value.x, value.x];
      return { bw: { uniform: { min_kg: lo, max_kg: hi } }, comed: base.comed };
    }
    case 'bw-mean': {
      if ('resample' in base.bw) return { bw: { resample: { ...base.bw.resample, mean_kg: value.x } }, comed: base.comed };
      const { min_kg, max_kg } = base.bw.uniform;
      const d = value.x - (min_kg + max_kg) / 2;
      const [lo, hi] = [tidy(min_kg + d), tidy(max_kg + d)];
      if (!(lo > 0 && hi <= BODY_WEIGHT_MAX_KG)) bad(shift.text, `mean ${value.x} kg moves the base Uniform(${min_kg}, ${max_kg}) kg to Uniform(${lo}, ${hi}); a weight must be > 0 and <= ${BODY_WEIGHT_MAX_KG} kg`);
      return { bw: { uniform: { min_kg: lo, max_kg: hi } }, comed: base.comed };
    }
  }
}

/** The scenario name of a shift value: `bw-mean-70`, `comed-0.3`, `bw-range-50-90`. */
export function shiftScenarioName(shift: Shift, value: ShiftValue): string {
  return `${shift.param}-${value.label}`;
}
