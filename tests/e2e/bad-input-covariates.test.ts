/**
 * Bad input for declared covariate effects and covariate priors (issue 16 §2): each case runs the real
 * CLI on a small oral PK trial with covariates WT, CRCL, SEX and checks the exit code (2), the located
 * message (file, line, field, what was expected) and that nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

const HEADER = 'ID,TIME,AMT,DV,EVID,MDV,CMT,DVID,WT,CRCL,SEX';
const subject = (id: number, wt: number, crcl: number, sex: number): string[] =>
  [[0, 100, '.', 1, 1, 1, '.'], [1, '.', 2.1, 0, 0, 2, 1], [4, '.', 3.2, 0, 0, 2, 1], [12, '.', 1.6, 0, 0, 2, 1], [24, '.', 0.7, 0, 0, 2, 1]]
    .map(([t, amt, dv, evid, mdv, cmt, dvid]) => [id, t, amt, dv, evid, mdv, cmt, dvid, wt, crcl, sex].join(','));
const TRIAL = [HEADER, ...subject(1, 70, 90, 0), ...subject(2, 82, 120, 1), ...subject(3, 64, 60, 0)].join('\n') + '\n';

const spec = (effects: string): string => `covariates:
  WT: { kind: continuous, unit: kg }
  CRCL: { kind: continuous, unit: mL/min }
  SEX: { kind: categorical }
weight: WT
covariate_effects:
${effects}`;

interface Case { readonly name: string; readonly spec: string; readonly trial?: string; readonly questions?: string; readonly message: RegExp }

const CASES: Case[] = [
  {
    name: 'an effect on a parameter that is not log-scale (IMAX)',
    spec: spec('  - { parameter: IMAX, covariate: CRCL, form: power, reference: 100 }\n'),
    message: /spec\.yaml:7: covariate_effects\[0\]\.parameter: expected a log-scale parameter of the library \(CL, V1, .*\); found "IMAX"/,
  },
  {
    name: 'an effect of a covariate the trial lacks',
    spec: spec('  - { parameter: CL, covariate: EGFR, form: power, reference: 100 }\n'),
    message: /spec\.yaml:7: covariate_effects\[0\]\.covariate: expected a covariate of the trial \(WT, CRCL, SEX\); found "EGFR"/,
  },
  {
    name: 'a categorical level that no subject has',
    spec: spec('  - { parameter: V1, covariate: SEX, form: categorical, level: 2 }\n'),
    message: /spec\.yaml:7: covariate_effects\[0\]\.level: expected a level of SEX that occurs in the trial \(0, 1\); found 2/,
  },
  {
    name: 'a power effect of a covariate with a zero value',
    spec: spec('  - { parameter: CL, covariate: CRCL, form: power, reference: 100 }\n'),
    trial: TRIAL.replace(/^3,(.*),60,0$/gm, '3,$1,0,0'),
    message: /spec\.yaml:7: covariate_effects\[0\]\.covariate: expected values > 0 for the power form \(CRCL\); found 0/,
  },
  {
    name: 'an unknown form',
    spec: spec('  - { parameter: CL, covariate: CRCL, form: linear }\n'),
    message: /spec\.yaml:7: covariate_effects\.0\.form: Invalid (enum value|option)/,
  },
  {
    name: 'the same effect twice',
    spec: spec('  - { parameter: CL, covariate: CRCL, form: power, reference: 100 }\n  - { parameter: CL, covariate: CRCL, form: exponential, reference: 100 }\n'),
    message: /spec\.yaml:8: covariate_effects\[1\]\.covariate: expected each \(parameter, covariate, level\) once; found a repeat of BETA_CRCL_CL/,
  },
  {
    name: 'a reserved covariate name',
    spec: `covariates:\n  WT: { kind: continuous }\n  dose: { column: CRCL, kind: continuous }\nweight: WT\ncovariate_effects:\n  - { parameter: CL, covariate: dose, form: power, reference: 100 }\n`,
    message: /spec\.yaml:6: covariate_effects\[0\]\.covariate: expected a covariate name other than the graph's own inputs and outputs \(dose, bw, comed, eta, theta, pd, conc\); found "dose"/,
  },
  {
    name: 'a population covariate prior with two kinds (questions file)',
    spec: spec('  - { parameter: CL, covariate: CRCL, form: power, reference: 100 }\n'),
    questions: `questions:
  - id: Q
    endpoint: concentration
    statistic: trough
    comparison: ">="
    threshold: { value: 1, unit: mg/L }
    regimens: [{ name: qd, tau_h: 24, doses_mg: { start: 10, stop: 100, step: 10 } }]
    populations: [{ name: p, covariates: { CRCL: { fixed: 40, uniform: [30, 60] } } }]
    targets: [0.9]
`,
    message: /q\.yaml:8: questions\[0\]\.populations\[0\]\.covariates\.CRCL: give exactly one of fixed, uniform, normal, lognormal, bernoulli, categorical, resample/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad covariate input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const trial = join(dir, 'pk.csv');
      await writeFile(trial, c.trial ?? TRIAL);
      await writeFile(join(dir, 'spec.yaml'), c.spec);
      const out = join(dir, 'out');
      const args = c.questions === undefined
        ? ['fit', trial, '--data-spec', join(dir, 'spec.yaml'), '--out', out, '--draws', '5', '--structure', '1cmt-oral']
        : ['answer', trial, '--data-spec', join(dir, 'spec.yaml'), '--questions', join(dir, 'q.yaml'), '--out', out];
      if (c.questions !== undefined) await writeFile(join(dir, 'q.yaml'), c.questions);
      const r = await runCli(args);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written');
    });
  });
}
