/**
 * Run identity (issue 17 item 1): every fitted population model has the same ONNX bytes, so a run id
 * that hashed only the ONNX file let a directory of one trial's run be "resumed" for another trial,
 * reporting the first trial's doses for the second with exit 0. Here, with real trials and real CLI
 * runs: (1) `qusop answer` of a second trial into the first's directory is refused before it touches
 * anything, while that trial's own answers really differ; (2) a card changed in place (same ONNX bytes,
 * other parameter draws, as a refit writes it) makes another run, refused in the old directory, whereas
 * a card differing only in its fit's wall-clock timings is still the same run and resumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, runCli, withTempDir } from '../kit/cli.js';
import { ESTDATA, writeDoubledDoseTrial } from '../kit/derived-trial.js';
import type { Answer } from '../../analysis/answer/answers.js';

const SMALL = ['--replicates', '2', '--subjects', '20', '--workers', '2', '--seed', '11', '--quiet'];
const doses = async (dir: string): Promise<string[]> =>
  (JSON.parse(await readFile(join(dir, 'answers.json'), 'utf8')) as { answers: Answer[] }).answers.map((a) => `Q${a.question} ${a.population}/${a.regimen}/${a.target}: ${a.dose}`);

test('qusop answer: a second trial into the first trial\'s directory is refused, never answered with the first trial\'s doses', { timeout: 300_000 }, async () => {
  await withTempDir(async (tmp) => {
    const trialB = await writeDoubledDoseTrial(join(tmp, 'trial-b.csv'));
    const dir = join(tmp, 'D');
    const a = await runCli(['answer', ESTDATA, ...SMALL, '--out', dir]);
    assert.equal(a.code, 0, a.stderr);
    const before = { answers: await readFile(join(dir, 'answers.json'), 'utf8'), scenario: await readFile(join(dir, 'scenarios.yaml'), 'utf8'), files: (await readdir(dir)).sort() };

    const b = await runCli(['answer', trialB, ...SMALL, '--out', dir]);
    assert.equal(b.code, 2, `second trial into the first's directory: exit ${b.code}\n${b.stdout}\n${b.stderr}`);
    assert.match(b.stderr, /answer-request\.json: field trial\.sha256: --out \S+ holds the answer for \S+EstData\.csv \(sha256 [0-9a-f]{64}\), not \S+trial-b\.csv \(sha256 [0-9a-f]{64}\); choose another --out/);
    assert.doesNotMatch(b.stderr, /fitting/, 'refused before fitting into DIR/model');
    assert.equal(await readFile(join(dir, 'answers.json'), 'utf8'), before.answers, 'answers.json untouched');
    assert.equal(await readFile(join(dir, 'scenarios.yaml'), 'utf8'), before.scenario, 'scenarios.yaml untouched');
    assert.deepEqual((await readdir(dir)).sort(), before.files, 'no DIR/model, nothing added');

    // the premise: trial B's own answers are not trial A's, so resuming A's directory would have been wrong
    // trial B is fitted here (a doubled-dose EstData): one structure keeps the test to the run identity, not the selection
    const own = await runCli(['answer', trialB, ...SMALL, '--structure', '2cmt-oral-idr', '--out', join(tmp, 'B')]);
    assert.equal(own.code, 0, own.stderr);
    const [da, db] = [await doses(dir), await doses(join(tmp, 'B'))];
    assert.equal(da.length, db.length);
    const differ = da.filter((x, i) => x !== db[i]);
    assert.ok(differ.length >= da.length / 2, `trial B's answers differ from trial A's: ${differ.length}/${da.length} differ\nA: ${da.join('; ')}\nB: ${db.join('; ')}`);

    // the same request again is the same answer directory: it resumes
    const again = await runCli(['answer', ESTDATA, ...SMALL, '--out', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /run [0-9a-f]+: (\d+) tiles \(\1 already done\)/);
  });
});

type Card = { inputs: { theta: { names: string[]; draws: number[][] } }; diagnostics: { timings_ms: Record<string, number> } };

test('qusop run: a card changed in place (same ONNX, other draws) is another run; changed wall-clock timings are the same run', { timeout: 180_000 }, async () => {
  await withTempDir(async (tmp) => {
    const models = join(tmp, 'm');
    const cardPath = join(models, 'qd.model.json');
    await mkdir(models);
    await copyFile(join(ROOT, 'models', 'estdata', 'qd.model.json'), cardPath);
    await copyFile(join(ROOT, 'models', 'estdata', 'qd.onnx'), join(models, 'qd.onnx'));
    const scenario = join(tmp, 'scenario.yaml');
    await writeFile(scenario, stringify({
      scenarios: [{
        name: 'base', population: { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } },
        threshold_ng_ml: 3.3, targets: [0.9, 0.75], replicates: 2, subjects: 20, seed: 5, band: { method: 'replicate-quantile', level: 0.95 },
        regimens: [{ name: 'qd', tau_h: 24, model: cardPath, doses_mg: { start: 0.5, stop: 20, step: 0.5 } }],
      }],
    }));
    const run = (out: string): ReturnType<typeof runCli> => runCli(['run', scenario, '--out', join(tmp, out), '--workers', '1', '--quiet']);
    const editCard = async (f: (c: Card) => void): Promise<void> => {
      const c = JSON.parse(await readFile(cardPath, 'utf8')) as Card;
      f(c);
      await writeFile(cardPath, JSON.stringify(c, null, 2) + '\n');
    };

    const first = await run('D');
    assert.equal(first.code, 0, first.stderr);
    const decisions = await readFile(join(tmp, 'D', 'decisions.json'), 'utf8');

    await editCard((c) => { for (const k of Object.keys(c.diagnostics.timings_ms)) c.diagnostics.timings_ms[k] = (c.diagnostics.timings_ms[k] ?? 0) + 1234.5; });
    const timings = await run('D');
    assert.equal(timings.code, 0, timings.stderr);
    assert.match(timings.stderr, /run [0-9a-f]+: (\d+) tiles \(\1 already done\)/, 'only the timings differ: the same run, resumed');

    // a refit: the same graph with other parameter draws (clearance doubled in every draw)
    await editCard((c) => {
      const i = c.inputs.theta.names.indexOf('log CL');
      assert.ok(i >= 0, 'the card names log CL');
      for (const d of c.inputs.theta.draws) d[i] = (d[i] ?? 0) + Math.log(2);
    });
    const refit = await run('D');
    assert.equal(refit.code, 2, `changed draws into the old directory: exit ${refit.code}\n${refit.stderr}`);
    assert.match(refit.stderr, /D[/\\]run\.json: run directory belongs to run [0-9a-f]{16}, not [0-9a-f]{16}; choose another --out/);
    assert.equal(await readFile(join(tmp, 'D', 'decisions.json'), 'utf8'), decisions, 'decisions untouched');

    const fresh = await run('D2');
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.notEqual(await readFile(join(tmp, 'D2', 'decisions.json'), 'utf8'), decisions, 'the changed card gives other decisions: resuming would have reported the old ones');
    await assert.rejects(access(join(tmp, 'D', 'run.lock')), 'no lock left behind');
  });
});
