/**
 * What a fit leaves on disk, and the export decision: fit.json (everything the fit returned, its VPC
 * and its degeneracies) and fit-report.md always; the QD/QW cards + ONNX and model.yaml only when the
 * fit is not degenerate or the user forces it (the cards then carry `diagnostics.degenerate`).
 */
import { join } from 'node:path';
import { makeDirectory, writeOutput } from '../../worker/common/fs-error.js';
import { modelFileText } from '../../models/import/write-model-file.js';
import type { FitResult } from '../../models/estimate/fit.js';
import type { VpcResult } from '../../models/estimate/vpc.js';
import type { DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { ALPHA } from './effect-direction.js';
import { exportPopulationModel } from '../../models/export/population-model.js';
import { structureOfFit } from '../../models/structures/structure.js';
import { fitPdUnit } from '../../models/estimate/pd-unit.js';
import type { CandidateScore } from '../../models/estimate/selection.js';
import { PD_STAGE_KEEP, PD_STAGE_MARGIN, type PdStage } from './pd-stage.js';

export interface FitRecord {
  readonly outDir: string;
  readonly trialPath: string;
  readonly dataSha256: string;
  readonly fit: FitResult;
  readonly vpc: VpcResult;
  readonly degenerate: readonly DegeneracyProblem[];
  readonly force: boolean;
  readonly draws: number[][];
  readonly seed: number;
  readonly provenance: { readonly code_version: string; readonly data: unknown } & Readonly<Record<string, unknown>>;
  readonly diagnostics: Readonly<Record<string, unknown>>;
  /** the candidates' scores when several structures were fitted */
  readonly selection?: readonly CandidateScore[];
  /** staged selection's first stage: the PK structures on the concentrations alone (pk-stage.ts) */
  readonly pkStage?: { readonly scores: readonly CandidateScore[]; readonly summary: string };
  /** staged selection's middle step: the PD structures on the biomarker given the individual PK (pd-stage.ts) */
  readonly pdStage?: PdStage;
  /** the biomarker's direction under drug, which chose the default PK/PD candidates (effect-direction.ts) */
  readonly effectDirection?: { readonly direction: string | undefined; readonly falls: number; readonly rises: number; readonly p: number; readonly summary: string };
  /** the trial's IV infusion duration (hours), swept as such where the structure can (models/export/infusion-regimen.ts) */
  readonly infusionH?: number;
  /** `--preselect`: what the learned selector proposed (fit.json `preselect`) and its report section (preselect.ts) */
  readonly preselect?: { readonly record: unknown; readonly markdown: readonly string[] };
  /** a section on the parameter-uncertainty draws when they are not the Fisher information's (--uncertainty hmc) */
  readonly uncertaintyMarkdown?: readonly string[];
}

function pkStageMarkdown(stage: FitRecord['pkStage']): string[] {
  if (stage === undefined) return [];
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  const status = (c: CandidateScore): string => (c.chosen ? '**best**' : !c.converged ? 'not converged' : c.degenerate.length > 0 ? `degenerate: ${c.degenerate.join('; ')}` : 'eligible');
  return [
    '## PK stage (concentrations alone)',
    '',
    `${stage.summary}. A PK/PD candidate is fitted only when its PK fitted to the concentrations alone is converged, non-degenerate and within 10 BIC units of the best such fit.`,
    '',
    '| PK structure | -2LL | k | n | BIC | status |',
    '|---|---|---|---|---|---|',
    ...stage.scores.map((c) => `| ${c.structure} | ${f(c.minus2LL)} | ${c.parameters} | ${c.observations} | ${f(c.bic)} | ${status(c)} |`),
    '',
  ];
}

function pdStageMarkdown(stage: PdStage | undefined): string[] {
  if (stage === undefined) return [];
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  return [
    '## PD stage (biomarker given the individual PK)',
    '',
    `${stage.summary}. Each PD candidate fitted to the biomarker alone with every subject's PK held at its individual estimates from the PK stage (IPP); the candidates within ${PD_STAGE_MARGIN} BIC units of the best, at most ${PD_STAGE_KEEP}, are fitted simultaneously (PK and PD), and only those simultaneous fits are ranked below.`,
    '',
    '| PK/PD structure | PK held from | biomarker -2LL | k | n | BIC | converged | refitted |',
    '|---|---|---|---|---|---|---|---|',
    ...stage.rows.map((r) => `| ${r.structure} | ${r.pk} | ${f(r.minus2LL)} | ${r.parameters} | ${r.observations} | ${f(r.bic)} | ${r.converged} | ${r.kept ? 'yes' : 'no'} |`),
    '',
  ];
}

function selectionMarkdown(selection: readonly CandidateScore[] | undefined): string[] {
  if (selection === undefined) return [];
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  const poorly = (c: CandidateScore): string => (c.poorlyIdentified === undefined ? '' : ` (poorly identified: ${c.poorlyIdentified.join(', ')})`);
  const status = (c: CandidateScore): string => (c.chosen ? `**chosen**${poorly(c)}` : !c.converged ? 'not converged' : c.degenerate.length > 0 ? `degenerate: ${c.degenerate.join('; ')}` : c.poorlyIdentified !== undefined ? `poorly identified: ${c.poorlyIdentified.join(', ')}` : 'eligible');
  return [
    '## Structure selection',
    '',
    'Each candidate fitted to the same data; the lowest BIC among converged, non-degenerate fits is chosen (k estimated parameters, n observations); a fit with a structural parameter\'s RSE above 100 % (poorly identified) only when no other is eligible.',
    '',
    '| structure | -2LL | k | n | AIC | BIC | BIC weight | status |',
    '|---|---|---|---|---|---|---|---|',
    ...selection.map((c) => `| ${c.structure} | ${f(c.minus2LL)} | ${c.parameters} | ${c.observations} | ${f(c.aic)} | ${f(c.bic)} | ${c.weight.toFixed(3)} | ${status(c)} |`),
    '',
  ];
}

function degenerateMarkdown(problems: readonly DegeneracyProblem[], forced: boolean): string[] {
  if (problems.length === 0) return [];
  return [
    '## Degenerate fit',
    '',
    forced
      ? 'Exported anyway because --force was given: the cards carry these problems in `diagnostics.degenerate`, and doses computed from them are not to be trusted.'
      : 'Not exported for sweeping (no cards, ONNX or model.yaml): the data do not support this model as fitted. `--force` exports it anyway.',
    '',
    ...problems.map((p) => `- ${p.message}`),
    '',
  ];
}

/** What a trial of the fitted model covers (the VPC's simulated trials against the others' intervals): the yardstick for the coverage above. */
function nullCoverageText(vpc: VpcResult): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
  const parts = (['pk', 'pd'] as const).flatMap((e) => {
    const c = [...(vpc.nullCoverage?.[e] ?? [])].sort((a, b) => a - b);
    return c.length === 0 ? [] : [`${e.toUpperCase()} median ${f(100 * (c[c.length >> 1] ?? NaN))} %, lowest ${f(100 * (c[0] ?? NaN))} %`];
  });
  return parts.length === 0 ? '' : ` A simulated trial of the fitted model, against the others' intervals, covers: ${parts.join('; ')}.`;
}

