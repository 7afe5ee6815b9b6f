/**
 * `qusop answer --average` (issue 18 §3): doses averaged over the credible structures. The trial is
 * fitted with every candidate structure; each converged, non-degenerate one whose BIC weight is at
 * least `minWeight` (the chosen one always) is exported (analysis/fit/credible-export.ts) and swept on
 * the same virtual subjects, and each scenario regimen gets a model average whose replicates are
 * allotted to the structures by weight (coordinator/scenario/model-average.ts: largest remainder,
 * consecutive blocks; in the compiled scenario, so in the run id). The average's curve, band and doses
 * come from the same aggregator as any regimen's. Here: the fit, and what the answer says about it
 * (model-average.json, model-average.md, plots/average-*.png with the structures' curves side by side).
 */
import { join } from 'node:path';
import { writeOutput, makeDirectory } from '../../worker/common/fs-error.js';
import { DegenerateFitError } from '../../worker/common/errors.js';
import type { CurveRow } from '../../coordinator/aggregate/curves.js';
import type { Decision } from '../../coordinator/aggregate/decisions.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import { degeneracySummary } from '../../models/estimate/degeneracy.js';
import type { FitProgress } from '../../models/estimate/fit.js';
import type { Structure } from '../../models/structures/structure.js';
import { fitTrial } from '../fit/fit-trial.js';
import type { CredibleCards } from '../fit/credible-export.js';
import { curvePlotSpec, renderSvg, svgToPng } from '../plots.js';
import { loadAnswerModels, type AnswerModel } from './models.js';
import { AVERAGE_LABEL, averageName, regimenName, scenarioNames } from './custom-questions.js';
import type { QuestionGroup } from './questions-file.js';
import type { RoundResult } from './orchestrate.js';

/** Credible: BIC weight >= 1 % (the issue's example). */
export const DEFAULT_MIN_WEIGHT = 0.01;

export interface CredibleModels {
  /** labelled by structure id, the chosen structure first */
  readonly models: readonly AnswerModel[];
  /** renormalised BIC weights, in models' order */
  readonly weights: readonly number[];
  readonly credible: readonly CredibleCards[];
}

export interface CredibleFitOptions {
  readonly seed: number;
  readonly draws: number;
  readonly outDir: string;
  readonly minWeight: number;
  readonly dataSpec?: string;
  readonly structures?: readonly Structure[];
  readonly parallel?: number;
  readonly progress?: (p: FitProgress) => void;
  readonly say?: (line: string) => void;
}

/** Fits the candidates and exports the credible ones; DegenerateFitError when no candidate is fit for sweeping. */
export async function fitCredibleModels(trialPath: string, o: CredibleFitOptions): Promise<CredibleModels> {
  const r = await fitTrial(trialPath, {
    seed: o.seed, draws: o.draws, vpcReplicates: 100, outDir: o.outDir, madeBy: 'qusop answer --average (fitted to the trial; every credible structure exported)',
    credible: { minWeight: o.minWeight },
    ...(o.progress === undefined ? {} : { progress: o.progress }),
    ...(o.dataSpec === undefined ? {} : { dataSpec: o.dataSpec }),
    ...(o.structures === undefined ? {} : { structures: o.structures }),
    ...(o.parallel === undefined ? {} : { parallel: o.parallel }),
    ...(o.say === undefined ? {} : { say: o.say }),
  });
  if (r.cards === null || r.credible === undefined || r.credible.length === 0) {
    throw new DegenerateFitError(`degenerate fit to ${trialPath}: ${degeneracySummary(r.degenerate)}. No run started; the fit is recorded in ${join(o.outDir, 'fit-report.md')}`, { details: { file: trialPath, problems: r.degenerate } });
  }
  const models: AnswerModel[] = [];
  for (const c of r.credible) {
    const [model] = await loadAnswerModels([c.cards.qd, c.cards.qw]);
    models.push({ ...model!, label: c.structure });
  }
  o.say?.(`model averaging over ${r.credible.map((c) => `${c.structure} (weight ${c.weight.toFixed(3)})`).join(', ')}${r.credible.length === 1 ? ': one credible structure, the average is its answer' : ''}`);
  return { models, weights: r.credible.map((c) => c.weight), credible: r.credible };
}

