/**
 * `qusop answer` end to end on the known-answer TEST model (real CLI, real workers): answers.json for
 * all five questions, each stating population, model, interval and band; report.html and PNG plots;
 * the markdown summary on stdout; and the scenario file it wrote reproduces its decisions with
 * `qusop run`. Exact doses are another test's business (known-answer coverage); here only relations
 * the model guarantees are checked: 75 % needs no more than 90 %, heavier subjects need more (dose is
 * per kg), no COMED needs less (COMED raises the baseline), and every dose's lower band meets its target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, TEST_MODEL_DIR, runCli, withTempDir } from '../kit/cli.js';
import type { Answer } from '../../analysis/answer/answers.js';

const MODEL_ARGS = ['--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json')];
const SMALL = ['--replicates', '20', '--subjects', '100', '--workers', '2', '--seed', '11'];

test('qusop answer: five questions answered with population, model, interval and band; report, plots, summary; reproducible with qusop run', { timeout: 120_000 }, async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'answer');
    const started = Date.now();
    const r = await runCli(['answer', join(ROOT, 'data', 'EstData.csv'), ...MODEL_ARGS, ...SMALL, '--out', out, '--format', 'md', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    process.stdout.write(`# qusop answer (20 x 100, 2 workers): ${Date.now() - started} ms\n`);
    assert.match(r.stderr, /TEST model/);
    assert.match(r.stdout, /^# qusop answer/m, 'markdown summary printed');
    assert.match(r.stdout, /TEST MODEL/);

    const doc = JSON.parse(await readFile(join(out, 'answers.json'), 'utf8')) as { answers: Answer[]; test_model: boolean; runs: { run_id: string }[] };
    assert.equal(doc.test_model, true);
    const answers = doc.answers;
    assert.equal(answers.length, 12, '3 populations x 2 regimens x 2 targets');
    const count = (q: number): number => answers.filter((a) => a.question === q).length;
    assert.deepEqual([1, 2, 3, 4, 5].map(count), [1, 1, 2, 2, 6]);
    const card = JSON.parse(await readFile(join(TEST_MODEL_DIR, 'qd.model.json'), 'utf8')) as { sha256: string };
    for (const a of answers) {
      const where = `Q${a.question} ${a.population}/${a.regimen}/${a.target}`;
      assert.ok(a.dose !== null && a.mean_crossing !== null, `${where}: answered on the grid`);
      assert.ok(a.population_assumptions.length > 20 && /BW/.test(a.population_assumptions) && /COMED/.test(a.population_assumptions), `${where}: assumptions in words`);
      assert.equal(a.model.name, 'known-answer');
      assert.equal(a.model.test_model, true);
      if (a.regimen === 'qd') assert.equal(a.model.sha256, card.sha256);
      const [lo, hi] = a.interval;
      assert.ok(lo !== null && hi !== null && lo <= hi, `${where}: interval [${lo}, ${hi}]`);
      assert.ok(a.band.lo !== null && a.band.lo >= a.target, `${where}: lower band ${a.band.lo} meets the target at the conservative dose`);
      assert.ok(a.dose >= a.mean_crossing, `${where}: conservative >= mean crossing`);
      assert.equal(a.run_id, doc.runs[0]?.run_id);
    }
    const dose = (p: string, rg: string, t: number): number => answers.find((a) => a.population === p && a.regimen === rg && a.target === t)?.dose ?? NaN;
    for (const rg of ['qd', 'qw']) {
      for (const p of ['base', 'heavy', 'nocomed']) assert.ok(dose(p, rg, 0.75) <= dose(p, rg, 0.9), `${p}/${rg}: 75 % <= 90 %`);
      assert.ok(dose('heavy', rg, 0.9) > dose('base', rg, 0.9), `${rg}: BW 70-140 kg needs more than the trial population`);
      assert.ok(dose('nocomed', rg, 0.9) < dose('base', rg, 0.9), `${rg}: no COMED needs less`);
    }

    const html = await readFile(join(out, 'report.html'), 'utf8');
    assert.match(html, /TEST MODEL/);
    // calibration gates: in answers.json (pass/fail/inconclusive with the interval) and as a table in the report;
    // the model's gate status is flagged next to the decisions unless it is within every gate
    const gates = (doc as unknown as { calibration: { models: { gate_status: string; gates: { gate: string; verdict: string; ci: number[] | null; why: string }[] }[] } }).calibration.models[0];
    assert.deepEqual(gates?.gates.map((g) => g.gate), ['calibration slope', 'AUC', 'Hosmer–Lemeshow']);
    for (const g of gates?.gates ?? []) assert.ok(['pass', 'fail', 'inconclusive'].includes(g.verdict) && g.why.length > 0, `${g.gate}: ${g.verdict}`);
    assert.ok(['within', 'outside', 'not-shown'].includes(gates?.gate_status ?? ''));
    assert.match(html, /<h3 id="calibration-gates">Calibration gates[^<]*<\/h3><table>.*calibration slope in \[0\.9, 1\.1\].*AUC ≥ 0\.80.*Hosmer–Lemeshow p ≥ 0\.05/s);
    if (gates?.gate_status !== 'within') assert.match(html, /<section id="decisions"><h2>Decision table<\/h2>(<div class="banner calibration-gate"|<p class="note calibration-gate")/);
    assert.equal((html.match(/<figure id="plot-/g) ?? []).length, 6);
    const pngs = (await readdir(join(out, 'plots'))).filter((f) => f.endsWith('.png')).sort();
    assert.deepEqual(pngs, ['base-qd.png', 'base-qw.png', 'heavy-qd.png', 'heavy-qw.png', 'nocomed-qd.png', 'nocomed-qw.png']);
    for (const f of pngs) assert.equal((await readFile(join(out, 'plots', f))).subarray(1, 4).toString(), 'PNG');
    assert.ok((await readFile(join(out, 'summary.md'), 'utf8')).startsWith('# qusop answer'));
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { status: string };
    assert.equal(manifest.status, 'succeeded');

    // the scenario file in DIR is ordinary `qusop run` input and reproduces the decisions byte for byte
    const again = await runCli(['run', join(out, 'scenarios.yaml'), '--out', join(tmp, 'again'), '--workers', '2', '--quiet']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await readFile(join(tmp, 'again', 'decisions.json'), 'utf8'), await readFile(join(out, 'decisions.json'), 'utf8'));
  });
});

test('qusop answer: a model without a QW card is refused before anything runs', async () => {
  await withTempDir(async (tmp) => {
    const r = await runCli(['answer', join(ROOT, 'data', 'EstData.csv'), '--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--out', join(tmp, 'x')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /model "known-answer" .* has no QW card/);
    await assert.rejects(readdir(join(tmp, 'x')), 'no output directory');
  });
});
