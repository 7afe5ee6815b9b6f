/**
 * The caveat an answer carries when R is too small for what it states. The interval (2.5 / 97.5 %
 * quantiles of the per-replicate minimal dose) and a replicate-quantile band are read from R
 * replicate values, so they can be no wider than the range of those R values; the range of R draws
 * covers a new draw with probability (R - 1) / (R + 1). Below R = (1 + L) / (1 - L) (39 for L = 95 %)
 * the stated level L is therefore out of reach, and the answer says so (flag `few-replicates` and a
 * sentence in its statement) instead of stating a dose as if its band were what it claims.
 */
import type { Answer } from './answers.js';

/** Interval level of `interval` in answers.json (2.5 % to 97.5 %). */
const INTERVAL_LEVEL = 0.95;

export const FEW_REPLICATES = 'few-replicates';

/** The smallest R whose range can cover a new replicate with probability >= level. */
export function minReplicatesFor(level: number): number {
  return Math.ceil((1 + level) / (1 - level) - 1e-9);
}

/** Coverage the range of R replicate values can have at most: (R - 1) / (R + 1). */
export const rangeCoverage = (replicates: number): number => (replicates - 1) / (replicates + 1);

export function withReplicateCaveat(answer: Answer, replicates: number): Answer {
  const levels = [INTERVAL_LEVEL, ...(answer.band.method === 'replicate-quantile' ? [answer.band.level] : [])];
  const needed = Math.max(...levels.map(minReplicatesFor));
  if (replicates >= needed) return answer;
  const what = answer.band.method === 'replicate-quantile' ? `the ${Math.round(answer.band.level * 100)} % band and the interval are read from ${replicates} values and cover` : `the interval is read from ${replicates} values and covers`;
  const caveat = `Caveat: with R = ${replicates} replicates ${what} at most ${Math.round(rangeCoverage(replicates) * 100)} %, not ${Math.round(Math.max(...levels) * 100)} %; use --replicates ${needed} or more.`;
  return { ...answer, flags: [...answer.flags, FEW_REPLICATES], statement: `${answer.statement} ${caveat}` };
}
