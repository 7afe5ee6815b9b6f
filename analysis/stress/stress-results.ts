/**
 * stress.json and stress.md: per sweep, per shift value, per (regimen, target): the minimal dose
 * (conservative: smallest grid dose whose lower band >= target), the mean-crossing dose and the
 * 95 % interval of the per-replicate minimal dose, read from the run's decisions. `null` = not
 * reached on the question's grid (stress runs do not extend grids).
 */
import { join } from 'node:path';
import type { Decision } from '../../coordinator/aggregate/decisions.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { SHIFT_AXIS, type ShiftParam } from './shift.js';
import type { StressCell } from './stress-scenarios.js';

export const STRESS_JSON = 'stress.json';
export const STRESS_MD = 'stress.md';

export interface StressDose {
  readonly regimen: string;
  readonly target: number;
  readonly dose: number | null;
  readonly mean_crossing: number | null;
  readonly interval: readonly [number | null, number | null];
  readonly flags: readonly string[];
}

export interface StressPoint {
  readonly value: number;
  readonly label: string;
  readonly scenario: string;
  /** the population as the compiled scenario states it */
  readonly population: string;
  readonly doses: readonly StressDose[];
}

export interface StressSweep {
  readonly param: ShiftParam;
  readonly option: string;
  readonly axis: string;
  readonly points: readonly StressPoint[];
}

export function stressSweeps(cells: readonly StressCell[], decisions: readonly Decision[], labels: ReadonlyMap<string, string>): StressSweep[] {
  const sweeps: StressSweep[] = [];
  for (const c of cells) {
    let sweep = sweeps.find((s) => s.param === c.shift.param);
    if (sweep === undefined) {
      sweep = { param: c.shift.param, option: c.shift.text, axis: SHIFT_AXIS[c.shift.param], points: [] };
      sweeps.push(sweep);
    }
    const doses = decisions.filter((d) => d.scenario === c.scenario).map((d) => ({
      regimen: d.regimen, target: d.target, dose: d.conservative, mean_crossing: d.mean_crossing, interval: [d.replicate_lo, d.replicate_hi] as const, flags: [...d.flags],
    }));
    (sweep.points as StressPoint[]).push({ value: c.value.x, label: c.value.label, scenario: c.scenario, population: labels.get(c.scenario) ?? '', doses });
  }
  return sweeps;
}

export async function writeStressJson(dir: string, sweeps: readonly StressSweep[], context: Readonly<Record<string, unknown>>): Promise<string> {
  const path = join(dir, STRESS_JSON);
  await writeFileAtomic(path, `${JSON.stringify({ schema: 'qusop.stress/v1', ...context, sweeps }, null, 2)}\n`);
  return path;
}

const mgs = (x: number | null): string => (x === null ? '—' : `${x}`);

/** One markdown table per sweep: a row per value, a column per (regimen, target) as `dose (mean crossing) [interval]` in mg. */
export function stressMarkdown(sweeps: readonly StressSweep[], title: string): string {
  const out = [`# ${title}`, '', 'Cells: minimal dose (lower band >= target) · mean crossing · [2.5 %, 97.5 %] of the per-replicate minimal dose, mg; — = not reached on the grid.', ''];
  for (const s of sweeps) {
    const columns = s.points[0]?.doses.map((d) => `${d.regimen} ${percentLabel(d.target)}`) ?? [];
    out.push(`## --shift ${s.option}`, '', `| ${s.axis} | ${columns.join(' | ')} |`, `|---|${columns.map(() => '---|').join('')}`);
    for (const p of s.points) {
      const cells = p.doses.map((d) => `${mgs(d.dose)} · ${mgs(d.mean_crossing)} · [${mgs(d.interval[0])}, ${mgs(d.interval[1])}]${d.flags.length > 0 ? ` (${d.flags.join(', ')})` : ''}`);
      out.push(`| ${p.label} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

export async function writeStressMarkdown(dir: string, text: string): Promise<string> {
  const path = join(dir, STRESS_MD);
  await writeFileAtomic(path, text);
  return path;
}
