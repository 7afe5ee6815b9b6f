/**
 * Bad input that used to give a wrong answer with exit 0 (issue 17, items 3 and 4), through the real
 * CLI like the bad-input corpus: the exit code, the message, and that no decisions or curves were
 * written. A pd far beyond any biomarker scale would wrap the int64 sums (a negative mean window
 * maximum) or make the result unencodable (retried until three leases expired): the tile now fails at
 * once, naming the value and the limit. A graph that draws its own random numbers is refused at load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario } from '../kit/scenarios.js';
import { writeHugePdModel, writeRandomModel } from '../kit/bad-models.js';

const QD = join(TEST_MODEL_DIR, 'qd.model.json');

interface Case {
  readonly name: string;
  readonly subjects: number;
  /** writes the model into dir, returns its card path (replaces the QD model of the scenario) */
  readonly model: (dir: string) => Promise<string>;
  readonly code: number;
  readonly message: RegExp;
  /** the failure must come at once, not after lease expiries */
  readonly withinMs: number;
}

const CASES: Case[] = [
  {
    name: 'pd around 1e13 ng/mL (the q20 terms wrap): the tile fails naming the value and the limit',
    subjects: 10,
    model: (d) => writeHugePdModel(d, 30),
    code: 1,
    message: /failed after 1 attempt\(s\): .*window maximum of pd reaches [0-9.]+e\+13 ng\/mL .* a cell of 10 subjects .* hold \|max\| <= 1\.06\de\+7 ng\/mL/,
    withinMs: 30_000,
  },
  {
    name: 'pd around 2.4e7 ng/mL with 1,000 subjects (sums beyond int64): fails at once, not after three leases',
    subjects: 1000,
    model: (d) => writeHugePdModel(d, 17),
    code: 1,
    message: /failed after 1 attempt\(s\): .*window maximum of pd reaches [0-9.]+e\+7 ng\/mL .* a cell of 1000 subjects .* hold \|max\| <= 1\.06\de\+6 ng\/mL/,
    withinMs: 30_000,
  },
  {
    name: 'a graph with RandomUniformLike is refused at load as not deterministic',
    subjects: 10,
    model: (d) => writeRandomModel(d),
    code: 1,
    message: /model card "random-model" \(qd\.onnx\): the model is not deterministic: the same 16-row probe batch evaluated twice gave different qusop_\w+; the graph draws random numbers itself \(RandomUniformLike\)/,
    withinMs: 30_000,
  },
];

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

for (const c of CASES) {
  test(`bad input: ${c.name}`, async () => {
    await withTempDir(async (dir) => {
      const card = await c.model(join(dir, 'model'));
      const text = stringify(knownAnswerScenario({ replicates: 2, subjects: c.subjects, qdStop: 2, qwStop: 10 }));
      assert.ok(text.includes(QD));
      const scenarioPath = join(dir, 'scenario.yaml');
      await writeFile(scenarioPath, text.replace(QD, card));
      const started = Date.now();
      const r = await runCli(['run', scenarioPath, '--out', join(dir, 'out'), '--workers', '1', '--quiet'], { timeoutMs: 120_000 });
      const tookMs = Date.now() - started;
      assert.match(r.stderr, c.message, `stderr:\n${r.stderr}`);
      assert.equal(r.code, c.code, `exit code; stderr:\n${r.stderr}`);
      assert.ok(tookMs < c.withinMs, `failed after ${tookMs} ms`);
      assert.equal(await exists(join(dir, 'out', 'decisions.json')), false, 'no decisions written');
      assert.equal(await exists(join(dir, 'out', 'curves.parquet')), false, 'no curves written');
    });
  });
}