function parameterMarkdown(fit: FitResult, vpc: VpcResult, dataSha256: string, trialPath: string, degenerate: readonly DegeneracyProblem[], forced: boolean, selection?: readonly CandidateScore[], stage?: FitRecord['pkStage'], direction?: FitRecord['effectDirection'], preselect?: FitRecord['preselect'], pd?: PdStage): string {
  const f = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? String(Number(x.toPrecision(4))) : x === undefined || x === null ? '—' : String(x));
  const rows = fit.table.map((r) => `| ${r.group} | ${r.key} | ${r.unit} | ${f(r.estimate)} | ${f(r.se)} | ${f(r.rsePercent)} |`);
  const shrink = Object.entries(fit.shrinkage).map(([k, v]) => `${k} ${f(100 * v)} %`).join(', ');
  return [
    `# Population PK/PD fit`,
    '',
    `Data: \`${trialPath}\` (sha256 ${dataSha256}); method: SAEM, -2LL by importance sampling, SEs from the linearised Fisher information; seed ${fit.seed}.`,
    '',
    `-2LL ${f(fit.objective.minus2LL)} (MC s.e. ${f(fit.objective.mcStandardError)}); converged: ${fit.converged}; SAEM iterations ${fit.iterations.burnIn} + ${fit.iterations.explore} + ${fit.iterations.smooth}; ${Math.round(fit.timingsMs.total / 1000)} s.`,
    '',
    `Structure: ${structureOfFit(fit).id} (${structureOfFit(fit).description}).`,
    '',
    // the biomarker is fitted unconverted, in the trial's unit (models/estimate/pd-unit.ts)
    `Units: doses mg, concentrations mg/L${structureOfFit(fit).pd ? `, biomarker ${fitPdUnit(fit)} (as the trial records it, unconverted: a dataset spec's endpoints.biomarker.unit, ng/mL when none is named)` : ''}.`,
    '',
    ...(direction === undefined ? [] : ['## Default candidates', '', `${direction.summary} (exact sign test over subjects, level ${ALPHA}).`, '']),
    ...pkStageMarkdown(stage),
    ...(preselect?.markdown ?? []),
    ...pdStageMarkdown(pd),
    ...selectionMarkdown(selection),
    ...degenerateMarkdown(degenerate, forced),
    '| group | parameter | unit | estimate | SE | RSE % |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Eta shrinkage: ${shrink}.`,
    '',
    `VPC (${vpc.replicates} simulated trials): observed 5th/50th/95th percentiles inside the simulated 90 % intervals: PK ${f(100 * vpc.coverage.pk)} %${Number.isFinite(vpc.coverage.pd) ? `, PD ${f(100 * vpc.coverage.pd)} %` : ' (no biomarker samples: no PD VPC)'}.${nullCoverageText(vpc)}`,
    '',
    ...(fit.notes.length > 0 ? ['Notes:', ...fit.notes.map((n) => `- ${n}`), ''] : []),
    '![goodness of fit](diagnostics/gof.png)',
    '![residuals](diagnostics/residuals.png)',
    '![VPC PK](diagnostics/vpc-pk.png)',
    '![VPC PD](diagnostics/vpc-pd.png)',
    '',
  ].join('\n');
}

