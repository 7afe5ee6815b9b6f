/**
 * A trial as the selector reads it: per subject one token per dose and per concentration sample, in
 * time order, each token (sinusoidal encoding of the time, dose flag and log dose, sample flag and
 * standardised log concentration, log time after the last dose); padded to the longest subject with a
 * token mask. A sample that is missing for the model (BLQ, not positive) keeps its token with its value
 * masked (flag 0), so the time is still seen. The subjects read are a fixed, evenly spread subset of
 * the design's subjects with samples (SUBJECTS_READ), the same for the real trial and every trial
 * simulated with its design. The design (doses, times, covariates; not the measured values) has a
 * sha256 that the weights record: weights trained for one design are not used on another.
 */
import { createHash } from 'node:crypto';
import type { Subject, Trial } from '../ingest/trial.js';

/** Periods (h) of the sinusoidal time encoding: 1 h to ~2 weeks, doubling. */
export const TIME_PERIODS_H = [1, 4, 16, 64, 256, 1024] as const;
export const FEATURES = 2 * TIME_PERIODS_H.length + 5;
/** Subjects of a trial the selector reads (pooled over), at most. */
export const SUBJECTS_READ = 4;

export interface Normalisation {
  /** mean and sd of log concentration (mg/L) over the design trial's positive samples */
  readonly logConcMean: number;
  readonly logConcSd: number;
  /** the reference dose (mg): the median of the design's doses */
  readonly doseRefMg: number;
}

export interface TrialTokens {
  /** [subjects, tokens, FEATURES] row-major */
  readonly x: Float32Array;
  /** [subjects, tokens]: 1 = a token, 0 = padding */
  readonly mask: Float32Array;
  readonly subjects: number;
  readonly tokens: number;
}

/** The subjects read: those with concentration samples and doses, SUBJECTS_READ of them evenly spread. */
export function subjectsRead(design: Trial): number[] {
  const usable = design.subjects.flatMap((s, i) => (s.pk.length > 0 && s.doses.length > 0 ? [i] : []));
  if (usable.length <= SUBJECTS_READ) return usable;
  return Array.from({ length: SUBJECTS_READ }, (_, k) => usable[Math.floor((k * usable.length) / SUBJECTS_READ)]!);
}

export function normalisation(design: Trial): Normalisation {
  const logs = design.subjects.flatMap((s) => s.pk.filter((o) => o.blq !== true && o.dv > 0).map((o) => Math.log(o.dv)));
  const mean = logs.reduce((a, b) => a + b, 0) / Math.max(logs.length, 1);
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(logs.length - 1, 1));
  const doses = design.subjects.flatMap((s) => s.doses.map((d) => d.amtMg)).filter((a) => a > 0).sort((a, b) => a - b);
  return { logConcMean: mean, logConcSd: sd > 0 ? sd : 1, doseRefMg: doses[Math.floor(doses.length / 2)] ?? 1 };
}

/** The design's identity: every subject read's covariates, doses and sampling times (values excluded). */
export function designSha256(design: Trial): string {
  const h = createHash('sha256');
  for (const i of subjectsRead(design)) {
    const s = design.subjects[i]!;
    h.update(JSON.stringify([s.bwKg, s.comed, s.doses.map((d) => [d.timeH, d.amtMg, d.route ?? 'depot', d.durationH ?? 0]), s.pk.map((o) => [o.timeH, o.lloq ?? null])]));
  }
  return h.digest('hex');
}

interface Token { readonly t: number; readonly dose?: number; readonly conc?: number | null }

function subjectTokens(s: Subject): Token[] {
  const doses: Token[] = s.doses.map((d) => ({ t: d.timeH, dose: d.amtMg }));
  const samples: Token[] = s.pk.map((o) => ({ t: o.timeH, conc: o.blq === true || !(o.dv > 0) ? null : o.dv }));
  // doses before samples at the same time (a pre-dose sample is recorded after its dose row in NONMEM order, but is pre-dose)
  return [...doses, ...samples].sort((a, b) => a.t - b.t || (a.dose === undefined ? 1 : 0) - (b.dose === undefined ? 1 : 0));
}

/** The tokens of the subjects read of `trial` (a trial of the design the normalisation came from). */
export function trialTokens(trial: Trial, rows: readonly number[], n: Normalisation): TrialTokens {
  const per = rows.map((i) => subjectTokens(trial.subjects[i]!));
  const tokens = Math.max(1, ...per.map((p) => p.length));
  const x = new Float32Array(rows.length * tokens * FEATURES);
  const mask = new Float32Array(rows.length * tokens);
  per.forEach((list, s) => {
    let lastDose = -Infinity;
    list.forEach((tok, k) => {
      if (tok.dose !== undefined) lastDose = tok.t;
      const at = (s * tokens + k) * FEATURES;
      TIME_PERIODS_H.forEach((p, j) => {
        x[at + 2 * j] = Math.sin((2 * Math.PI * tok.t) / p);
        x[at + 2 * j + 1] = Math.cos((2 * Math.PI * tok.t) / p);
      });
      const f = at + 2 * TIME_PERIODS_H.length;
      if (tok.dose !== undefined) {
        x[f] = 1;
        x[f + 1] = Math.log1p(tok.dose / n.doseRefMg);
      } else if (tok.conc !== null && tok.conc !== undefined) {
        x[f + 2] = 1;
        x[f + 3] = (Math.log(tok.conc) - n.logConcMean) / n.logConcSd;
      }
      x[f + 4] = Number.isFinite(lastDose) ? Math.log1p(tok.t - lastDose) / 5 : -1;
      mask[s * tokens + k] = 1;
    });
  });
  return { x, mask, subjects: rows.length, tokens };
}