/** One averaged answer with the structures' answers beside it. */
export interface AveragedAnswer {
  readonly question: string;
  readonly population: string;
  readonly regimen: string;
  readonly target: number;
  readonly average: { readonly dose: number | null; readonly mean_crossing: number | null; readonly interval: readonly [number | null, number | null]; readonly flags: readonly string[] };
  readonly structures: readonly { readonly structure: string; readonly weight: number; readonly replicates: number; readonly dose: number | null; readonly mean_crossing: number | null; readonly interval: readonly [number | null, number | null] }[];
  /** the structure whose allotted replicates hold most of the non-attaining subjects at the dose below the average's (see carrier) */
  readonly carried_by: string;
  readonly carried_because: string;
}

interface Member { readonly structure: string; readonly replicates: number; readonly curve: readonly CurveRow[] }

/**
 * Which structure carries the averaged decision: at d-, the highest grid dose below the averaged
 * conservative dose (the top of the grid when it is never reached), the average falls short because
 * of its non-attaining subjects; a member's expected share of them is n_m (1 - p_m(d-)), n_m its
 * allotted replicates and p_m its own curve. The largest share carries it; when the first grid dose
 * already attains, nothing holds the dose up and the heaviest member is named.
 */
export function carrier(dose: number | null, members: readonly Member[]): { structure: string; because: string } {
  const grid = members[0]?.curve.map((c) => c.dose) ?? [];
  const at = dose === null ? grid.length : grid.indexOf(dose);
  const heaviest = members.reduce((b, m) => (m.replicates > b.replicates ? m : b), members[0]!);
  if (at <= 0) return { structure: heaviest.structure, because: 'the lowest grid dose already attains the target: the structure with the most replicates' };
  const below = grid[at - 1]!;
  const shares = members.map((m) => ({ m, share: m.replicates * (1 - (m.curve[at - 1]?.p_hat ?? 0)) }));
  const top = shares.reduce((b, s) => (s.share > b.share ? s : b), shares[0]!);
  const total = shares.reduce((s, x) => s + x.share, 0);
  return { structure: top.m.structure, because: `at ${below} mg it holds ${total > 0 ? Math.round((100 * top.share) / total) : 0} % of the expected non-attaining subjects of the average (replicates x (1 - p))` };
}

export function averagedAnswers(groups: readonly QuestionGroup[], models: readonly AnswerModel[], result: RoundResult): AveragedAnswer[] {
  const names = scenarioNames(groups);
  const out: AveragedAnswer[] = [];
  groups.forEach((g, i) => {
    const scenario = names[i]!;
    const spec = result.spec.scenarios.find((s) => s.name === scenario);
    for (const r of g.regimens) {
      const avg = spec?.averages?.find((x) => x.name === averageName(r.name));
      if (avg === undefined) continue;
      const decision = (regimen: string, target: number): Decision | undefined => result.decisions.find((d) => d.scenario === scenario && d.regimen === regimen && d.target === target);
      const members = models.map((m) => {
        const regimen = regimenName(r.name, m, models);
        const spec = avg.members.find((x) => x.regimen === regimen);
        return { structure: m.label, regimen, weight: spec?.weight ?? 0, replicates: spec?.replicates ?? 0, curve: result.curves.filter((c) => c.scenario === scenario && c.regimen === regimen) };
      });
      for (const target of g.targets) {
        const d = decision(avg.name, target);
        if (d === undefined) continue;
        const c = carrier(d.conservative, members.filter((m) => m.replicates > 0));
        for (const question of g.questionsOf.get(`${r.name}@${target}`) ?? []) {
          out.push({
            question, population: g.population.name, regimen: r.name, target,
            average: { dose: d.conservative, mean_crossing: d.mean_crossing, interval: [d.replicate_lo, d.replicate_hi], flags: d.flags },
            structures: members.map((m) => {
              const own = decision(m.regimen, target);
              return { structure: m.structure, weight: m.weight, replicates: m.replicates, dose: own?.conservative ?? null, mean_crossing: own?.mean_crossing ?? null, interval: [own?.replicate_lo ?? null, own?.replicate_hi ?? null] };
            }),
            carried_by: c.structure,
            carried_because: c.because,
          });
        }
      }
    }
  });
  return out;
}

