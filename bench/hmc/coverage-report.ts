/**
 * coverage.md from the coverage study's record (coverage.json): set-up, summary per regimen and method,
 * paired width ratio, HMC diagnostics, per-trial table. Pure: record in, Markdown out.
 */
import { medianWidthRatio, summarizeCoverage, type CoverageCell, type CoverageRow, type MethodResult } from './coverage-summary.js';

export interface CoverageRecord {
  readonly machine: { readonly description: string; readonly cores: number; readonly cpu: string; readonly node: string };
  readonly command: string;
  readonly started: string;
  readonly finished: string;
  readonly loadavg: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly truth: { readonly structure: string; readonly fixed: Readonly<Record<string, number>>; readonly omega_diagonal: readonly number[]; readonly sigma: Readonly<Record<string, number>> };
  readonly design: string;
  readonly per_group: number;
  readonly draws: number;
  readonly replicates: number;
  readonly subjects: number;
  readonly truth_subjects: number;
  readonly hmc_options: { readonly chains: number; readonly warmup: number; readonly samples: number; readonly max_depth: number; readonly mass: string; readonly parametrisation?: string };
  readonly fit_seed: number;
  readonly answer_seed: number;
  readonly true_answers: readonly { readonly regimen: string; readonly threshold: number; readonly unit: string; readonly dose: number; readonly p: number; readonly p_one_step_below: number; readonly close: boolean; readonly grid_step: number }[];
  readonly rows: readonly CoverageRow[];
}

const g = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : String(Number(x.toPrecision(digits))));
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : '—');
const interval = (c: CoverageCell | undefined): string => (c === undefined ? '—' : `${g(c.interval[0], 4)}-${c.interval[1] === null ? 'past the grid' : g(c.interval[1], 4)}`);
const cellText = (c: CoverageCell | undefined): string => (c === undefined ? '—' : `${g(c.mean_crossing, 4)} [${interval(c)}] ${c.covered ? 'yes' : '**no**'}, ${g(c.width_steps)}`);

function hmcText(m: MethodResult): string {
  const h = m.hmc;
  if (h === undefined) return '—';
  return `${g(h.max_rhat, 4)} | ${g(h.min_ess_bulk)} / ${g(h.min_ess_tail)} | ${h.divergences}/${h.transitions} | ${h.tree_depth_saturated} | ${h.flagged ? `**flagged** (${h.flags.join('; ')})` : 'no'}`;
}

