/** The decision table printed at the end of a run (plain text, fixed-width). */
import type { Decision } from '../coordinator/aggregate/decisions.js';
import { percentLabel } from '../coordinator/scenario/percent.js';

export type DecisionLike = Pick<Decision, 'scenario' | 'regimen' | 'target' | 'mean_crossing' | 'conservative' | 'replicate_median' | 'replicate_lo' | 'replicate_hi' | 'flags'>;

const mg = (x: number | null): string => (x === null ? '—' : `${x}`);

export function formatDecisionTable(decisions: readonly DecisionLike[], title: string): string {
  const header = ['scenario', 'regimen', 'target', 'mean crossing mg', 'conservative mg', 'replicate median [2.5%, 97.5%] mg', 'flags'];
  const rows = decisions.map((d) => [
    d.scenario, d.regimen, percentLabel(d.target), mg(d.mean_crossing), mg(d.conservative),
    `${mg(d.replicate_median)} [${mg(d.replicate_lo)}, ${mg(d.replicate_hi)}]`, d.flags.join(',') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
