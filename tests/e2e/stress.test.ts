/**
 * `qusop stress` end to end (real CLI): the direction of the minimal dose under a body-weight shift on
 * the known-answer TEST model and on the shipped model, the base-population value giving `qusop
 * answer`'s counts and decision for the same question and seed, and the same bytes with other worker
 * counts and tile sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { stringify } from 'yaml';
import { ROOT, runCli, TEST_MODEL_DIR, withTempDir } from '../kit/cli.js';
import { cellTable } from '../kit/run-dir.js';

const ESTDATA = join(ROOT, 'data', 'EstData.csv');
const MODELS = ['--model', join(TEST_MODEL_DIR, 'qd.model.json'), '--model', join(TEST_MODEL_DIR, 'qw.model.json')];
const BASE = ['--bw', 'uniform:51:100', '--comed', 'bernoulli:0.5'];
const TARGET = 0.9;

interface Curve { scenario: string; regimen: string; dose: number; n: number; k: number; cp_lo: number; cp_hi: number }
interface StressDose { regimen: string; target: number; dose: number | null; mean_crossing: number | null; interval: [number | null, number | null] }
interface StressJson { run_id: string; sweeps: { param: string; points: { value: number; scenario: string; doses: StressDose[] }[] }[] }

async function curves(dir: string): Promise<Map<string, Curve[]>> {
  const pq = await readFile(join(dir, 'curves.parquet'));
  const rows = (await parquetReadObjects({ file: pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength) as ArrayBuffer })) as unknown as Curve[];
  const by = new Map<string, Curve[]>();
  for (const r of rows) by.set(r.scenario, [...(by.get(r.scenario) ?? []), r]);
  return by;
}

const stressJson = async (dir: string): Promise<StressJson> => JSON.parse(await readFile(join(dir, 'stress.json'), 'utf8')) as StressJson;

/** One QD question, max PD <= 3.3 ng/mL, 90 %, on the known-answer model's grid. */
async function questionFile(dir: string): Promise<string> {
  const path = join(dir, 'q.yaml');
  await writeFile(path, stringify({
    questions: [{ id: 'qd90', threshold: { value: 3.3, unit: 'ng/mL' }, regimens: [{ name: 'qd', tau_h: 24, doses_mg: { start: 0.5, stop: 40, step: 0.5 } }], populations: [{ name: 'base' }], targets: [TARGET] }],
  }));
  return path;
}

/**
 * The band statement of "heavier needs at least the lighter's dose": no dose where the heavier
 * population is significantly better (its CP lower bound above the lighter's CP upper bound), and at
 * the lighter population's minimal dose (smallest dose with CP lower bound >= target) the heavier
 * population's whole CP band lies below the target.
 */
function assertHeavierNeedsMore(light: readonly Curve[], heavy: readonly Curve[], what: string): void {
  const heavyAt = new Map(heavy.map((c) => [c.dose, c]));
  for (const l of light) {
    const h = heavyAt.get(l.dose);
    assert.ok(h !== undefined, `${what}: dose ${l.dose} mg in both`);
    assert.ok(h.cp_lo <= l.cp_hi, `${what}: at ${l.dose} mg the heavier band [${h.cp_lo}, ${h.cp_hi}] lies above the lighter [${l.cp_lo}, ${l.cp_hi}]`);
  }
  const dLight = light.find((c) => c.cp_lo >= TARGET);
  assert.ok(dLight !== undefined, `${what}: the lighter population reaches ${TARGET} on the grid`);
  const h = heavyAt.get(dLight.dose);
  assert.ok(h !== undefined && h.cp_hi < TARGET, `${what}: at the lighter's minimal dose ${dLight.dose} mg the heavier band [${h?.cp_lo}, ${h?.cp_hi}] should lie below ${TARGET}`);
}

/*
 * Direction. Known-answer model: exposure x = dose / (BW tau_days), inhibition h = x / (x + ec50), window
 * max of PD = base (1 - emax h smin): a heavier subject has lower x, so a higher max PD, so success
 * (max <= threshold) can only be lost. With common random numbers a bw-mean shift of a uniform moves
 * every subject's weight by the same +d with the same eta and COMED, so k(d) is non-increasing in the
 * mean weight at every dose, exactly; the CP lower band is increasing in k at fixed n, so the minimal
 * dose is non-decreasing. Shipped model: CL ~ BW^0.75 and V ~ BW, so the average steady-state
 * concentration dose / (CL tau) falls with weight and less of the PD production is inhibited.
 */
