/**
 * Bad input for the population sampler (issue 19 item 6), in the pattern of bad-input-corpus.test.ts:
 * the real CLI, exit code 2, a message naming the file, line and field and what was expected, and
 * nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;

const base = (): Obj => knownAnswerScenario({ replicates: 2, subjects: 16, qdStop: 2, qwStop: 10 });
const sc0 = (o: Obj): Obj => (o['scenarios'] as Obj[])[0] as Obj;
const population = (f: (p: Obj, s: Obj) => void): string => {
  const o = base();
  f(sc0(o)['population'] as Obj, sc0(o));
  return stringify(o);
};

const CASES: Array<{ name: string; scenario: string; message: RegExp }> = [
  { name: 'unknown sampler', scenario: population((p) => { p['sampler'] = 'halton'; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.population\.sampler: .*expected one of .*"philox".*"sobol"/ },
  { name: 'sampler in the wrong letter case', scenario: population((p) => { p['sampler'] = 'Sobol'; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.population\.sampler: .*expected one of .*"philox".*"sobol"/ },
  { name: 'sampler not a string', scenario: population((p) => { p['sampler'] = 2; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.population\.sampler: .*expected one of .*"philox".*"sobol"/ },
  { name: 'sampler as a list', scenario: population((p) => { p['sampler'] = ['sobol']; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.population\.sampler: .*expected one of .*"philox".*"sobol"/ },
  { name: 'sampler outside population', scenario: population((_, s) => { s['sampler'] = 'sobol'; }), message: /scenario\.yaml:\d+: scenarios\[0\]\.sampler: unknown field "sampler"/ },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad input (sampler): ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const scenarioPath = join(dir, 'scenario.yaml');
      await writeFile(scenarioPath, c.scenario);
      const r = await runCli(['run', scenarioPath, '--out', join(dir, 'out'), '--workers', '1', '--quiet'], { timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      assert.equal(await exists(join(dir, 'out', 'run.json')), false, 'no run directory content written');
      assert.equal(await exists(join(dir, 'out', 'decisions.json')), false, 'no decisions written');
      assert.equal(await exists(join(dir, 'out', 'curves.parquet')), false, 'no curves written');
    });
  });
}
