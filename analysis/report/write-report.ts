/** Writes the report files into the answer directory: report.html, plots/*.svg|png, calibration.svg|png, and summary.md on request. */
import { writeOutput } from '../../worker/common/fs-error.js';
import { join } from 'node:path';
import { isSkipped } from '../calibration/calibration-check.js';
import { CALIBRATION_PLOT_STEM, calibrationPlotSpec } from './calibration.js';
import { renderSvg, scopeSvgIds, svgToPng } from '../plots.js';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { renderCurveFigures } from './curve-figures.js';
import { reportHtml } from './html.js';
import type { ReportInput } from './input.js';
import { reportMarkdown } from './markdown.js';

export const REPORT_HTML = 'report.html';
export const SUMMARY_MD = 'summary.md';
export const PLOTS_DIR = 'plots';

export interface WrittenReport {
  readonly html: string;
  readonly plots: readonly string[];
  readonly markdown?: { readonly path: string; readonly text: string };
}

export async function writeReport(dir: string, input: ReportInput, opts: { markdown: boolean }): Promise<WrittenReport> {
  const plotsDir = join(dir, PLOTS_DIR);
  const figures = await renderCurveFigures(input.run, plotsDir);
  const plots = figures.flatMap((f) => [join(plotsDir, `${f.stem}.svg`), join(plotsDir, `${f.stem}.png`)]);
  let calibrationSvg: string | undefined;
  if (input.calibration !== undefined && !isSkipped(input.calibration)) {
    calibrationSvg = await renderSvg(calibrationPlotSpec(input.calibration));
    // beside calibration.json, not in plots/ (which holds the dose–success figures, one per question cell)
    const stem = join(dir, CALIBRATION_PLOT_STEM);
    await writeOutput(`${stem}.svg`, calibrationSvg);
    await writeOutput(`${stem}.png`, svgToPng(calibrationSvg));
    plots.push(`${stem}.svg`, `${stem}.png`);
  }
  const html = join(dir, REPORT_HTML);
  await writeFileAtomic(html, await reportHtml(input, figures, calibrationSvg === undefined ? undefined : scopeSvgIds(calibrationSvg, 'cal')));
  if (!opts.markdown) return { html, plots };
  const text = reportMarkdown(input);
  const path = join(dir, SUMMARY_MD);
  await writeFileAtomic(path, text);
  return { html, plots, markdown: { path, text } };
}