test('stress bw-mean on the known-answer model: a heavier population never needs a lower dose (exact counts under common random numbers, CP bands)', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out');
    const r = await runCli(['stress', ESTDATA, ...MODELS, ...BASE, '--questions', await questionFile(tmp), '--shift', 'bw-mean=50:110:20', '--shift', 'bw-range=51:100,52:101',
      '--replicates', '4', '--subjects', '200', '--workers', '2', '--seed', '7', '--quiet', '--out', out], { timeoutMs: 150_000 });
    assert.equal(r.code, 0, r.stderr);
    const by = await curves(out);
    // a 1 kg shift changes p(d) by far less than the Monte Carlo sd of k (~sqrt(n p (1 - p)) ~ 10 of
    // n = 800): only common random numbers keep k ordered at every one of the 80 doses
    const pairs = [['bw-mean-50', 'bw-mean-70'], ['bw-mean-70', 'bw-mean-90'], ['bw-mean-90', 'bw-mean-110'], ['bw-range-51-100', 'bw-range-52-101']] as const;
    for (const [lighter, heavier] of pairs) {
      const light = by.get(lighter) ?? [];
      const heavy = by.get(heavier) ?? [];
      assert.equal(heavy.length, 80);
      heavy.forEach((h, j) => assert.ok(h.k <= (light[j]?.k ?? -1) && h.n === light[j]?.n, `${heavier} at ${h.dose} mg: k ${h.k} > ${light[j]?.k} of ${lighter}`));
    }
    assertHeavierNeedsMore(by.get('bw-mean-50') ?? [], by.get('bw-mean-110') ?? [], 'known-answer 50 vs 110 kg');
    const points = (await stressJson(out)).sweeps.find((w) => w.param === 'bw-mean')?.points ?? [];
    assert.deepEqual(points.map((p) => p.value), [50, 70, 90, 110]);
    const doses = points.map((p) => p.doses[0]?.dose ?? null);
    assert.ok(doses.every((d) => d !== null), `every value reaches the target: ${doses.join(', ')}`);
    for (let i = 1; i < doses.length; i += 1) assert.ok(doses[i]! >= doses[i - 1]!, `minimal doses non-decreasing in the mean weight: ${doses.join(', ')}`);
    await access(join(out, 'plots', 'stress-bw-mean.png'));
    assert.match(await readFile(join(out, 'stress.md'), 'utf8'), /\| 110 \| /);
  });
});

test('stress bw-mean on the shipped model (CL ~ BW^0.75): 110 kg needs more than 50 kg by the CP bands', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out');
    const r = await runCli(['stress', ESTDATA, '--shift', 'bw-mean=50,110', '--replicates', '4', '--subjects', '200', '--workers', '2', '--seed', '7', '--quiet', '--out', out], { timeoutMs: 150_000 });
    assert.equal(r.code, 0, r.stderr);
    const by = await curves(out);
    assertHeavierNeedsMore(by.get('bw-mean-50') ?? [], by.get('bw-mean-110') ?? [], 'shipped model 50 vs 110 kg');
    assert.match(await readFile(join(out, 'scenarios.yaml'), 'utf8'), /mean_kg: 110/);
  });
});