export function coverageMarkdown(r: CoverageRecord): string {
  const regimens = r.true_answers.map((a) => a.regimen);
  const summary = summarizeCoverage(r.rows, r.true_answers.map((a) => ({ id: a.regimen, step: a.grid_step })));
  const flagged = r.rows.filter((x) => x.hmc.hmc?.flagged === true).length;
  const o = r.hmc_options;
  const label = { fisher: 'Fisher draws', hmc: 'HMC draws (all)', 'hmc-unflagged': 'HMC draws (unflagged posteriors only)' } as const;
  const degenerate = (m: 'fisher' | 'hmc'): number => r.rows.filter((x) => x[m].degenerate.length > 0).length;
  const sampling = r.rows.map((x) => x.hmc.hmc?.sampling_s ?? NaN).filter(Number.isFinite).sort((a, b) => a - b);
  return [
    '# Minimal-dose interval: coverage and width, HMC draws vs Fisher-information draws (issue 20 §2)',
    '',
    `Machine: ${r.machine.description} (${r.machine.cores} cores, ${r.machine.cpu}, Node ${r.machine.node}), **shared with other engineers' jobs: one run under load** `
      + `(load average ${r.loadavg.start.map((x) => g(x)).join(', ')} at the start, ${r.loadavg.end.map((x) => g(x)).join(', ')} at the end), so times are upper bounds. `
      + `Run ${r.started} to ${r.finished}: \`${r.command}\`.`,
    '',
    `Truth: ${r.truth.structure} (bench/selection/library-truths.ts: ${Object.entries(r.truth.fixed).map(([k, v]) => `${k} ${v}`).join(', ')}; Omega diagonal ${r.truth.omega_diagonal.join(', ')}; `
      + `residual ${Object.entries(r.truth.sigma).map(([k, v]) => `${k} ${v}`).join(', ')}). Trial: ${r.design}. `
      + `Each trial is fitted twice with the structure forced (SAEM seed ${r.fit_seed}; --force so that no fit is dropped): parameter uncertainty from the Fisher information (default) and from the posterior by NUTS `
      + `(${o.chains} chains x (${o.warmup} warm-up + ${o.samples} draws), max tree depth ${o.max_depth}, mass ${o.mass}, subjects' random effects ${o.parametrisation ?? 'non-centred'}); both cards carry ${r.draws} draws (row 0 the SAEM estimate). `
      + `Both answered by \`qusop answer --model\` with ${r.replicates} replicates x ${r.subjects} virtual subjects, seed ${r.answer_seed}: the 95 % interval is the answer's interval of the per-replicate minimal doses. `
      + `True minimal dose from ${r.truth_subjects} virtual subjects of the truth (bench/selection/library-true-dose.ts).`,
    '',
    '| regimen | threshold | true minimal dose | true p there | true p one step below | grid step |',
    '|---|---|---|---|---|---|',
    ...r.true_answers.map((a) => `| ${a.regimen} | trough >= ${a.threshold} ${a.unit} | ${a.dose} mg | ${g(a.p, 4)}${a.close ? ' (close to the target)' : ''} | ${g(a.p_one_step_below, 4)} | ${a.grid_step} mg |`),
    '',
    `## Summary (${r.rows.length} trials)`,
    '',
    '| regimen | draws | covered k/n | coverage (Clopper-Pearson 95 %) | median width (mg) | median width (grid steps) | upper bound past the grid | reaching the true dose or one step below: k/n |',
    '|---|---|---|---|---|---|---|---|',
    ...summary.map((s) => `| ${s.regimen} | ${label[s.method]} | ${s.coverage.k}/${s.coverage.n} | ${pct(s.coverage.k / s.coverage.n)} (${pct(s.coverage.lo)}-${pct(s.coverage.hi)}) | ${g(s.median_width_mg)} | ${g(s.median_width_steps)} | ${s.missing_interval} | ${s.coverage_step_below.k}/${s.coverage_step_below.n} |`),
    '',
    'Coverage is of the true minimal grid dose itself; the last column (a secondary reading, not the coverage) also counts an interval ending one grid step below it, since where the true p one step below sits within Monte Carlo error of the target (table above) the true dose is a near tie between two grid doses.',
    '',
    `Paired width ratio HMC / Fisher (median over trials): ${regimens.map((reg) => { const w = medianWidthRatio(r.rows, reg); return `${reg} ${g(w.median)} (n = ${w.n})`; }).join(', ')}.`,
    '',
    `HMC posteriors flagged (R-hat > 1.05 or divergences over the limit; counted above, not dropped): ${flagged} of ${r.rows.length}. `
      + `Fits with a degeneracy problem (exported by --force): Fisher ${degenerate('fisher')}, HMC ${degenerate('hmc')} (an HMC fit's problems include a flagged posterior). `
      + `HMC sampling wall time: median ${g(sampling[sampling.length >> 1])} s, range ${g(sampling[0])}-${g(sampling[sampling.length - 1])} s.`,
    '',
    '## Per trial',
    '',
    'Cells: mean crossing [95 % interval] covered, width in grid steps (an upper bound past the grid: the 97.5 % quantile of the per-replicate minimal doses is beyond its last dose; such an interval holds every dose from its lower bound up, and its width counts as wider than any).',
    '',
    `| seed | ${regimens.map((reg) => `${reg} Fisher | ${reg} HMC`).join(' | ')} | max R-hat | min bulk / tail ESS | divergences | depth saturated | flagged | fit s (Fisher / HMC; HMC sampling) | answer s (Fisher / HMC) |`,
    `|---|${regimens.map(() => '---|---|').join('')}---|---|---|---|---|---|---|`,
    ...r.rows.map((x) => `| ${x.seed} | ${regimens.map((reg) => `${cellText(x.fisher.cells.find((c) => c.regimen === reg))} | ${cellText(x.hmc.cells.find((c) => c.regimen === reg))}`).join(' | ')} | ${hmcText(x.hmc)} | `
      + `${g(x.fisher.fit_s)} / ${g(x.hmc.fit_s)}; ${g(x.hmc.hmc?.sampling_s)} | ${g(x.fisher.answer_s)} / ${g(x.hmc.answer_s)} |`),
    '',
    ...r.rows.flatMap((x) => [...(['fisher', 'hmc'] as const).flatMap((m) => [
      ...(x[m].degenerate.length > 0 ? [`- seed ${x.seed}, ${m}: degenerate: ${x[m].degenerate.join('; ')}`] : []),
      ...(x[m].answer_error === undefined ? [] : [`- seed ${x.seed}, ${m}: answer failed: ${x[m].answer_error}`]),
    ])]),
    '',
  ].join('\n');
}
