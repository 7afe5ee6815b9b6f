/**
 * A replicate's sweep and safety counts per dose (issue 19), summed over the subject chunks of
 * tile-compute.ts like k. Scenarios without a sweep or a safety endpoint add nothing to their cells.
 */
import type { ScenarioSpec } from './run-spec.js';
import type { EvaluateExtras, GroupReductions } from './onnx/session.js';
import type { CellResult } from './tile-compute.js';

/** What the scenario adds to each session.run. */
export function evaluateExtras(sc: ScenarioSpec): EvaluateExtras {
  return {
    ...(sc.thresholdSweepNgMl === undefined ? {} : { thresholdsNgMl: sc.thresholdSweepNgMl }),
    ...(sc.safety === undefined ? {} : { safety: sc.safety }),
  };
}

export class JointTotals {
  private readonly sweep?: number[][];
  private readonly safe?: number[];
  private readonly both?: number[];

  constructor(doses: number, extras: EvaluateExtras) {
    const H = extras.thresholdsNgMl?.length;
    if (H !== undefined) this.sweep = Array.from({ length: doses }, () => new Array<number>(H).fill(0));
    if (extras.safety !== undefined) {
      this.safe = new Array<number>(doses).fill(0);
      this.both = new Array<number>(doses).fill(0);
    }
  }

  reset(): void {
    for (const row of this.sweep ?? []) row.fill(0);
    this.safe?.fill(0);
    this.both?.fill(0);
  }

  add(out: GroupReductions): void {
    this.sweep?.forEach((row, d) => {
      const got = out.kSweep?.[d] ?? [];
      for (let h = 0; h < row.length; h += 1) row[h] = (row[h] ?? 0) + (got[h] ?? 0);
    });
    addInto(this.safe, out.kSafe);
    addInto(this.both, out.kBoth);
  }

  /** The extra fields of dose d's cell (none when the scenario asks for none). */
  cell(d: number): Pick<CellResult, 'kSweep' | 'kSafe' | 'kBoth'> {
    const sweep = this.sweep?.[d];
    return {
      ...(sweep === undefined ? {} : { kSweep: [...sweep] }),
      ...(this.safe === undefined ? {} : { kSafe: this.safe[d] ?? 0, kBoth: this.both?.[d] ?? 0 }),
    };
  }
}

function addInto(into: number[] | undefined, add: readonly number[] | undefined): void {
  if (into === undefined) return;
  for (let d = 0; d < into.length; d += 1) into[d] = (into[d] ?? 0) + (add?.[d] ?? 0);
}

/** A cell's sweep and safety counts as the Cell message carries them (k_sweep, k_safe, k_both). */
export function jointToWire(c: CellResult): { kSweep?: number[]; kSafe?: number; kBoth?: number } {
  return {
    ...(c.kSweep === undefined ? {} : { kSweep: [...c.kSweep] }),
    ...(c.kSafe === undefined ? {} : { kSafe: c.kSafe, kBoth: c.kBoth ?? 0 }),
  };
}

/** The Cell message's sweep and safety counts back (an empty k_sweep is no sweep). */
export function jointFromWire(c: { kSweep: readonly number[]; kSafe?: number | undefined; kBoth?: number | undefined }): Pick<CellResult, 'kSweep' | 'kSafe' | 'kBoth'> {
  return {
    ...(c.kSweep.length === 0 ? {} : { kSweep: [...c.kSweep] }),
    ...(c.kSafe === undefined ? {} : { kSafe: c.kSafe, kBoth: c.kBoth ?? 0 }),
  };
}
