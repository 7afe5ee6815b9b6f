/**
 * Bad input for the threshold sweep and the safety endpoint (issue 19 items 2 and 1), in the pattern of
 * bad-input-corpus.test.ts: the real CLI, exit code 2, a message naming the file, line or field and
 * what was expected, and nothing written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;

const mutate = (f: (s: Obj) => void): string => {
  const o = knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
  f((o['scenarios'] as Obj[])[0] as Obj);
  return stringify(o);
};
const SAFETY = { endpoint: 'biomarker', statistic: 'max', comparison: '>=', threshold: { value: 1, unit: 'ng/mL' }, target: 0.9 };

const CASES: { name: string; scenario: string; message: RegExp }[] = [
  {
    name: 'sweep grid with start above stop',
    scenario: mutate((s) => { s['threshold_sweep'] = { start: 4, stop: 2.5, step: 0.1 }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold_sweep\.start: start \(4\) must be <= stop \(2\.5\)/,
  },
  {
    name: 'sweep list not ascending',
    scenario: mutate((s) => { s['threshold_sweep'] = [2.5, 3.5, 3]; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold_sweep\[2\]: 3 does not exceed the threshold before it \(3\.5\); list the sweep's thresholds ascending, each once/,
  },
  {
    name: 'sweep threshold repeated',
    scenario: mutate((s) => { s['threshold_sweep'] = [2.5, 2.5]; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold_sweep\[1\]: 2\.5 does not exceed/,
  },
  {
    name: 'sweep with too many thresholds',
    scenario: mutate((s) => { s['threshold_sweep'] = { start: 1, stop: 100, step: 0.1 }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold_sweep: the sweep has 991 thresholds; the limit is 256/,
  },
  {
    name: 'sweep with a non-positive threshold',
    scenario: mutate((s) => { s['threshold_sweep'] = [0, 1]; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold_sweep/,
  },
  {
    name: 'sweep step of zero',
    scenario: mutate((s) => { s['threshold_sweep'] = { start: 1, stop: 2, step: 0 }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.threshold_sweep/,
  },
  {
    name: 'safety endpoint concentration on a card without a conc output',
    scenario: mutate((s) => { s['safety'] = { ...SAFETY, endpoint: 'concentration' }; }),
    message: /scenario\.yaml: scenarios\[0\]\.safety\.endpoint: model .*qd\.model\.json: model card "known-answer-qd": the question's endpoint is concentration but the card declares no outputs\.conc/,
  },
  {
    name: 'safety without a target',
    scenario: mutate((s) => { const { target: _t, ...rest } = SAFETY; s['safety'] = rest; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.safety\.target: /,
  },
  {
    name: 'safety target of 1',
    scenario: mutate((s) => { s['safety'] = { ...SAFETY, target: 1 }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.safety\.target: .*<1/,
  },
  {
    name: 'safety threshold without its unit',
    scenario: mutate((s) => { s['safety'] = { ...SAFETY, threshold: { value: 2 } }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.safety\.threshold\.unit: /,
  },
  {
    name: 'safety with an unknown field',
    scenario: mutate((s) => { s['safety'] = { ...SAFETY, cap: 3 }; }),
    message: /scenario\.yaml:\d+: scenarios\[0\]\.safety\.cap: unknown field "cap"/,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad endpoints input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const scenarioPath = join(dir, 'scenario.yaml');
      await writeFile(scenarioPath, c.scenario);
      const r = await runCli(['run', scenarioPath, '--out', join(dir, 'out'), '--workers', '1', '--quiet'], { timeoutMs: 60_000 });
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, 2, `exit code; stderr:\n${r.stderr}`);
      assert.equal(await exists(join(dir, 'out')), false, 'nothing written');
    });
  });
}
