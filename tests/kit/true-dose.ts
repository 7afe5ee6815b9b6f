/**
 * Test kit: the true minimal dose of a known-truth trial. Given each virtual subject's steady-state
 * statistic per mg of dose (linear PK: the statistic scales with the dose), the smallest grid dose whose
 * true p(d) = P(statistic >= mec) reaches `target`; `close` says a grid point's p lay within 3 Monte
 * Carlo sd of the target (so a one-step disagreement there is chance).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export function trueMinimalGridDose(perMg: Float64Array, grid: { readonly start: number; readonly stop: number; readonly step: number }, mec: number, target = 0.9): { dose: number; p: number; close: boolean } {
  const n = perMg.length;
  const sd = Math.sqrt((target * (1 - target)) / n);
  let close = false;
  for (let d = grid.start; d <= grid.stop + 1e-9; d += grid.step) {
    let k = 0;
    for (const t of perMg) if (t * d >= mec) k += 1;
    const p = k / n;
    if (Math.abs(p - target) < 3 * sd) close = true;
    if (p >= target) return { dose: Number(d.toFixed(6)), p, close };
  }
  return { dose: NaN, p: NaN, close };
}

interface AnswerRow { readonly question: string; readonly dose: number | null; readonly mean_crossing: number | null; readonly interval: [number | null, number | null] }

/**
 * Asserts that `qusop answer`'s answer to question `id` (its run directory `out`) exists and that its
 * interval holds the true minimal dose; the comparison goes to the test's diagnostics either way.
 */
export async function assertIntervalCoversTrueDose(t: { diagnostic(message: string): void }, out: string, id: string, truth: { dose: number; p: number; close: boolean }): Promise<void> {
  const answers = JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')) as { answers: AnswerRow[] };
  const a = answers.answers.find((x) => x.question === id);
  assert.ok(a !== undefined && a.dose !== null, `${id} answered: ${JSON.stringify(a)}`);
  const [lo, hi] = a.interval;
  const what = `${id}: true minimal dose ${truth.dose} mg (p ${truth.p}${truth.close ? ', a grid p within 3 MC sd of 0.9' : ''}); answer ${a.dose} mg, mean crossing ${a.mean_crossing}, interval [${lo}, ${hi}]`;
  t.diagnostic(what);
  assert.ok(lo !== null && hi !== null && lo <= truth.dose && truth.dose <= hi, what);
}