/** model-average.json, model-average.md and plots/average-<scenario>-<regimen>.{svg,png}; returns the paths. */
export async function writeModelAverage(outDir: string, a: { readonly minWeight: number; readonly credible: readonly CredibleCards[]; readonly models: readonly AnswerModel[]; readonly result: RoundResult; readonly answers: readonly AveragedAnswer[] }): Promise<string[]> {
  const { result, models } = a;
  const plotsDir = join(outDir, 'plots');
  await makeDirectory(plotsDir);
  const written: string[] = [];
  for (const sc of result.spec.scenarios) {
    for (const avg of sc.averages ?? []) {
      const series = [...avg.members.map((m, k) => ({ model: `${models[k]?.label ?? m.regimen} (w ${m.weight.toFixed(2)}, ${m.replicates} rep.)`, regimen: m.regimen })), { model: AVERAGE_LABEL, regimen: avg.name }].map((s) => {
        const curve = result.curves.filter((c) => c.scenario === sc.name && c.regimen === s.regimen);
        const doses = result.decisions.filter((d: Decision) => d.scenario === sc.name && d.regimen === s.regimen).map((d) => ({ target: d.target, dose: d.conservative }));
        return { model: s.model, curve, doses };
      });
      const band = result.decisions.find((d) => d.scenario === sc.name && d.regimen === avg.name)?.band;
      const svg = await renderSvg(curvePlotSpec({
        title: `${sc.name} · ${avg.name}: the credible structures and their average`,
        subtitle: [sc.populationLabel],
        xTitle: 'dose (mg)',
        yTitle: 'P(success)',
        targets: sc.targets,
        bandLabel: band === undefined ? 'band' : `${percentLabel(band.level)} ${band.method}`,
        series,
      }));
      const stem = `average-${sc.name}-${avg.name}`;
      await writeOutput(join(plotsDir, `${stem}.svg`), svg);
      await writeOutput(join(plotsDir, `${stem}.png`), svgToPng(svg));
      written.push(join(plotsDir, `${stem}.png`));
    }
  }
  const json = join(outDir, 'model-average.json');
  const weights = a.credible.map((c) => ({ structure: c.structure, weight: c.weight, bic_weight: c.bicWeight, cards: c.cards }));
  const allotment = 'largest-remainder apportionment of R by weight; member k takes the next n_k replicates in order (coordinator/scenario/model-average.ts)';
  await writeOutput(json, `${JSON.stringify({ min_weight: a.minWeight, weights, allotment, run_id: result.runId, answers: a.answers }, null, 2)}\n`);
  const md = join(outDir, 'model-average.md');
  await writeOutput(md, averageMarkdown(a.answers, a.minWeight));
  return [json, md, ...written];
}

const mg = (x: number | null): string => (x === null ? '—' : `${x} mg`);

export function averageMarkdown(answers: readonly AveragedAnswer[], minWeight: number): string {
  const structures = answers[0]?.structures.map((s) => s.structure) ?? [];
  const lines = [
    '# Doses averaged over the credible structures',
    '',
    `Credible: converged, non-degenerate, BIC weight >= ${minWeight}. Replicates are allotted to the structures by weight; each replicate is a parameter draw of its structure on the same virtual subjects.`,
    '',
    `| question | population | regimen | target | ${structures.map((s) => `${s} (weight, replicates)`).join(' | ')} | average | interval | carried by |`,
    `|---|---|---|---|${structures.map(() => '---|').join('')}---|---|---|`,
    ...answers.map((x) => `| ${x.question} | ${x.population} | ${x.regimen} | ${percentLabel(x.target)} | ${x.structures.map((s) => `${mg(s.dose)} (${s.weight.toFixed(3)}, ${s.replicates})`).join(' | ')} | ${mg(x.average.dose)} | [${mg(x.average.interval[0])}, ${mg(x.average.interval[1])}] | ${x.carried_by} |`),
    '',
  ];
  return lines.join('\n');
}
