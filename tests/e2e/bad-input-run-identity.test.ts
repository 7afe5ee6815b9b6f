/**
 * Bad input around run identity and the run directory (issue 17 items 1 and 13), following the
 * bad-input corpus: real CLI, exit 2, a message naming the file and field, and nothing partial written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';
import { ESTDATA } from '../kit/derived-trial.js';

const MODEL_ARGS = ['--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json')];
const TINY = ['--replicates', '2', '--subjects', '10', '--workers', '1', '--quiet'];
const listing = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true })).map(String).sort();

test('two different cards of one ONNX graph in one run are refused (workers key models by the graph\'s sha256)', async () => {
  await withTempDir(async (tmp) => {
    const m = join(tmp, 'm');
    await mkdir(m);
    await copyFile(join(ROOT, 'models', 'estdata', 'qd.onnx'), join(m, 'qd.onnx'));
    await copyFile(join(ROOT, 'models', 'estdata', 'qd.model.json'), join(m, 'a.model.json'));
    const card = JSON.parse(await readFile(join(m, 'a.model.json'), 'utf8')) as { inputs: { theta: { draws: number[][] } } };
    card.inputs.theta.draws = card.inputs.theta.draws.map((d) => d.map((v) => v + 0.1));
    await writeFile(join(m, 'b.model.json'), JSON.stringify(card));
    const grid = { start: 1, stop: 2, step: 1 };
    const scenario = await writeScenario(tmp, stringify({
      scenarios: [{
        name: 's', population: { bw: { fixed_kg: 70 }, comed: { fixed: 0 } }, threshold_ng_ml: 3.3, targets: [0.9], replicates: 2, subjects: 10, seed: 1,
        regimens: [{ name: 'a', tau_h: 24, model: 'm/a.model.json', doses_mg: grid }, { name: 'b', tau_h: 24, model: 'm/b.model.json', doses_mg: grid }],
      }],
    }));
    const r = await runCli(['run', scenario, '--out', join(tmp, 'out'), '--workers', '1', '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /scenario\.yaml: scenarios\[0\]\.regimens\[1\]\.model: \S+b\.model\.json and \S+a\.model\.json are different cards of the same ONNX graph \(sha256 [0-9a-f]{64}\)/);
    assert.deepEqual(await readdir(tmp).then((x) => x.sort()), ['m', 'scenario.yaml'], 'no run directory');
  });
});

test('qusop answer into a qusop run directory (no answer request) is refused and the run left as it was', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out');
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 }));
    assert.equal((await runCli(['run', scenario, '--out', out, '--workers', '1', '--quiet'])).code, 0);
    const before = await listing(out);
    const r = await runCli(['answer', ESTDATA, ...MODEL_ARGS, ...TINY, '--seed', '3', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /out[/\\]run\.json: --out \S+ holds run [0-9a-f]{16}, which no answer-request\.json describes; choose another --out/);
    assert.deepEqual(await listing(out), before);
  });
});

test('qusop answer with another seed into an answer directory is refused naming the field', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out');
    const first = await runCli(['answer', ESTDATA, ...MODEL_ARGS, ...TINY, '--seed', '3', '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    const before = await listing(out);
    const answers = await readFile(join(out, 'answers.json'), 'utf8');
    const r = await runCli(['answer', ESTDATA, ...MODEL_ARGS, ...TINY, '--seed', '4', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /out[/\\]answer-request\.json: field seed: --out \S+ holds the answer for 3, not 4; choose another --out/);
    assert.deepEqual(await listing(out), before);
    assert.equal(await readFile(join(out, 'answers.json'), 'utf8'), answers);
  });
});

test('a run directory locked from another host is refused naming the holder; nothing is computed', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out');
    const scenario = await writeScenario(tmp, knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 }));
    await mkdir(out);
    const elsewhere = `not-${hostname()}`;
    await writeFile(join(out, 'run.lock'), JSON.stringify({ pid: 4242, host: elsewhere, since: '2026-01-01T00:00:00.000Z' }));
    const r = await runCli(['run', scenario, '--out', out, '--workers', '1', '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`out[/\\\\]run\\.lock: run directory \\S+ is in use by pid 4242 on ${elsewhere} \\(since 2026-01-01T00:00:00\\.000Z\\); wait for it to finish .* or remove \\S+run\\.lock if that process is gone`));
    assert.deepEqual(await readdir(out), ['run.lock'], 'no run.json, no shards: the holder\'s lock left as it was');
  });
});

test('a SLURM array task refuses a card changed since the run was planned (same ONNX, other draws); no shard written', async () => {
  await withTempDir(async (tmp) => {
    const m = join(tmp, 'm');
    await mkdir(m);
    await copyFile(join(ROOT, 'models', 'estdata', 'qd.onnx'), join(m, 'qd.onnx'));
    await copyFile(join(ROOT, 'models', 'estdata', 'qd.model.json'), join(m, 'qd.model.json'));
    const scenario = await writeScenario(tmp, stringify({
      scenarios: [{
        name: 's', population: { bw: { fixed_kg: 70 }, comed: { fixed: 0 } }, threshold_ng_ml: 3.3, targets: [0.9], replicates: 2, subjects: 10, seed: 1,
        regimens: [{ name: 'qd', tau_h: 24, model: 'm/qd.model.json', doses_mg: { start: 1, stop: 2, step: 1 } }],
      }],
    }));
    const out = join(tmp, 'out');
    const plan = await runCli(['plan', scenario, '--out', out]);
    assert.equal(plan.code, 0, plan.stderr);
    const card = JSON.parse(await readFile(join(m, 'qd.model.json'), 'utf8')) as { inputs: { theta: { draws: number[][] } } };
    card.inputs.theta.draws = card.inputs.theta.draws.map((d) => d.map((v) => v + 0.1)); // refitted in place
    await writeFile(join(m, 'qd.model.json'), JSON.stringify(card));
    const r = await runCli(['tiles', '--run', out, '--slice', '0/1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /m[/\\]qd\.model\.json: the card's content changed since run [0-9a-f]{16} was planned \(digest [0-9a-f]{64}, planned [0-9a-f]{64}\): its tiles would compute another model; re-plan into a new directory/);
    assert.deepEqual(await readdir(join(out, 'shards')), [], 'no shard written');
  });
});
