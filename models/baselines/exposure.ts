/**
 * Average steady-state concentration for the Emax-on-Cavg baseline: Cavg = Dose / (CL(BW) tau), with
 * CL(BW) = CL70 (BW / 70)^0.75 the typical clearance of a fitted population PK model (the library's
 * allometry, models/structures/parameters.ts). CL is apparent (CL/F), so F = 1 here. CL70 is the
 * point estimate (draw 0, `log CL`) of the card given: by default the shipped EstData fit.
 * Typical-value exposure is used both to fit and to predict, so between-subject differences in
 * clearance end up in the Emax model's residual, not counted twice.
 */
import { basename, dirname } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import type { LoadedModel } from '../../worker/model/load-card.js';
import { ALLOMETRY, REFERENCE_BW_KG } from '../structures/parameters.js';

export interface ClearanceModel {
  /** typical apparent clearance at 70 kg, L/h */
  readonly cl70LPerH: number;
  readonly exponent: number;
  /** where CL70 came from: card file name, its name and ONNX sha256 */
  readonly source: { readonly card: string; readonly name: string; readonly sha256: string };
}

/** CL70 from a loaded card; errors name the path given, the card records `<folder>/<file>` (no absolute path, so bytes do not depend on where the repository is). */
export function clearanceFromCard(m: LoadedModel, displayPath: string): ClearanceModel {
  const theta = m.card.inputs.theta;
  const i = theta?.names?.indexOf('log CL') ?? -1;
  const v = i < 0 ? undefined : theta?.draws[0]?.[i];
  if (v === undefined || !Number.isFinite(v)) {
    throw new InputError(
      `--pk ${displayPath}: field inputs.theta.names has no "log CL"; the emax baseline needs a population PK card with a clearance (e.g. models/estdata/qd.model.json)`,
      { details: { file: displayPath, field: 'inputs.theta.names' } },
    );
  }
  if (m.card.units.conc !== undefined && m.card.units.conc !== 'mg/L') {
    throw new InputError(`--pk ${displayPath}: field units.conc is ${m.card.units.conc}; expected mg/L (dose mg, clearance L/h)`, { details: { file: displayPath, field: 'units.conc' } });
  }
  return { cl70LPerH: Math.exp(v), exponent: ALLOMETRY.clearance, source: { card: `${basename(dirname(m.cardPath))}/${basename(m.cardPath)}`, name: m.card.name, sha256: m.card.sha256 } };
}

/** Cavg in mg/L of a dose (mg) every tau hours at body weight bw (kg). */
export function averageConcentration(cl: Pick<ClearanceModel, 'cl70LPerH' | 'exponent'>, doseMg: number, bwKg: number, tauH: number): number {
  return doseMg / (cl.cl70LPerH * (bwKg / REFERENCE_BW_KG) ** cl.exponent * tauH);
}