/** Writes the record; returns the card paths, or null when the fit is degenerate and not forced. */
export async function writeFitRecord(r: FitRecord): Promise<{ qd: string; qw: string } | null> {
  const exported = r.degenerate.length === 0 || r.force;
  const { fit, vpc, degenerate } = r;
  await makeDirectory(r.outDir);
  await writeOutput(join(r.outDir, 'fit.json'), JSON.stringify({ provenance: r.provenance, fit, vpc, degenerate, ...(r.selection === undefined ? {} : { selection: r.selection }), ...(r.pkStage === undefined ? {} : { pk_stage: r.pkStage.scores }), ...(r.pdStage === undefined ? {} : { pd_stage: r.pdStage.rows }), ...(r.effectDirection === undefined ? {} : { effect_direction: { direction: r.effectDirection.direction ?? null, falls: r.effectDirection.falls, rises: r.effectDirection.rises, p: r.effectDirection.p } }), ...(r.preselect === undefined ? {} : { preselect: r.preselect.record }) }, null, 2) + '\n');
  await writeOutput(join(r.outDir, 'fit-report.md'), parameterMarkdown(fit, vpc, r.dataSha256, r.trialPath, degenerate, exported, r.selection, r.pkStage, r.effectDirection, r.preselect, r.pdStage) + (r.uncertaintyMarkdown === undefined ? '' : `\n${r.uncertaintyMarkdown.join('\n')}`));
  if (!exported) return null;
  // named on the cards only when forced: a sound fit's cards keep their bytes
  const diagnostics = degenerate.length === 0 ? r.diagnostics : { ...r.diagnostics, degenerate };
  const cards = await exportPopulationModel(fit.population, r.draws, r.outDir, r.provenance, diagnostics, structureOfFit(fit), r.infusionH, fitPdUnit(fit));
  // the same model as a file other tools can read and `qusop model import` turns back into these cards' draws
  // (a direct-effect structure has no name in the model file format yet: no model.yaml rather than a wrong one)
  // (nor for posterior draws: the file format regenerates draws from the covariance, which would not be these cards')
  const model = r.uncertaintyMarkdown !== undefined ? null : modelFileText(fit, { draws: r.draws.length, seed: r.seed, source: { tool: 'qusop fit', code_version: r.provenance.code_version, data: r.provenance.data }, ...(r.infusionH === undefined ? {} : { infusionH: r.infusionH }) });
  if (model !== null) await writeOutput(join(r.outDir, 'model.yaml'), model);
  return cards;
}
