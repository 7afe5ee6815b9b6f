/**
 * A saturable-elimination oral trial of known truth (issue 18 §1): the test kit's generator
 * (tests/kit/michaelis-menten-trial.ts: four single oral doses spanning KM, RK4 of the ODE independent of
 * the structures' Dormand-Prince). `qusop fit --structure 1cmt-oral,1cmt-oral-mm` ranks both by BIC,
 * chooses 1cmt-oral-mm and recovers the typical dose -> exposure curve (VMAX and KM within their ridge);
 * its MODEL.yaml names the structure and imports back to the same graphs. (`qusop answer` on it is not
 * tested here: a fit takes ~2-4 min on the dev VM, and the sweep of the Loop graph ~1000 trajectories/s.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { MM_TRUTH, writeMichaelisMentenTrial } from '../kit/michaelis-menten-trial.js';

/** The average steady-state concentration (mg/L) at dose rate `rate` (mg/h): rate = CL C + VMAX C / (KM + C), by bisection. */
function averageSteadyState(cl: number, vmax: number, km: number, rate: number): number {
  let [lo, hi] = [0, 1e6];
  for (let i = 0; i < 200; i += 1) {
    const c = (lo + hi) / 2;
    if (cl * c + (vmax * c) / (km + c) > rate) hi = c; else lo = c;
  }
  return lo;
}

interface FitRecord { fit: { structure: string; population: { fixed: Record<string, number> }; se: { fixed: Record<string, number> } } }

test('saturable-elimination trial of known truth: qusop fit --structure 1cmt-oral,1cmt-oral-mm chooses 1cmt-oral-mm and recovers the dose -> exposure curve', { timeout: 600_000 }, async () => {
  await withTempDir(async (dir) => {
    const trial = await writeMichaelisMentenTrial(join(dir, 'mm.csv'), MM_TRUTH, 1);
    const out = join(dir, 'fit');
    const r = await runCli(['fit', trial, '--out', out, '--structure', '1cmt-oral,1cmt-oral-mm', '--draws', '20', '--vpc-replicates', '50'], { timeoutMs: 580_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /structure selection: .*1cmt-oral-mm BIC -?[\d.]+ \(chosen\)/);
    const record = JSON.parse(await readFile(join(out, 'fit.json'), 'utf8')) as FitRecord;
    assert.equal(record.fit.structure, '1cmt-oral-mm');
    // what dose extrapolation needs is the typical dose -> exposure curve, not VMAX and KM one by one (they
    // lie on a ridge: nearly the same curve over the trial's range from a lower KM with a lower VMAX and a
    // higher CL). The typical average steady-state concentration at QD 100-400 mg (dose rate 4-17 mg/h, up
    // to 0.8 VMAX; Css solves rate = CL C + VMAX C / (KM + C)) within 10 % of the truth's: the
    // low-concentration clearance has SE ~5 % (40 subjects, IIV sd 0.3 on CL), the top doses pin the saturation
    const f = record.fit.population.fixed;
    for (const dose of [100, 200, 300, 400]) {
      const got = averageSteadyState(f['CL'] ?? NaN, f['VMAX'] ?? NaN, f['KM'] ?? NaN, dose / 24);
      const want = averageSteadyState(MM_TRUTH.CL, MM_TRUTH.VMAX, MM_TRUTH.KM, dose / 24);
      assert.ok(Math.abs(got / want - 1) <= 0.1, `Css at ${dose} mg QD: ${got} vs true ${want} (fit ${JSON.stringify(f)})`);
    }
    // VMAX and KM themselves within 50 % (measured on this seed: +37 % and +28 %, each ~4 of their
    // linearised SEs, which understate the ridge), and CL + VMAX / KM within 10 %
    for (const [name, want] of [['VMAX', MM_TRUTH.VMAX], ['KM', MM_TRUTH.KM]] as const) {
      const got = f[name] ?? NaN;
      assert.ok(Math.abs(got / want - 1) <= 0.5, `${name}: ${got} (SE ${record.fit.se.fixed[name]}) vs true ${want}`);
    }
    const low = (f['CL'] ?? NaN) + (f['VMAX'] ?? NaN) / (f['KM'] ?? NaN);
    const lowTrue = MM_TRUTH.CL + MM_TRUTH.VMAX / MM_TRUTH.KM;
    assert.ok(Math.abs(low / lowTrue - 1) <= 0.1, `CL + VMAX/KM ${low} vs true ${lowTrue}`);
    const card = JSON.parse(await readFile(join(out, 'qd.model.json'), 'utf8')) as { family: string; outputs: { pd: string | null } };
    assert.deepEqual([card.family, card.outputs.pd], ['mechanistic-1cmt-mm', null]);
    assert.match(await readFile(join(out, 'model.yaml'), 'utf8'), /^structure: one-compartment-oral-michaelis-menten$/m);
    // MODEL.yaml round trip: imported, it gives the fit's own graphs bit for bit
    const imported = join(dir, 'imported');
    const back = await runCli(['model', 'import', join(out, 'model.yaml'), '--out', imported]);
    assert.equal(back.code, 0, back.stderr);
    for (const tag of ['qd', 'qw']) assert.ok((await readFile(join(imported, `${tag}.onnx`))).equals(await readFile(join(out, `${tag}.onnx`))), `${tag}.onnx: the imported graph differs from the fit's`);
  });
});
