/**
 * A trial in ng/mL (theophylline's concentrations x 1000, as most assays report them): `qusop data`
 * with a spec naming the unit says it converted them; `qusop fit` without one fits volumes 1000x too
 * small (V1 ~0.03 L: degenerate, exit 1) and the message names endpoints.concentration.unit. That the
 * spec'd file reads to the same Trial as the original is tests/unit/ingest-units.test.ts. ~12 s here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';

const THEO = join(ROOT, '..', 'shared', 'data', 'theophylline', 'theo_sd.csv');

test('theophylline in ng/mL: qusop data converts it with a spec; qusop fit without one hints at the unit', async () => {
  await withTempDir(async (dir) => {
    const [header = '', ...rows] = (await readFile(THEO, 'utf8')).trim().split('\n');
    // EVID 0 rows: DV (the third column) shifted by 10^3 in the text
    const ngPerMl = rows.map((r) => r.split(',')).map((f) => (f[4] === '0' ? [...f.slice(0, 2), String(Number(`${f[2]}e3`)), ...f.slice(3)] : f).join(','));
    const trial = join(dir, 'theo_ngml.csv');
    await writeFile(trial, `${[header, ...ngPerMl].join('\n')}\n`);
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, 'endpoints:\n  concentration: { cmt: 2, unit: ng/mL }\n');
    const data = await runCli(['data', trial, '--data-spec', spec]);
    assert.equal(data.code, 0, data.stderr);
    assert.match(data.stdout, /\nunits: concentration ng\/mL in the file, converted to mg\/L \(x 0\.001\); doses mg \(default\)/);
    const fit = await runCli(['fit', trial, '--out', join(dir, 'fit'), '--structure', '1cmt-oral', '--draws', '20', '--vpc-replicates', '100']);
    assert.equal(fit.code, 1, fit.stderr);
    assert.match(fit.stderr, /volume V1 is 0\.0\d+ L, outside the plausible/);
    assert.match(fit.stderr, /hint: V1 ran to 0\.0\d+ L, below any body volume, .*`endpoints: \{ concentration: \{ unit: ng\/mL \} \}`/);
  });
});
