/**
 * The VPC degeneracy screen against the VPC's own simulated trials (models/estimate/degeneracy.ts,
 * vpcMonteCarloP), on the trial where the selection bench found the binomial screen refusing the TRUE
 * structure: bench/selection's 2cmt-iv truth, seed 2 (EstData's design, doses as IV boluses). One
 * subject in the tail moves every percentile of its arm in the washout, so the true model's VPC covers
 * 71 % of 180 points: the binomial over 36 subjects flagged it (99 % bound 86.9 % < 88.2 %) and no
 * structure was eligible. A trial of the fitted model covers as little (its simulated trials: lowest
 * 66.7 %, measured), so the Monte Carlo test keeps it, while the 1-compartment fit (43 %) stays flagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';
import { LIBRARY_TRUTHS } from '../../bench/selection/library-truths.js';
import { trialSeed, writeLibraryTrial } from '../../bench/selection/library-trial.js';
import { vpcCoverageTooLow, vpcMonteCarloP } from '../../models/estimate/degeneracy.js';

interface Record_ {
  vpc: { replicates: number; coverage: { pk: number }; subjects: { pk: number }; bins: { dvid: number; observed: number[] }[]; nullCoverage: { pk: number[] } };
  degenerate: unknown[];
  selection: { structure: string; chosen: boolean; degenerate: string[] }[];
}

test('VPC screen: the true 2-compartment IV structure, flagged by the binomial screen, passes the Monte Carlo test; the 1-compartment fit stays flagged', { timeout: 300_000 }, async () => {
  await withTempDir(async (dir) => {
    const truth = LIBRARY_TRUTHS.find((t) => t.structure.id === '2cmt-iv');
    assert.ok(truth !== undefined);
    const trial = await writeLibraryTrial(join(dir, 'trial.csv'), truth, trialSeed('2cmt-iv', 2, 'per-structure'));
    const r = await runCli(['fit', trial, '--structure', '1cmt-iv,2cmt-iv', '--draws', '10', '--vpc-replicates', '100', '--out', join(dir, 'fit')], { timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(await readFile(join(dir, 'fit', 'fit.json'), 'utf8')) as Record_;
    assert.deepEqual(record.selection.map((c) => [c.structure, c.chosen]), [['1cmt-iv', false], ['2cmt-iv', true]]);
    assert.deepEqual(record.degenerate, []);
    const { vpc } = record;
    const n = vpc.bins.filter((b) => b.dvid === 1).reduce((s, b) => s + b.observed.length, 0);
    const k = Math.round(vpc.coverage.pk * n);
    // the case itself: the binomial screen over the subjects flags this right model ...
    assert.equal(vpcCoverageTooLow(k, n, vpc.replicates, vpc.subjects.pk), true, `${k} of ${n}`);
    // ... while a trial of the fitted model covers as little in more than 1 % of its simulations
    assert.equal(vpc.nullCoverage.pk.length, 100);
    assert.ok(vpcMonteCarloP(k / n, vpc.nullCoverage.pk) >= 0.01, `p ${vpcMonteCarloP(k / n, vpc.nullCoverage.pk)}`);
    const one = record.selection.find((c) => c.structure === '1cmt-iv');
    assert.match(one?.degenerate.join('\n') ?? '', /^VPC PK: \d+ of 180 observed percentiles .* Monte Carlo p = 0\.0099\d* < 0\.01\)$/m);
  });
});

test('vpcMonteCarloP: (1 + #{simulated <= observed}) / (R + 1)', () => {
  const nulls = Array.from({ length: 100 }, (_, i) => 0.7 + i * 0.002);
  assert.equal(vpcMonteCarloP(0.69, nulls), 1 / 101);
  assert.equal(vpcMonteCarloP(0.7, nulls), 2 / 101);
  assert.equal(vpcMonteCarloP(1, nulls), 1);
});
