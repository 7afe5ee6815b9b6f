/**
 * `qusop fit --uncertainty hmc`: the chosen candidate's parameter-uncertainty draws from the posterior
 * by NUTS (models/estimate/hmc/) instead of N(estimate, inverse Fisher information). Row 0 of the
 * draws stays the SAEM point estimate (the one the fit's tables and figures show); rows 1.. are
 * posterior draws taken evenly from the pooled chains, so replicate r uses posterior draw r. A
 * posterior whose R-hat or divergences fail the limits (fit-posterior.ts) is a 'posterior' problem of
 * the fit: not exported unless --force, and then named on the cards like any degenerate fit (so
 * `qusop answer` puts the caveat in every answer of it).
 */
import { join } from 'node:path';
import type { Trial } from '../../models/ingest/trial.js';
import { packTheta } from '../../models/structures/parameters.js';
import type { DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { DIVERGENCE_LIMIT, RHAT_LIMIT, samplePosterior, type PosteriorSummary } from '../../models/estimate/hmc/fit-posterior.js';
import { HMC_DEFAULTS, type HmcOptions } from '../../models/estimate/hmc/chains.js';
import { makeDirectory, writeOutput } from '../../worker/common/fs-error.js';
import { renderSvg, svgToPng } from '../plots.js';
import { traceSpec } from './figures.js';
import type { CandidateFit } from './candidate-fit.js';

export type UncertaintySource = 'fisher' | 'hmc';
export const UNCERTAINTY_SOURCES: readonly UncertaintySource[] = ['fisher', 'hmc'];

export interface HmcUncertainty {
  readonly draws: number[][];
  readonly problems: DegeneracyProblem[];
  readonly summary: PosteriorSummary;
  /** for the card's provenance.uncertainty */
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly markdown: readonly string[];
  readonly figure: string;
}

const g = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : '—');

function markdown(s: PosteriorSummary, flagged: boolean): string[] {
  const o = s.options;
  return [
    '## Parameter uncertainty: posterior by NUTS (--uncertainty hmc)',
    '',
    `${o.chains} chains x (${o.warmup} warm-up + ${o.samples} draws), seed ${o.seed}, max tree depth ${o.maxDepth}, mass ${o.mass === 'resample' ? 'diagonal, resampled every transition (QDose D-QHMC)' : 'diagonal, adapted'}, parametrisation ${o.parametrisation ?? HMC_DEFAULTS.parametrisation}; ${Math.round(s.wallMs / 1000)} s, ${s.modelEvaluations} model evaluations, min bulk ESS ${g(s.essPerSecond)} per second. Prior: ${s.prior}. Card draws: row 0 the SAEM estimate, rows 1.. posterior draws.`,
    '',
    `Max R-hat ${g(s.maxRhat)} (limit ${RHAT_LIMIT}; subjects' random effects: ${g(s.maxRhatRandomEffects)}), min bulk ESS ${g(s.minEssBulk)}, min tail ESS ${g(s.minEssTail)}, divergences ${s.divergences} of ${s.transitions} (limit ${100 * DIVERGENCE_LIMIT} %), tree depth saturated ${s.saturated} times, step sizes ${s.stepSizes.map(g).join(', ')}.`,
    '',
    ...(flagged ? ['**Posterior flagged** (not a usable posterior):', ...s.flags.map((f) => `- ${f}`), ''] : []),
    '| parameter (sampled scale) | mean | sd | 5 % | median | 95 % | R-hat | bulk ESS | tail ESS |',
    '|---|---|---|---|---|---|---|---|---|',
    ...s.parameters.map((p) => `| ${p.name} | ${g(p.mean)} | ${g(p.sd)} | ${g(p.q05)} | ${g(p.q50)} | ${g(p.q95)} | ${g(p.rhat)} | ${g(p.essBulk)} | ${g(p.essTail)} |`),
    '',
    'Values on the natural scale (omega_* as sds of the random effects on the estimation scale); the trace plot shows the sampled (estimation) scale.',
    '',
    '![HMC traces](diagnostics/hmc-trace.png)',
    '',
  ];
}

/** Posterior draws for the candidate's cards (`count` rows, row 0 the point estimate); seeded. */
export async function hmcUncertainty(trial: Trial, picked: CandidateFit, count: number, o: HmcOptions, diagDir: string, say: (line: string) => void): Promise<HmcUncertainty> {
  say(`${picked.structure.id}: posterior by NUTS: ${o.chains} chains x (${o.warmup} warm-up + ${o.samples} draws)`);
  const post = samplePosterior(trial, picked.fit, picked.structure, o);
  const s = post.summary;
  const pool = post.draws;
  const draws = [packTheta(picked.fit.population, picked.structure)];
  for (let r = 1; r < count; r += 1) draws.push(packTheta(pool[Math.floor(((r - 1) * pool.length) / Math.max(count - 1, 1)) % pool.length]!, picked.structure));
  const problems: DegeneracyProblem[] = s.flags.map((message) => ({ kind: 'posterior', parameter: message.startsWith('R-hat') ? 'R-hat' : 'divergences', value: message.startsWith('R-hat') ? s.maxRhat : s.divergences / s.transitions, message: `posterior by HMC: ${message}` }));
  say(`${picked.structure.id}: HMC done in ${Math.round(s.wallMs / 1000)} s: max R-hat ${g(s.maxRhat)}, min bulk ESS ${g(s.minEssBulk)}, divergences ${s.divergences}/${s.transitions}${s.flags.length > 0 ? ' (flagged)' : ''}`);
  await makeDirectory(diagDir);
  await writeOutput(join(diagDir, 'hmc-trace.png'), svgToPng(await renderSvg(traceSpec(post.traces))));
  const provenance = {
    source: 'hmc',
    draws: draws.length,
    method: 'posterior by NUTS (multinomial, diagonal metric, dual-averaged step size) over the population parameters and the random effects of each subject (centred or non-centred per effect, as the prior says); row 0 = SAEM point estimate, rows 1.. posterior draws',
    prior: s.prior,
    options: { chains: o.chains, warmup: o.warmup, samples: o.samples, max_depth: o.maxDepth, mass: o.mass, parametrisation: o.parametrisation ?? HMC_DEFAULTS.parametrisation, seed: o.seed },
    diagnostics: { max_rhat: s.maxRhat, min_ess_bulk: s.minEssBulk, min_ess_tail: s.minEssTail, divergences: s.divergences, transitions: s.transitions, tree_depth_saturated: s.saturated, flagged: s.flags.length > 0, flags: s.flags },
  };
  return { draws, problems, summary: s, provenance, markdown: markdown(s, s.flags.length > 0), figure: 'diagnostics/hmc-trace.png' };
}
