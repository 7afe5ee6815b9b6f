/**
 * A sparsely sampled trial of known truth (two concentrations per subject, as in most phase 2/3 and
 * neonatal studies): the test kit's one-compartment IV trial (tests/kit/iv-trial.ts, 60 subjects, a bolus
 * and a 2 h infusion each) thinned to one sample in each dosing interval, chosen by a seeded draw. No
 * subject has the >= 3 post-dose samples NCA needs, which `qusop fit` used to refuse ("no subject has a
 * PK profile"); the start values now come from a naive-pooled grid (models/estimate/start-values-sparse.ts).
 * `qusop fit` must choose a one-compartment IV structure (two compartments cannot be identified from
 * 120 scattered samples: the parsimony rule or BIC leaves them out) and the true CL and V1 must lie in
 * the fit's 95 % Wald intervals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { IV_TRUTH_1, writeIvTrial } from '../kit/iv-trial.js';
import { mulberry32 } from '../kit/prng.js';
import { assertInWaldInterval, type TableRow } from '../kit/wald-interval.js';

/** Keeps every dose row and, per subject, one observation before 48 h and one after, drawn by `seed`. */
async function thin(path: string, out: string, seed: number): Promise<string> {
  const u = mulberry32(seed);
  const [header, ...rows] = (await readFile(path, 'utf8')).trim().split('\n');
  const bySubject = new Map<string, string[]>();
  for (const r of rows) bySubject.set(r.split(',')[0]!, [...(bySubject.get(r.split(',')[0]!) ?? []), r]);
  const kept: string[] = [header!];
  for (const subject of bySubject.values()) {
    const obs = subject.filter((r) => r.split(',')[5] === '0');
    const pick = (xs: string[]): string => xs[Math.floor(u() * xs.length)]!;
    const chosen = new Set([pick(obs.filter((r) => Number(r.split(',')[1]) < 48)), pick(obs.filter((r) => Number(r.split(',')[1]) > 48))]);
    kept.push(...subject.filter((r) => r.split(',')[5] === '1' || chosen.has(r)));
  }
  await writeFile(out, `${kept.join('\n')}\n`);
  return out;
}

test('sparse trial of known truth (2 samples per subject): qusop fit chooses one compartment and covers the true CL and V1', { timeout: 600_000 }, async (t) => {
  await withTempDir(async (dir) => {
    const trial = await thin(await writeIvTrial(join(dir, 'rich.csv'), IV_TRUTH_1, 3, 60), join(dir, 'sparse.csv'), 5);
    const out = join(dir, 'fit');
    const r = await runCli(['fit', trial, '--out', out, '--draws', '20', '--vpc-replicates', '50'], { timeoutMs: 560_000 });
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as { fit: { structure: string; notes: string[]; table: TableRow[] } };
    assert.equal(record.fit.structure, '1cmt-iv', r.stderr.split('\n').filter((l) => /selection|BIC/.test(l)).join('\n'));
    assert.ok(record.fit.notes.some((n) => n.startsWith('sparse sampling')), record.fit.notes.join('; '));
    assertInWaldInterval(t, record.fit.table, 'CL', IV_TRUTH_1.CL);
    assertInWaldInterval(t, record.fit.table, 'V1', IV_TRUTH_1.V1);
  });
});