test('stress: the shift value equal to the base population gives qusop answer\'s counts and decision for the same question and seed', async () => {
  await withTempDir(async (tmp) => {
    const q = await questionFile(tmp);
    const common = [...MODELS, ...BASE, '--questions', q, '--replicates', '4', '--subjects', '200', '--workers', '2', '--seed', '11', '--quiet'];
    const answer = await runCli(['answer', ESTDATA, ...common, '--out', join(tmp, 'answer')], { timeoutMs: 150_000 });
    assert.equal(answer.code, 0, answer.stderr);
    const stress = await runCli(['stress', ESTDATA, ...common, '--shift', 'comed=0.25,0.5', '--out', join(tmp, 'stress')], { timeoutMs: 150_000 });
    assert.equal(stress.code, 0, stress.stderr);
    // every shard cell (dose, replicate, n, k, exact sums of the window maxima) of the scenario, renamed
    const cellsOf = (lines: string[], scenario: string): string[] => lines.filter((l) => l.startsWith(`${scenario}|`)).map((l) => l.slice(scenario.length));
    const answerCells = cellsOf(await cellTable(join(tmp, 'answer')), 'base');
    assert.ok(answerCells.length > 0);
    assert.deepEqual(cellsOf(await cellTable(join(tmp, 'stress')), 'comed-0.5'), answerCells);
    assert.notDeepEqual(cellsOf(await cellTable(join(tmp, 'stress')), 'comed-0.25'), answerCells, 'another prevalence is another population');
    const decision = async (dir: string, scenario: string): Promise<unknown> => {
      const all = (JSON.parse(await readFile(join(tmp, dir, 'decisions.json'), 'utf8')) as { decisions: { scenario: string }[] }).decisions;
      const found = all.find((d) => d.scenario === scenario);
      return found === undefined ? undefined : { ...found, scenario: '' };
    };
    assert.deepEqual(await decision('stress', 'comed-0.5'), await decision('answer', 'base'));
    const answered = (JSON.parse(await readFile(join(tmp, 'answer', 'answers.json'), 'utf8')) as { answers: { dose: number | null; mean_crossing: number | null; interval: unknown }[] }).answers[0];
    const point = (await stressJson(join(tmp, 'stress'))).sweeps[0]?.points.find((p) => p.scenario === 'comed-0.5')?.doses[0];
    assert.deepEqual({ dose: point?.dose, mean_crossing: point?.mean_crossing, interval: point?.interval }, { dose: answered?.dose, mean_crossing: answered?.mean_crossing, interval: answered?.interval });
  });
});

test('stress is deterministic: the same bytes with 1 or 2 workers and any tile size; the same request resumes, another is refused', async () => {
  await withTempDir(async (tmp) => {
    const q = await questionFile(tmp);
    const common = [...MODELS, ...BASE, '--questions', q, '--shift', 'bw-range=50:70,70:140', '--shift', 'comed=0:1:0.5', '--replicates', '3', '--subjects', '60', '--seed', '3', '--quiet'];
    const a = await runCli(['stress', ESTDATA, ...common, '--workers', '1', '--out', join(tmp, 'a')], { timeoutMs: 150_000 });
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli(['stress', ESTDATA, ...common, '--workers', '2', '--tile-trajectories', '500', '--out', join(tmp, 'b')], { timeoutMs: 150_000 });
    assert.equal(b.code, 0, b.stderr);
    for (const name of ['stress.json', 'stress.md', 'decisions.json', 'curves.parquet', join('plots', 'stress-comed.png'), join('plots', 'stress-bw-range.png')]) {
      assert.ok((await readFile(join(tmp, 'a', name))).equals(await readFile(join(tmp, 'b', name))), `${name} is byte-identical`);
    }
    assert.equal(a.stdout, b.stdout);
    // the same request again resumes from the shards; another one into the directory is refused
    const before = await readFile(join(tmp, 'a', 'stress.json'));
    const again = await runCli(['stress', ESTDATA, ...common, '--workers', '2', '--out', join(tmp, 'a')], { timeoutMs: 150_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /: (\d+) tiles \(\1 already done\)/);
    assert.ok((await readFile(join(tmp, 'a', 'stress.json'))).equals(before));
    const other = await runCli(['stress', ESTDATA, ...common.map((x) => (x === 'comed=0:1:0.5' ? 'comed=0,1' : x)), '--workers', '1', '--out', join(tmp, 'a')], { timeoutMs: 60_000 });
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /answer-request\.json: field population: .*comed=0:1:0\.5.*comed=0,1.*choose another --out/);
  });
});

test('stress MODEL: a model instead of a trial runs when the population needs no trial', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out');
    const r = await runCli(['stress', TEST_MODEL_DIR, ...BASE, '--questions', await questionFile(tmp), '--shift', 'bw-range=51:100,70:140',
      '--replicates', '2', '--subjects', '50', '--workers', '1', '--seed', '5', '--quiet', '--out', out], { timeoutMs: 150_000 });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(await readFile(join(out, 'stress.json'), 'utf8')) as { trial: unknown; sweeps: { points: { scenario: string }[] }[] };
    assert.equal(json.trial, null);
    assert.deepEqual(json.sweeps[0]?.points.map((p) => p.scenario), ['bw-range-51-100', 'bw-range-70-140']);
    assert.doesNotMatch(await readFile(join(out, 'scenarios.yaml'), 'utf8'), /subjects_source/);
  });
});
