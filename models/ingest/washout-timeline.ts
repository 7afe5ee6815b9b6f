/**
 * NONMEM's resets (EVID 3, and EVID 4: reset and dose) on one time axis. After a reset the system is
 * empty, the biomarker at its baseline, and TIME may start again (a crossover's second period at 0).
 * The library's simulators walk one dosing history from an empty system, so each reset opens a new
 * period `WASHOUT_H` after the end of everything before it (doses, infusions, ADDL series,
 * observations): every record of the period moves by one offset and keeps its time differences. A
 * period that opens with a steady-state dose (SS=1) gets the history it implies inside the gap too
 * (steady-state-history.ts). A steady-state dose after other doses or observations of its period is
 * itself a reset, as in NONMEM (SS=1 resets the system before it sets the steady state): it opens a
 * new period, and the records before it stay in theirs.
 *
 * What the earlier periods leave after the washout is exp(-WASHOUT_H / the slowest time constant):
 * 2^-10 for a half-life of 4.2 days. The fit checks it at its estimates with every washout doubled
 * (analysis/fit/history-check.ts). Times on this axis are the model's; each record keeps its line, and
 * `Washout.fileTimeH` says where the file's clock restarted.
 */
import type { NonmemRecord } from './nonmem-record.js';
import { inputError } from './schema.js';
import { priorDoseCount, STEADY_STATE_HORIZON_H } from './steady-state-history.js';

/** hours between the end of a period and the next reset: as long as a steady-state dose's history */
export const WASHOUT_H = STEADY_STATE_HORIZON_H;

export interface Washout {
  /** the end of everything before the reset (model time, h) */
  readonly fromH: number;
  /** the reset (model time, h) */
  readonly atH: number;
  /** the reset record's line and its TIME in the file (h) */
  readonly line: number;
  readonly fileTimeH: number;
}

const isReset = (r: NonmemRecord): boolean => r.kind === 'reset' || r.kind === 'reset-dose';
const dosing = (r: NonmemRecord): boolean => r.kind === 'dose' || r.kind === 'reset-dose';
/** a record that puts something into its period: a dose or an observation */
const content = (r: NonmemRecord): boolean => dosing(r) || r.kind === 'observation';

/** When a record's events end (file time): a dose's ADDL series and infusion included. */
function endOf(r: NonmemRecord): number {
  if (!dosing(r)) return r.timeH;
  return r.timeH + r.addl * r.iiH + (r.rate > 0 ? r.amt / r.rate : 0);
}

/** The hours a period needs before its first dose for that dose's implied history (0 unless it is SS=1). */
function impliedSpan(records: readonly NonmemRecord[], from: number): number {
  for (let i = from; i < records.length; i += 1) {
    const r = records[i] as NonmemRecord;
    if (i > from && isReset(r)) return 0;
    if (dosing(r)) return r.ss ? priorDoseCount(r.iiH) * r.iiH : 0;
  }
  return 0;
}

/**
 * One subject's records (file order) on the model's time axis, with its washouts; the records as they
 * are when the subject has no reset after its first record. An ADDL series or infusion still running at
 * a later reset is refused at the reset's line (whether a reset cancels pending doses is not guessed);
 * where the file's clock restarts at the reset, "still running" means past the record before it.
 */
export function washoutTimeline(records: readonly NonmemRecord[], file: string, timeColumn: string): { records: readonly NonmemRecord[]; washouts: Washout[] } {
  // the records that open a period: a reset, or a steady-state dose after content of the current period
  const opens: boolean[] = [];
  let filled = false;
  for (const r of records) {
    const opening = filled && (isReset(r) || (r.ss && dosing(r)));
    opens.push(opening);
    if (isReset(r)) filled = false;
    if (content(r)) filled = true;
  }
  if (!opens.includes(true)) return { records, washouts: [] };
  const out: NonmemRecord[] = [];
  const washouts: Washout[] = [];
  let offset = 0;
  let end = -Infinity; // model time: the end of everything so far
  let running: { endH: number; line: number } | null = null; // file time: this period's latest-ending dose
  records.forEach((r, i) => {
    const prev = records[i - 1];
    if (prev !== undefined && opens[i] === true) {
      const resetAt = Math.max(r.timeH, prev.timeH);
      if (running !== null && running.endH > resetAt) {
        const what = isReset(r) ? `a reset (EVID ${r.evid})` : 'a steady-state dose (SS=1, a reset in NONMEM)';
        throw inputError({ file, line: r.line, column: timeColumn, expected: `${what} after the doses before it have ended: line ${running.line}'s ADDL series or infusion runs to ${running.endH} h`, found: `${r.timeH} h${r.timeH < prev.timeH ? ` (the clock restarts; the record before is at ${prev.timeH} h)` : ''}` });
      }
      const atH = end + WASHOUT_H + impliedSpan(records, i);
      washouts.push({ fromH: end, atH, line: r.line, fileTimeH: r.timeH });
      offset = atH - r.timeH;
      running = null;
    }
    out.push(offset === 0 ? r : { ...r, timeH: r.timeH + offset });
    const e = endOf(r);
    if (dosing(r) && (running === null || e > running.endH)) running = { endH: e, line: r.line };
    end = Math.max(end, e + offset);
  });
  return { records: out, washouts };
}
