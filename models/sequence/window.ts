/**
 * Each subject's last dosing window, resampled to a fixed grid (paper section 4): the PD observations
 * in [t0, t0 + tau] after the last dose t0, linearly interpolated at t0 + grid. Placebo subjects have
 * no dose records; their window is the trial's nominal last dosing window (the latest last-dose time
 * of any dosed subject), so they teach the network the untreated baseline over the same hours.
 */
import { InputError } from '../../worker/common/errors.js';
import type { Subject, Trial } from '../ingest/trial.js';

export interface SubjectWindow {
  readonly id: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
  /** the amount of the window's dose (0 for placebo) */
  readonly doseMg: number;
  /** the arm's nominal dose (DOSE column), for stratifying the split */
  readonly armDoseMg: number;
  /** t0, hours since the subject's first record time origin */
  readonly startH: number;
  /** PD (ng/mL) interpolated at startH + grid[k] */
  readonly pdNgMl: readonly number[];
  /** how many observations fell inside the window (data sparsity, for the card) */
  readonly observations: number;
}

export interface WindowOptions {
  readonly tauH: number;
  /** hours into the window, each in [0, tauH] */
  readonly gridH: readonly number[];
}

/** Linear interpolation in time-ordered (ts, ys); t must lie within [ts[0], ts[n-1]]. */
export function interpolate(ts: readonly number[], ys: readonly number[], t: number): number {
  const hi = ts.findIndex((x) => x >= t);
  if (hi < 0) return NaN;
  if (ts[hi] === t || hi === 0) return ys[hi]!;
  const lo = hi - 1;
  const w = (t - ts[lo]!) / (ts[hi]! - ts[lo]!);
  return ys[lo]! + w * (ys[hi]! - ys[lo]!);
}

function lastDoseH(s: Subject): number | undefined {
  return s.doses.length === 0 ? undefined : s.doses[s.doses.length - 1]!.timeH;
}

/** Every subject's last window on the grid; an InputError names the subject whose PD does not cover it. */
export function lastDosingWindows(trial: Trial, opts: WindowOptions): SubjectWindow[] {
  const dosed = trial.subjects.map(lastDoseH).filter((t): t is number => t !== undefined);
  if (dosed.length === 0) throw new InputError(`${trial.file}: no subject has a dose record; the sequence model needs a dosing window`);
  const nominalStartH = Math.max(...dosed);
  for (const g of opts.gridH) {
    if (!(g >= 0 && g <= opts.tauH)) throw new InputError(`window grid: ${g} h is outside [0, ${opts.tauH}] h`);
  }
  return trial.subjects.map((s) => {
    const startH = lastDoseH(s) ?? nominalStartH;
    const endH = startH + opts.tauH;
    const obs = s.pd.filter((o) => o.timeH >= startH && o.timeH <= endH);
    const ts = obs.map((o) => o.timeH - startH);
    const needFrom = Math.min(...opts.gridH);
    const needTo = Math.max(...opts.gridH);
    if (obs.length < 2 || ts[0]! > needFrom || ts[ts.length - 1]! < needTo) {
      throw new InputError(
        `${trial.file}: subject ${s.id} (line ${s.firstLine}): PD observations in the last dosing window [${startH}, ${endH}] h ` +
          `are at [${ts.join(', ')}] h after the dose; resampling needs them to span [${needFrom}, ${needTo}] h`,
        { details: { file: trial.file, subject: s.id } },
      );
    }
    const ys = obs.map((o) => o.dv);
    const last = s.doses[s.doses.length - 1];
    return {
      id: s.id,
      bwKg: s.bwKg,
      comed: s.comed,
      doseMg: last?.amtMg ?? 0,
      armDoseMg: s.doseMg,
      startH,
      pdNgMl: opts.gridH.map((g) => interpolate(ts, ys, g)),
      observations: obs.length,
    };
  });
}
