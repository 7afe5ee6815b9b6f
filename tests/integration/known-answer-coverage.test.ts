/**
 * Statistical acceptance of the engine on the known-answer TEST model (issue 2): over 20 seeds the
 * exact p(d) lies inside the 95 % Clopper–Pearson band for >= 93 % of (seed, dose) pairs, and the
 * mean-crossing minimal dose equals the exact one within one grid step, for QD and QW grids.
 *
 * Why these sizes: N = R x M = 10 000 subjects per dose gives SE(p-hat) <= 0.005; near the crossings
 * the exact curve rises >= 0.009 per grid step and the targets sit >= 0.004 from p at the neighbouring
 * grid doses (checked in known-answer-model.test.ts), so a two-step miss needs a >= 4 SE deviation.
 * CP bands are conservative (coverage >= 95 % per dose), so 93 % of 1 800 correlated pairs is a
 * check that fails for a biased engine (e.g. a wrong threshold or dose unit), not a coin flip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS } from '../../models/testmodel/known-answer.js';
import { exactAttainment, exactMinimalDose } from '../../models/testmodel/exact.js';
import { withTempDir } from '../kit/cli.js';
import { runInProcess } from '../kit/engine.js';
import { knownAnswerScenario, writeScenario } from '../kit/scenarios.js';

const POPULATION = { bw: { kind: 'uniform', minKg: 51, maxKg: 100 }, comed: { kind: 'bernoulli', p: 0.5 } } as const;
const SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + 17 * i);

test('known-answer model: CP coverage >= 93 % over 20 seeds and mean crossings within one grid step', async () => {
  await withTempDir(async (tmp) => {
    const exact = new Map<string, number>();
    const pExact = (regimen: 'qd' | 'qw', dose: number): number => {
      const key = `${regimen}/${dose}`;
      let p = exact.get(key);
      if (p === undefined) {
        p = exactAttainment(KNOWN_ANSWER_PARAMS, KNOWN_ANSWER_REGIMENS[regimen], dose, POPULATION, 3.3);
        exact.set(key, p);
      }
      return p;
    };
    let pairs = 0;
    let covered = 0;
    const misses: string[] = [];
    for (const seed of SEEDS) {
      const path = await writeScenario(tmp, knownAnswerScenario({ seed, replicates: 20, subjects: 500, qdStop: 20, qwStop: 250 }), `s${seed}.yaml`);
      const { curves, decisions } = await runInProcess(path);
      for (const c of curves) {
        const p = pExact(c.regimen as 'qd' | 'qw', c.dose);
        pairs += 1;
        if (c.cp_lo <= p && p <= c.cp_hi) covered += 1;
      }
      for (const d of decisions) {
        const regimen = d.regimen as 'qd' | 'qw';
        const grid = curves.filter((c) => c.regimen === regimen).map((c) => c.dose);
        const truth = exactMinimalDose(grid, grid.map((x) => pExact(regimen, x)), d.target);
        assert.notEqual(truth, null);
        const step = (grid[1] ?? 0) - (grid[0] ?? 0);
        if (d.mean_crossing === null || Math.abs(d.mean_crossing - (truth ?? 0)) > step + 1e-9) {
          misses.push(`seed ${seed} ${regimen} ${d.target}: mean crossing ${d.mean_crossing}, exact ${truth}`);
        }
      }
    }
    const coverage = covered / pairs;
    process.stdout.write(`# known-answer coverage: ${covered}/${pairs} = ${(100 * coverage).toFixed(2)} %\n`);
    assert.ok(coverage >= 0.93, `CP coverage ${coverage} over ${pairs} (seed, dose) pairs`);
    assert.deepEqual(misses, [], 'mean-crossing minimal dose within one grid step of the exact one');
  });
});
