/**
 * The PyTorch peer (bench/peer) is the same network as the shipped BiLSTM models: for 64 check
 * subjects (doses 0-400 mg, BW 40-140 kg, both COMED values) on bilstm-qd (T=24) and bilstm-qw (T=168)
 * its pd equals onnxruntime-node's pd from the same ONNX file, and its reduction (k, sum of maxima)
 * equals a JS reduction of the ORT pd. Timing is exercised on one tiny batch only: speed is the
 * benchmark's business, never a test's. Needs Debian's python3-torch (.ci/apt-packages).
 *
 * Tolerance: both sides run float32 with different GEMM summation orders (MLAS vs OpenBLAS, and
 * torch's [Y_fwd, Y_bwd] @ K against ONNX's per-direction MatMul + ReduceSum), so each pd differs by a
 * few float32 ulps of the pre-activations propagated through <= 168 recurrent steps and scaled by
 * pd_sd. Measured: max |diff| 1.9e-6 ng/mL (QD) and 2.9-3.8e-6 ng/mL (QW); 1e-3 ng/mL leaves ~250x room for
 * other BLAS kernels while a gate-order or bias-layout mistake moves pd by O(1) ng/mL (checked: swapping
 * the gate permutation gives 4.5 vs 8.4 ng/mL on the first subject).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { PEER_DEBIAN_PACKAGE, PEER_PYTHON, peerAvailable, runTorchPeer, TUNED_MALLOC_ENV, tunedPeerEnv } from '../../bench/peer/torch-peer.js';
import { repoFile } from '../kit/sequence-trial.js';

const PD_TOL_NG_ML = 1e-3;
const N = 64;

/** Deterministic subjects spread over the sweep ranges; the 37-stride decorrelates dose from BW. */
const check = {
  dose: Array.from({ length: N }, (_, i) => (400 * i) / (N - 1)),
  bw: Array.from({ length: N }, (_, i) => 40 + (100 * ((37 * i) % N)) / (N - 1)),
  comed: Array.from({ length: N }, (_, i) => i % 2),
};

async function ortPd(onnxPath: string): Promise<{ pd: Float32Array; steps: number }> {
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const feed = (v: number[]) => new ort.Tensor('float32', Float32Array.from(v), [N]);
    const out = await session.run({ dose: feed(check.dose), bw: feed(check.bw), comed: feed(check.comed) });
    const pd = out['pd'];
    assert.ok(pd !== undefined, `${onnxPath}: no pd output`);
    return { pd: pd.data as Float32Array, steps: Number(pd.dims[1]) };
  } finally {
    await session.release();
  }
}

/** A threshold in the widest gap between the middle half of the sorted maxima, so k is well-conditioned. */
function splittingThreshold(maxima: number[]): { thresholdNgMl: number; margin: number } {
  const sorted = [...maxima].sort((a, b) => a - b);
  let best = { thresholdNgMl: NaN, margin: -1 };
  for (let i = N / 4; i < (3 * N) / 4; i++) {
    const margin = (sorted[i + 1]! - sorted[i]!) / 2;
    if (margin > best.margin) best = { thresholdNgMl: Math.fround(sorted[i]! + margin), margin };
  }
  return best;
}

test('Debian python3 can import torch (the peer needs it)', () => {
  assert.ok(peerAvailable(), `${PEER_PYTHON} cannot import torch: install the Debian package ${PEER_DEBIAN_PACKAGE} (listed in .ci/apt-packages)`);
});

