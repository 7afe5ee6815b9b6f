/**
 * The threshold sweep's and the joint endpoints' report files (issue 19), beside a run's
 * threshold-sweep.json / therapeutic-window.json: `threshold-sweep.md` (dose against threshold per
 * regimen and target), `therapeutic-window.md` (the window table) and their plots
 * `plots/threshold-sweep-<scenario>.png`, `plots/pareto-<scenario>.png`. Written only for a run that
 * has them.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JointAggregate } from '../../coordinator/aggregate/joint-outputs.js';
import type { SweepResult } from '../../coordinator/aggregate/threshold-sweep.js';
import type { WindowBounds, WindowResult } from '../../coordinator/aggregate/therapeutic-window.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { paretoPlotSpec, sweepPlotSpec } from '../joint-plots.js';
import { renderSvg, svgToPng } from '../plots.js';

const mg = (x: number | null): string => (x === null ? '—' : `${x}`);
const mdTable = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Rows: thresholds; columns: each (scenario, regimen, target) as "mean crossing / conservative" in mg. `units`: each scenario's threshold unit (sweep-units.ts; ng/mL when absent). */
export function sweepMarkdown(sweep: SweepResult, units: ReadonlyMap<string, string> = new Map()): string {
  const series = [...new Map(sweep.decisions.map((d) => [`${d.scenario}\u0000${d.regimen}\u0000${d.target}`, d])).values()];
  const thresholds = [...new Set(sweep.decisions.map((d) => d.threshold_ng_ml))].sort((a, b) => a - b);
  const rows = thresholds.map((t) => [
    `${t}`,
    ...series.map((s) => {
      const d = sweep.decisions.find((x) => x.threshold_ng_ml === t && x.scenario === s.scenario && x.regimen === s.regimen && x.target === s.target);
      return `${mg(d?.mean_crossing ?? null)} / ${mg(d?.conservative ?? null)}`;
    }),
  ]);
  const unitOf = (scenario: string): string => units.get(scenario) ?? 'ng/mL';
  const shared = new Set(series.map((s) => unitOf(s.scenario)));
  const one = shared.size === 1 ? [...shared][0] : undefined;
  const header = [one === undefined ? 'threshold' : `threshold (${one})`, ...series.map((s) => `${s.scenario} ${s.regimen} ${percentLabel(s.target)}${one === undefined ? ` (threshold in ${unitOf(s.scenario)})` : ''}`)];
  return ['# Minimal dose against the threshold', '', 'Each cell: mean crossing / conservative dose (mg); — = not reached on the grid. All thresholds from the same trajectories (one run).', '', mdTable(header, rows), ''].join('\n');
}

const bounds = (b: WindowBounds): string[] => [mg(b.minimal_efficacious), mg(b.maximal_safe), b.window === null ? `no window (${b.no_window ?? ''})` : `${b.window[0]}–${b.window[1]} mg`];

export function windowMarkdown(w: WindowResult): string {
  const rows = w.windows.map((x) => [x.scenario, x.regimen, percentLabel(x.target), percentLabel(x.safety_target), ...bounds(x.mean), ...bounds(x.conservative)]);
  const header = ['scenario', 'regimen', 'efficacy target', 'safety target', 'min efficacious', 'max safe', 'window', 'min efficacious (cons.)', 'max safe (cons.)', 'window (cons.)'];
  return [
    '# Therapeutic window', '',
    'Minimal efficacious dose: smallest grid dose whose attainment reaches the target; maximal safe dose: the last grid dose, scanning upward, before safety attainment first falls below its target. Conservative: the same with the lower band. Doses in mg.', '',
    mdTable(header, rows), '',
  ].join('\n');
}

/** Writes the tables and plots `joint` has; returns the paths written (relative to `dir`). */
export async function writeJointReport(dir: string, joint: JointAggregate, units: ReadonlyMap<string, string> = new Map()): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, bytes: string | Uint8Array): Promise<void> => {
    await writeFileAtomic(join(dir, name), bytes);
    written.push(name);
  };
  if (joint.sweep === undefined && joint.window === undefined) return written;
  await mkdir(join(dir, 'plots'), { recursive: true });
  if (joint.sweep !== undefined) {
    await write('threshold-sweep.md', sweepMarkdown(joint.sweep, units));
    for (const scenario of new Set(joint.sweep.decisions.map((d) => d.scenario))) {
      await write(join('plots', `threshold-sweep-${scenario}.png`), svgToPng(await renderSvg(sweepPlotSpec(scenario, joint.sweep.decisions, [], undefined, units.get(scenario) ?? 'ng/mL'))));
    }
  }
  if (joint.window !== undefined) {
    await write('therapeutic-window.md', windowMarkdown(joint.window));
    for (const scenario of new Set(joint.window.curves.map((c) => c.scenario))) {
      await write(join('plots', `pareto-${scenario}.png`), svgToPng(await renderSvg(paretoPlotSpec(scenario, joint.window.curves))));
    }
  }
  return written;
}
