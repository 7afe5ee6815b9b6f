/**
 * Mass-per-volume concentration units: the one table of the units qusop converts. It serves the
 * ingest (a trial's concentrations to mg/L, models/ingest/units.ts), a question's concentration
 * threshold and a card's output unit (ng/mL, worker/onnx/window-statistic.ts) and the biomarker's
 * "same scale" rule (worker/model/biomarker-unit.ts).
 *
 * Each unit is a power of ten of mg/L, so a conversion is one multiplication or one division by
 * 10^|k|: a value written in ng/mL reads to the same double as the same value written in mg/L
 * (1500 / 1000 is exactly 1.5; 1500 * 0.001 is not). Names are compared after normaliseUnit: letter
 * case and blanks are free, the micro sign, the Greek mu and "mcg" read as "u" (µg/L = ug/L = mcg/L).
 */

/** normalised unit -> the power of ten that converts it to mg/L */
const POWER_OF_MG_PER_L: Readonly<Record<string, number>> = {
  'g/l': 3, 'mg/ml': 3, 'mg/l': 0, 'ug/ml': 0, 'ug/l': -3, 'ng/ml': -3, 'ng/l': -6, 'pg/ml': -6,
};

/** The accepted units as people write them, for messages. */
export const MASS_CONCENTRATION_UNITS: readonly string[] = ['mg/L', 'ug/mL', 'ng/mL', 'ug/L', 'ng/L', 'pg/mL', 'mg/mL', 'g/L'];

/** The comparison form of a unit (see the file's doc); "percent" and "pct" read as "%". */
export function normaliseUnit(unit: string): string {
  const n = unit.trim().replace(/[\u00b5\u03bc]/g, 'u').replace(/mcg/gi, 'ug').replace(/\s+/g, '').toLowerCase();
  return n === 'percent' || n === 'pct' ? '%' : n;
}

/** The power of ten from `unit` to mg/L; undefined for a unit that is not a mass concentration of the table. */
export function mgPerLPower(unit: string): number | undefined {
  return POWER_OF_MG_PER_L[normaliseUnit(unit)];
}

/** x times 10^power, exact for the power of ten: a multiplication or a division by 10^|power|. */
export function scaleByPowerOfTen(x: number, power: number): number {
  if (power === 0) return x;
  const scale = 10 ** Math.abs(power);
  return power > 0 ? x * scale : x / scale;
}
