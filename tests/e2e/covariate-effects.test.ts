/**
 * A covariate effect of known truth end to end (issue 16's acceptance: "a synthetic trial with a
 * covariate effect on CL (CRCL, power form) recovers the effect within its 95 % CI, and a question for a
 * population with CRCL shifted is answered with the expected direction"). The trial: the test kit's
 * one-compartment PK-only trial with CL ~ (CRCL / 100)^0.75 (tests/kit/covariate-trial.ts, seed 1);
 * the spec declares the effect. `qusop answer` fits it (1cmt-oral), the card takes CRCL as an input,
 * and three populations are asked trough >= 4 mg/L in 90 % QD: CRCL as in the trial (resampled with BW),
 * CRCL halved (resampled x 0.5) and CRCL = 150 mL/min. Lower CRCL, lower clearance, higher trough: the
 * doses must order renal-half < like-trial < crcl-150. The estimated exponent (~0.6 on seed 1, SE ~0.13)
 * is far from 0 (z ~ 4.5), and halving CRCL moves CL by 2^-0.6 ~ 0.66: the dose moves by ~1/3, many
 * grid steps (0.5 mg at ~10 mg) and far beyond the replicate bands, so the order is not left to chance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { CRCL_EXPONENT, CRCL_SPEC, writeCrclTrial } from '../kit/covariate-trial.js';

const QUESTIONS = `questions:
  - id: QD
    endpoint: concentration
    statistic: trough
    comparison: ">="
    threshold: { value: 4, unit: mg/L }
    regimens: [{ name: qd, tau_h: 24, doses_mg: { start: 0.5, stop: 60, step: 0.5 } }]
    populations:
      - { name: like-trial }
      - { name: renal-half, covariates: { CRCL: { resample: { scale: 0.5 } } } }
      - { name: crcl-150, covariates: { CRCL: { fixed: 150 } } }
    targets: [0.9]
`;

interface Row { readonly group: string; readonly key: string; readonly estimate: number; readonly se: number }

test('CRCL on CL (power) of known truth: the exponent is recovered within its 95 % CI; CRCL-shifted populations move the dose the expected way', { timeout: 600_000 }, async () => {
  await withTempDir(async (dir) => {
    const trial = await writeCrclTrial(join(dir, 'crcl.csv'), 1);
    await writeFile(join(dir, 'spec.yaml'), CRCL_SPEC);
    await writeFile(join(dir, 'q.yaml'), QUESTIONS);
    const out = join(dir, 'answer');
    const r = await runCli(['answer', trial, '--data-spec', join(dir, 'spec.yaml'), '--questions', join(dir, 'q.yaml'), '--out', out, '--replicates', '40', '--subjects', '200'], { timeoutMs: 580_000 });
    assert.equal(r.code, 0, r.stderr);
    const fit = JSON.parse(await readFile(join(out, 'model', 'fit.json'), 'utf8')) as { fit: { structure?: string; table: Row[]; covariateEffects?: { name: string }[] } };
    assert.equal(fit.fit.structure, '1cmt-oral');
    assert.deepEqual(fit.fit.covariateEffects?.map((e) => e.name), ['BETA_CRCL_CL']);
    const beta = fit.fit.table.find((x) => x.group === 'theta' && x.key === 'BETA_CRCL_CL');
    assert.ok(beta !== undefined && beta.se > 0, JSON.stringify(beta));
    const lo = beta.estimate - 1.96 * beta.se;
    const hi = beta.estimate + 1.96 * beta.se;
    assert.ok(lo <= CRCL_EXPONENT && CRCL_EXPONENT <= hi, `exponent ${CRCL_EXPONENT} outside [${lo}, ${hi}] (estimate ${beta.estimate}, se ${beta.se})`);
    assert.ok(lo > 0, `the effect is detected: [${lo}, ${hi}]`);
    const report = await readFile(join(out, 'model', 'fit-report.md'), 'utf8');
    assert.match(report, /\| theta \| BETA_CRCL_CL \|[^|]*\| [\d.]+ \| [\d.]+ \|/); // unit column (empty: an exponent) between name and estimate
    const card = JSON.parse(await readFile(join(out, 'model', 'qd.model.json'), 'utf8')) as { inputs: { covariates: string[]; covariate_info?: { name: string; unit: string | null }[] } };
    assert.deepEqual(card.inputs.covariates, ['dose', 'bw', 'comed', 'CRCL']);
    assert.deepEqual(card.inputs.covariate_info, [{ name: 'CRCL', kind: 'continuous', unit: 'mL/min' }]);
    const answers = JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')) as { answers: { population: string; dose: number | null; mean_crossing: number | null }[] };
    const of = (p: string) => answers.answers.find((a) => a.population === p);
    const [base, half, high] = [of('like-trial'), of('renal-half'), of('crcl-150')];
    for (const a of [base, half, high]) assert.ok(a?.dose != null && a.mean_crossing != null, JSON.stringify(a));
    assert.ok(half!.dose! < base!.dose! && base!.dose! < high!.dose!, `doses: renal-half ${half!.dose}, like-trial ${base!.dose}, crcl-150 ${high!.dose}`);
    assert.ok(half!.mean_crossing! < base!.mean_crossing! && base!.mean_crossing! < high!.mean_crossing!);
    // model.yaml carries the effect: imported, it makes the very same cards' draws (round trip)
    const modelYaml = await readFile(join(out, 'model', 'model.yaml'), 'utf8');
    assert.match(modelYaml, /covariate_effects:\n\s+- parameter: CL\n\s+covariate: CRCL\n\s+form: power\n\s+reference: 100/);
    const imported = join(dir, 'imported');
    const im = await runCli(['model', 'import', join(out, 'model', 'model.yaml'), '--out', imported]);
    assert.equal(im.code, 0, im.stderr);
    for (const regimen of ['qd', 'qw']) {
      const a = JSON.parse(await readFile(join(out, 'model', `${regimen}.model.json`), 'utf8')) as { sha256: string; inputs: unknown };
      const b = JSON.parse(await readFile(join(imported, `${regimen}.model.json`), 'utf8')) as { sha256: string; inputs: unknown };
      assert.equal(b.sha256, a.sha256, `${regimen}: the same graph`);
      assert.deepEqual(b.inputs, a.inputs, `${regimen}: the same inputs and draws`);
    }
    // the scenarios say what each population's CRCL was
    const scenarios = await readFile(join(out, 'scenarios.yaml'), 'utf8');
    assert.match(scenarios, /CRCL:\n\s+resample:\n(\s+sigma: 0\n)?\s+scale: 0\.5/);
  });
});
