/**
 * Bad input for the quantum-kernel regressor (`qusop train qkernel`): each case runs the real CLI and
 * checks the exit code (2), the located message (file, field or line, what was expected) and that
 * nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');
const FIT = join(ROOT, 'models', 'estdata');

/** A copy of the shipped fit directory (cards and fit.json) with fit.json edited. */
async function fitWith(dir: string, edit: (fit: Record<string, unknown>) => void): Promise<string> {
  const out = join(dir, 'fit');
  await mkdir(out);
  for (const f of ['qd.model.json', 'qw.model.json']) await copyFile(join(FIT, f), join(out, f));
  const record = JSON.parse(await readFile(join(FIT, 'fit.json'), 'utf8')) as { fit: Record<string, unknown> };
  edit(record.fit);
  await writeFile(join(out, 'fit.json'), JSON.stringify(record));
  return out;
}

/** EstData with an AGE column, and a spec declaring an effect of AGE on CL (the shipped fit has no AGE). */
async function trialWithAge(dir: string): Promise<string[]> {
  const lines = (await readFile(ESTDATA, 'utf8')).trim().split('\n');
  const csv = join(dir, 'age.csv');
  await writeFile(csv, lines.map((l, i) => `${l},${i === 0 ? 'AGE' : 30 + (Number(l.split(',')[0]) % 40)}`).join('\n') + '\n');
  const spec = join(dir, 'spec.yaml');
  await writeFile(spec, 'covariates:\n  AGE: { kind: continuous, unit: y }\ncovariate_effects:\n  - { parameter: CL, covariate: AGE, form: exponential, reference: 40 }\n');
  return [csv, '--data-spec', spec];
}

interface Case {
  readonly name: string;
  readonly args: (dir: string, out: string) => Promise<string[]>;
  readonly message: RegExp;
}

const train = (trial: string[], out: string, ...extra: string[]): string[] => ['train', 'qkernel', ...trial, '--out', out, '--quiet', ...extra];

const CASES: Case[] = [
  {
    name: 'a fit directory without individual estimates',
    args: async (dir, out) => train([ESTDATA], out, '--fit', await fitWith(dir, (f) => delete f['individual'])),
    message: /fit[/\\]fit\.json: field fit\.individual: expected each subject's eta estimates \(written by qusop fit\), found none/,
  },
  {
    name: 'individual estimates of the wrong length',
    args: async (dir, out) => train([ESTDATA], out, '--fit', await fitWith(dir, (f) => ((f['individual'] as { eta: number[] }[])[3]!.eta = [0.1, 0.2]))),
    message: /fit\.json: field fit\.individual\[3\]: expected \{ id, eta: 6 finite numbers \(CL, V1, KA, R0, KOUT, IC50\) \}/,
  },
  {
    name: 'a fit directory that does not exist',
    args: async (dir, out) => train([ESTDATA], out, '--fit', join(dir, 'nowhere')),
    message: /nowhere[/\\]fit\.json: cannot read the fit record \(ENOENT\); --fit expects a directory written by qusop fit/,
  },
  {
    name: 'a trial declaring a covariate (AGE) the fit does not have',
    args: async (dir, out) => train(await trialWithAge(dir), out, '--fit', FIT),
    message: /spec\.yaml:4: covariate_effects\[0\]: covariate AGE: the fit in .* has no AGE \(its graph takes bw, comed\)/,
  },
  {
    name: 'a trial that is not the one the fit was made on (IDs overlapping the fit\'s)',
    args: async (dir, out) => {
      const csv = join(dir, 'renumbered.csv');
      await writeFile(csv, (await readFile(ESTDATA, 'utf8')).replace(/^1,/gm, '999,'));
      return train([csv], out, '--fit', FIT);
    },
    message: /renumbered\.csv: expected the trial the fit in .*estdata was made on \(data\/EstData\.csv, sha256 100f88299a07\.\.\.\), found a file with sha256 [0-9a-f]{12}\.\.\./,
  },
  {
    name: 'a trial subject the fit has no estimate for',
    args: async (dir, out) => train([ESTDATA], out, '--fit', await fitWith(dir, (f) => (f['individual'] = (f['individual'] as { id: number }[]).filter((r) => r.id !== 1)))),
    message: /EstData\.csv:2: subject 1 has no individual estimate in .*fit\.json: expected the trial the fit was made on/,
  },
  {
    name: 'zero feature-map repetitions',
    args: async (_dir, out) => train([ESTDATA], out, '--layers', '0'),
    message: /--layers: expected an integer >= 1, got 0/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad quantum-kernel input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'out');
      const r = await runCli(await c.args(dir, out));
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written under --out');
    });
  });
}
