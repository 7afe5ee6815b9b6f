/**
 * `qusop answer --average`'s page: model-average.html, self-contained (inline SVG), with the averaged
 * answers beside each credible structure's, which structure carries each decision and why, and the
 * curves of the structures and their average side by side (the same figures as plots/average-*.svg).
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeOutput } from '../../worker/common/fs-error.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import type { AveragedAnswer } from '../answer/model-average.js';
import { esc, interval, mg, REPORT_CSS, section, table } from './html-kit.js';

export interface ModelAveragePage {
  readonly answers: readonly AveragedAnswer[];
  readonly minWeight: number;
  readonly trial: { readonly path: string; readonly sha256: string };
  readonly runId: string;
  /** the PNG figures writeModelAverage wrote (their SVG twins are inlined) */
  readonly figures: readonly string[];
}

export function modelAverageHtml(page: ModelAveragePage, svgs: readonly { readonly name: string; readonly svg: string }[]): string {
  const structures = page.answers[0]?.structures ?? [];
  const weights = table(['structure', 'weight', 'replicates'], structures.map((s) => [s.structure, s.weight.toFixed(3), s.replicates]), { caption: 'Credible structures: renormalised BIC weights and the replicates allotted to each' });
  const answers = table(
    ['question', 'population', 'regimen', 'target', ...structures.map((s) => s.structure), 'average', 'average interval', 'carried by'],
    page.answers.map((x) => [x.question, x.population, x.regimen, percentLabel(x.target), ...x.structures.map((s) => mg(s.dose)), { html: `<strong>${esc(mg(x.average.dose))}</strong>` }, interval(x.average.interval), { html: `${esc(x.carried_by)}<br><small>${esc(x.carried_because)}</small>` }]),
  );
  const figures = svgs.map((f) => `<figure>${f.svg}<figcaption>${esc(f.name)}</figcaption></figure>`).join('\n');
  const body = [
    '<h1>Doses averaged over the credible structures</h1>',
    `<p>Trial <code>${esc(basename(page.trial.path))}</code> (sha256 ${esc(page.trial.sha256.slice(0, 16))}…), run ${esc(page.runId)}. Credible: converged, non-degenerate, BIC weight &ge; ${page.minWeight}. Each replicate is a parameter draw of the structure it is allotted to, on the same virtual subjects, so the average's interval carries structural uncertainty.</p>`,
    section('weights', 'Structures', weights),
    section('answers', 'Answers', answers, 'The conservative dose of each structure and of the average (the smallest grid dose whose lower band reaches the target); "carried by" names the structure whose replicates hold most of the average\'s shortfall just below its dose.'),
    section('curves', 'Curves side by side', figures),
  ].join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>qusop answer --average</title><style>${REPORT_CSS}</style></head><body><main>\n${body}\n</main></body></html>\n`;
}

/** Writes DIR/model-average.html; returns its path. */
export async function writeModelAverageHtml(outDir: string, page: ModelAveragePage): Promise<string> {
  const svgs = await Promise.all(page.figures.filter((f) => f.endsWith('.png')).map(async (png) => ({ name: basename(png, '.png'), svg: await readFile(png.replace(/\.png$/, '.svg'), 'utf8') })));
  const path = join(outDir, 'model-average.html');
  await writeOutput(path, modelAverageHtml(page, svgs));
  return path;
}
