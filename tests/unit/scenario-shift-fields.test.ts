/**
 * The scenario fields `qusop stress` writes: `random_stream` (the name that keys a scenario's random
 * numbers) and `resample.mean_kg` (trial weights scaled to a mean). Absent, a scenario compiles to the
 * spec and run id it had before them; present, they change exactly what they say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { ROOT, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;
const ESTDATA = join(ROOT, 'data', 'EstData.csv');

function scenario(extra: Obj, population?: Obj): Obj {
  const o = knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
  const sc = (o['scenarios'] as Obj[])[0] as Obj;
  Object.assign(sc, extra);
  if (population !== undefined) sc['population'] = population;
  return o;
}

test('random_stream: absent or equal to the name leaves the spec and run id as they were; another name is carried as the stream', async () => {
  await withTempDir(async (dir) => {
    const plain = await compileScenarioFile(await writeScenario(dir, scenario({}), 'a.yaml'));
    const same = await compileScenarioFile(await writeScenario(dir, scenario({ random_stream: 'ka' }), 'b.yaml'));
    const other = await compileScenarioFile(await writeScenario(dir, scenario({ random_stream: 'base' }), 'c.yaml'));
    assert.equal('stream' in (plain.spec.scenarios[0] ?? {}), false);
    assert.equal(same.spec.runId, plain.spec.runId);
    assert.equal(other.spec.scenarios[0]?.stream, 'base');
    assert.notEqual(other.spec.runId, plain.spec.runId, 'another random stream is another run');
  });
});

test('resample.mean_kg scales every trial weight and the clip bounds by mean_kg / trial mean', async () => {
  await withTempDir(async (dir) => {
    const population = (bw: Obj): Obj => ({ subjects_source: ESTDATA, bw: { resample: { sigma: 0.1, clip_kg: [35, 120], ...bw } }, comed: 'resampled' });
    const base = await compileScenarioFile(await writeScenario(dir, scenario({}, population({})), 'a.yaml'));
    const shifted = await compileScenarioFile(await writeScenario(dir, scenario({}, population({ mean_kg: 110 })), 'b.yaml'));
    const bw0 = base.spec.scenarios[0]?.population.bw;
    const bw1 = shifted.spec.scenarios[0]?.population.bw;
    assert.ok(bw0?.kind === 'resample' && bw1?.kind === 'resample');
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const s = 110 / mean(bw0.subjectBwKg);
    // a sum of 48 doubles scaled by s: relative rounding error ~ 48 * 2^-53, far below 1e-12
    assert.ok(Math.abs(mean(bw1.subjectBwKg) - 110) < 1e-9, `mean ${mean(bw1.subjectBwKg)}`);
    bw1.subjectBwKg.forEach((w, i) => assert.equal(w, (bw0.subjectBwKg[i] ?? NaN) * s));
    assert.deepEqual(bw1.clipKg, [35 * s, 120 * s]);
    assert.deepEqual(bw1.subjectComed, bw0.subjectComed);
    assert.match(shifted.spec.scenarios[0]?.populationLabel ?? '', /trial mean [\d.]+ kg -> 110 kg/);
    assert.equal(base.spec.scenarios[0]?.populationLabel.includes('->'), false);
  });
});
