/**
 * A resampled population's `clip_kg` bounds the jitter, never the trial's own weights
 * (coordinator/scenario/compile.ts): the default [35, 120] kg is an adult range, and a neonatal trial
 * (weights 0.6-3.5 kg, as NONMEM's phenobarbital example) drew every virtual subject at 35 kg, so
 * `qusop answer` answered for 35 kg "neonates" without saying so. EstData's weights lie inside the
 * default: its populations compile exactly as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileScenarioFile } from '../../coordinator/scenario/compile.js';
import { ROOT, withTempDir } from '../kit/cli.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

type Obj = Record<string, unknown>;
const ESTDATA = join(ROOT, 'data', 'EstData.csv');

function scenario(population: Obj): Obj {
  const o = knownAnswerScenario({ replicates: 2, subjects: 10, qdStop: 2, qwStop: 10 });
  ((o['scenarios'] as Obj[])[0] as Obj)['population'] = population;
  return o;
}

/** Three neonates (0.6, 1.4, 3.5 kg), an IV-free minimal layout: a dose and a sample each. */
async function neonates(dir: string): Promise<string> {
  const rows = [[1, 0.6], [2, 1.4], [3, 3.5]].flatMap(([id, wt]) => [`${id},0,10,.,${wt}`, `${id},2,0,15,${wt}`]);
  const path = join(dir, 'neonates.csv');
  await writeFile(path, ['ID,TIME,AMT,DV,WT', ...rows].join('\n') + '\n');
  return path;
}

const resample = (source: string, bw: Obj = {}): Obj => ({ subjects_source: source, bw: { resample: { sigma: 0.1, ...bw } }, comed: 'observed' });

test("the default clip is widened to a neonatal trial's weights, and the label says so", async () => {
  await withTempDir(async (dir) => {
    const compiled = await compileScenarioFile(await writeScenario(dir, scenario(resample(await neonates(dir))), 'a.yaml'));
    const sc = compiled.spec.scenarios[0];
    assert.ok(sc?.population.bw.kind === 'resample');
    assert.deepEqual(sc.population.bw.subjectBwKg, [0.6, 1.4, 3.5]);
    assert.deepEqual(sc.population.bw.clipKg, [0.6, 120]);
    assert.match(sc.populationLabel, /clipped to \[0\.6, 120\] kg \(clip_kg \[35, 120\] widened to the trial's weights\)/);
  });
});

test('an explicit clip that cuts into the trial is widened on that side only; with mean_kg the scaled weights count', async () => {
  await withTempDir(async (dir) => {
    const trial = await neonates(dir);
    const upper = await compileScenarioFile(await writeScenario(dir, scenario(resample(trial, { clip_kg: [0.1, 2] })), 'b.yaml'));
    const bw = upper.spec.scenarios[0]?.population.bw;
    assert.ok(bw?.kind === 'resample');
    assert.deepEqual(bw.clipKg, [0.1, 3.5]);
    // mean 11/6 kg scaled to 2 kg: weights x 12/11; the clip [0.5, 3] scaled too, then widened to 3.5 x 12/11
    const shifted = await compileScenarioFile(await writeScenario(dir, scenario(resample(trial, { clip_kg: [0.5, 3], mean_kg: 2 })), 'c.yaml'));
    const sbw = shifted.spec.scenarios[0]?.population.bw;
    assert.ok(sbw?.kind === 'resample');
    const s = 2 / ((0.6 + 1.4 + 3.5) / 3);
    assert.deepEqual(sbw.clipKg, [0.5 * s, Math.max(...sbw.subjectBwKg)]);
    assert.equal(Math.max(...sbw.subjectBwKg), 3.5 * s);
  });
});

test("EstData (51-100 kg) inside the default clip: the clip and label are the default's", async () => {
  await withTempDir(async (dir) => {
    const compiled = await compileScenarioFile(await writeScenario(dir, scenario(resample(ESTDATA, { clip_kg: [35, 120] })), 'd.yaml'));
    const sc = compiled.spec.scenarios[0];
    assert.ok(sc?.population.bw.kind === 'resample');
    assert.deepEqual(sc.population.bw.clipKg, [35, 120]);
    assert.match(sc.populationLabel, /clipped to \[35, 120\] kg;/);
    assert.doesNotMatch(sc.populationLabel, /widened/);
  });
});
