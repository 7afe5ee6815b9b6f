/**
 * One dose–success figure per (population, regimen), every model's curve in it: SVG for the page,
 * SVG + PNG files in DIR/plots/ (`<population>-<regimen>.svg|png`).
 */
import { writeOutput, makeDirectory } from '../../worker/common/fs-error.js';
import { join } from 'node:path';
import type { AnswerRun } from '../answer/orchestrate.js';
import { POPULATION_SHORT, POPULATIONS, REGIMEN_TEXT, REGIMENS, questionFor, type PopulationName, type RegimenName } from '../answer/questions.js';
import { curvePlotSpec, renderSvg, svgToPng, type CurvePlot } from '../plots.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import { modelsPdUnit } from '../answer/threshold-units.js';

export interface CurveFigure {
  readonly population: PopulationName;
  readonly regimen: RegimenName;
  readonly stem: string;
  readonly plot: CurvePlot;
  readonly svg: string;
}

export function curvePlots(run: Pick<AnswerRun, 'cells' | 'plan'>): { population: PopulationName; regimen: RegimenName; plot: CurvePlot }[] {
  const out: { population: PopulationName; regimen: RegimenName; plot: CurvePlot }[] = [];
  for (const population of POPULATIONS) {
    for (const regimen of REGIMENS) {
      const cells = run.cells.filter((c) => c.population === population && c.regimen === regimen);
      const first = cells[0];
      if (first === undefined) continue;
      const questions = [...new Set(run.plan.targets.map((t) => questionFor(population, regimen, t)).filter((q) => q !== undefined))];
      const [bw = '', ...rest] = first.populationLabel.split('; ');
      const band = first.decisions[0]?.band;
      const r = REGIMEN_TEXT[regimen];
      out.push({
        population,
        regimen,
        plot: {
          title: `${questions.map((q) => `Q${q}`).join(' & ')} · ${POPULATION_SHORT[population]} · ${r.label}`,
          subtitle: [bw, rest.join('; ')].filter((s) => s !== ''),
          xTitle: `dose (mg, ${r.label.replace(/ \(.*\)/, '')})`,
          yTitle: `P(max PD ≤ ${run.plan.thresholdNgMl} ${modelsPdUnit(run.plan.models)} over ${r.tauH} h)`,
          targets: run.plan.targets,
          bandLabel: band === undefined ? 'band' : `${percentLabel(band.level)} ${band.method === 'clopper-pearson' ? 'Clopper–Pearson' : band.method}`,
          series: cells.map((c) => ({ model: c.model.label, curve: c.curve, doses: c.decisions.map((d) => ({ target: d.target, dose: d.conservative })) })),
        },
      });
    }
  }
  return out;
}

/** Renders every figure; with `plotsDir`, also writes its SVG and PNG there. */
export async function renderCurveFigures(run: Pick<AnswerRun, 'cells' | 'plan'>, plotsDir?: string): Promise<CurveFigure[]> {
  if (plotsDir !== undefined) await makeDirectory(plotsDir);
  const out: CurveFigure[] = [];
  for (const p of curvePlots(run)) {
    const stem = `${p.population}-${p.regimen}`;
    const svg = await renderSvg(curvePlotSpec(p.plot));
    if (plotsDir !== undefined) {
      await writeOutput(join(plotsDir, `${stem}.svg`), svg);
      await writeOutput(join(plotsDir, `${stem}.png`), svgToPng(svg));
    }
    out.push({ ...p, stem, svg });
  }
  return out;
}
