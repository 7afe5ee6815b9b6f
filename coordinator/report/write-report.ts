/** Writes the report files into the answer directory: report.html, plots/*.svg|png, and summary.md on request. */
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';
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
  const html = join(dir, REPORT_HTML);
  await writeFileAtomic(html, await reportHtml(input, figures));
  const plots = figures.flatMap((f) => [join(plotsDir, `${f.stem}.svg`), join(plotsDir, `${f.stem}.png`)]);
  if (!opts.markdown) return { html, plots };
  const text = reportMarkdown(input);
  const path = join(dir, SUMMARY_MD);
  await writeFileAtomic(path, text);
  return { html, plots, markdown: { path, text } };
}
