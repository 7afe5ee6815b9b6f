/**
 * The units of a trial file and their conversion to the population model's (doses in mg,
 * concentrations in mg/L): the dataset spec's `endpoints.concentration.unit` (mass per volume) and
 * `dose_unit` (mass). Every factor is a power of ten, applied as a multiplication by 10^k (k >= 0) or
 * a division by 10^-k (k < 0), so a value in ng/mL reads to the same double as the same value written
 * in mg/L (1500 / 1000 is exactly 1.5; 1500 * 0.001 is not). A molar unit needs the drug's molecular
 * weight, which the spec does not take: refused with what to write instead.
 */
import { InputError } from '../../worker/common/errors.js';
import type { DataSpec } from './data-spec.js';
import { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
import { mgPerLPower, scaleByPowerOfTen } from '../../worker/common/mass-concentration.js';


/** mass units of AMT (and RATE, mass per hour) -> the power of ten that converts them to mg */
export const DOSE_UNITS = ['mg', 'ug', 'µg', 'mcg', 'g'] as const;
export type DoseUnit = (typeof DOSE_UNITS)[number];
const DOSE_POWER: Readonly<Record<DoseUnit, number>> = { mg: 0, ug: -3, 'µg': -3, mcg: -3, g: 3 };

export const MODEL_CONCENTRATION_UNIT = 'mg/L';
export { DEFAULT_BIOMARKER_UNIT } from '../../worker/model/biomarker-unit.js';
export const MODEL_DOSE_UNIT = 'mg';

/** A unit as the file has it, and the power of ten that brings it to the model's unit. */
export interface UnitConversion {
  /** the unit as the spec wrote it (the model's unit when the spec names none) */
  readonly unit: string;
  readonly power: number;
  /** whether a spec named it (false: the default was assumed) */
  readonly declared: boolean;
}

/** What the concentration units accept, for messages. */
export const CONCENTRATION_UNITS_TEXT = 'a mass per volume: mg/L (the default), ug/mL, ng/mL, ug/L (or µg/L, mcg/L), ng/L, pg/mL, mg/mL, g/L';


const MOLAR = /^[pnuµμm]?(mol\/[a-z]*l|m)$/i;

/** The power of ten from a concentration unit to mg/L, or the reason it is refused. */
export function concentrationPower(unit: string): { power: number } | { refused: string } {
  // the micro sign, the Greek mu and "mcg" read as "ug"; letter case and blanks are free (mg/l = mg/L)
  const power = mgPerLPower(unit);
  if (power !== undefined) return { power };
  if (MOLAR.test(unit.trim())) {
    return { refused: `"${unit}" is a molar unit, which needs the drug's molecular weight (not taken): convert the concentrations to a mass per volume (ng/mL = nmol/L x MW / 1000, MW in g/mol) and write that unit; accepted: ${CONCENTRATION_UNITS_TEXT}` };
  }
  return { refused: `"${unit}" is not a concentration unit qusop converts; accepted: ${CONCENTRATION_UNITS_TEXT}` };
}

export const dosePower = (unit: DoseUnit): number => DOSE_POWER[unit];

/** x in the file's unit -> the model's unit (exact for the power of ten: a multiplication or a division by 10^|k|). */
export const convert = scaleByPowerOfTen;

/** "x 0.001", "x 1000" */
export const factorText = (power: number): string => `x ${power < 0 ? (10 ** power).toFixed(-power) : String(10 ** power)}`;

/** The file's units: concentration and doses converted to the model's, the biomarker as recorded (power 0). */
export interface FileUnits {
  readonly concentration: UnitConversion;
  readonly dose: UnitConversion;
  /** the biomarker's unit, never converted (power 0): the spec's endpoints.biomarker.unit, else ng/mL */
  readonly biomarker: UnitConversion;
}

/** The file's units as the spec names them (the model's own where it names none); InputError on a unit it refuses. */
export function specUnits(spec: DataSpec): FileUnits {
  const c = spec.endpoints.concentration?.unit;
  let concentration: UnitConversion = { unit: MODEL_CONCENTRATION_UNIT, power: 0, declared: false };
  if (c !== undefined) {
    const read = concentrationPower(c);
    if ('refused' in read) throw new InputError(`${spec.source}: endpoints.concentration.unit: ${read.refused}`, { details: { file: spec.source, field: 'endpoints.concentration.unit' } });
    concentration = { unit: c, power: read.power, declared: true };
  }
  const dose: UnitConversion = spec.doseUnit === undefined ? { unit: MODEL_DOSE_UNIT, power: 0, declared: false } : { unit: spec.doseUnit, power: dosePower(spec.doseUnit), declared: true };
  const b = spec.endpoints.biomarker?.unit?.trim();
  const biomarker: UnitConversion = b === undefined || b === '' ? { unit: DEFAULT_BIOMARKER_UNIT, power: 0, declared: false } : { unit: b, power: 0, declared: true };
  return { concentration, dose, biomarker };
}