for (const name of ['bilstm-qd', 'bilstm-qw']) {
  test(`the torch peer computes ${name}'s pd, k and sum of maxima like onnxruntime`, { timeout: 60_000 }, async (t) => {
    assert.ok(peerAvailable(), `${PEER_PYTHON} cannot import torch: install the Debian package ${PEER_DEBIAN_PACKAGE}`);
    const onnxPath = repoFile(`models/sequence-estdata/${name}.onnx`);
    const ortOut = await ortPd(onnxPath);
    const T = ortOut.steps;
    const maxima = Array.from({ length: N }, (_, b) => Math.max(...ortOut.pd.subarray(b * T, (b + 1) * T)));
    const { thresholdNgMl, margin } = splittingThreshold(maxima);
    assert.ok(margin > PD_TOL_NG_ML, `${name}: the check maxima leave no gap wider than the tolerance to put a threshold in`);

    // one tiny timed batch exercises the timing path; QD also runs it as 2 concurrent processes, QW in the tuned set-up
    const processes = name === 'bilstm-qd' ? [1, 2] : [1];
    const setup = name === 'bilstm-qd' ? 'as-specified' : 'tuned';
    const peer = await runTorchPeer({ onnxPath, setup, thresholdNgMl, batches: [32], threads: [1], processes, minSeconds: 0.05, check });

    assert.ok(peer.blas.startsWith('OpenBLAS'), `peer BLAS: ${peer.blas}`);
    assert.equal(peer.setup, setup);
    assert.deepEqual(peer.tuningEnv, setup === 'tuned' ? tunedPeerEnv() : {});
    if (peer.tuningEnv['OPENBLAS_CORETYPE'] === 'SKYLAKEX') assert.match(peer.blas, /SkylakeX kernels/, 'the tuned peer runs OpenBLAS\'s AVX-512 kernels');
    assert.equal(peer.check.pd.length, N);
    let maxDiff = 0;
    peer.check.pd.forEach((row, b) => {
      assert.equal(row.length, T, `${name}: peer pd row ${b} length`);
      row.forEach((v, step) => {
        const diff = Math.abs(v - ortOut.pd[b * T + step]!);
        maxDiff = Math.max(maxDiff, diff);
        assert.ok(diff <= PD_TOL_NG_ML, `${name}: subject ${b} (dose ${check.dose[b]}, bw ${check.bw[b]}, comed ${check.comed[b]}) step ${step}: peer ${v} vs ORT ${ortOut.pd[b * T + step]}`);
      });
    });
    t.diagnostic(`${name}: max |pd_torch - pd_ort| = ${maxDiff.toExponential(2)} ng/mL over ${N}x${T}`);

    const kOrt = maxima.filter((m) => m <= thresholdNgMl).length;
    assert.ok(kOrt > 0 && kOrt < N, `${name}: threshold ${thresholdNgMl} should split the check subjects`);
    assert.equal(peer.check.k, kOrt, `${name}: k at threshold ${thresholdNgMl}`);
    const sumOrt = maxima.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(peer.check.sumMax - sumOrt) <= N * PD_TOL_NG_ML, `${name}: sumMax peer ${peer.check.sumMax} vs ORT ${sumOrt}`);

    assert.deepEqual(
      peer.runs.map((r) => [r.T, r.batch, r.threads, r.processes]),
      processes.map((p) => [T, 32, 1, p]),
    );
    for (const run of peer.runs) assert.ok(run.reps >= 3 * run.processes && run.medianMs > 0 && run.trajPerS > 0, JSON.stringify(run));
  });
}

test('the tuned peer asks for OpenBLAS AVX-512 kernels only on a CPU with AVX-512F', () => {
  const cpu = (flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: ${flags}\nbugs\t\t: none\n`;
  assert.deepEqual(tunedPeerEnv(cpu('fpu sse sse2 avx avx2 fma avx512f avx512dq avx512bw')), { ...TUNED_MALLOC_ENV, OPENBLAS_CORETYPE: 'SKYLAKEX' });
  assert.deepEqual(tunedPeerEnv(cpu('fpu sse sse2 avx avx2 fma avx512_bf16')), TUNED_MALLOC_ENV, 'avx512_bf16 is not avx512f');
  assert.deepEqual(tunedPeerEnv(''), TUNED_MALLOC_ENV);
});
