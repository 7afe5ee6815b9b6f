/**
 * QCNN p_success cards' inference rate through the worker's session (population graph + classifier +
 * reduction head, one intra-op thread, 4 000-row batches): `node dist/bench/qcnn/throughput.js [DIR]`
 * (default models/qcnn-estdata). Random subjects (BW 50-100 kg, COMED 0/1, eta N(0,1), theta draw 0),
 * doses 1-20 mg; 7 repetitions per card, the median printed as trajectories/s.
 */
import { join } from 'node:path';
import { silentLogger } from '../../worker/common/log.js';
import { loadModel } from '../../worker/model/load-card.js';
import { loadTrajectoryModel } from '../../worker/onnx/session.js';
import { normals, uniforms } from '../../models/sequence/seeded.js';

const ROWS = 4_000;
const REPS = 7;

async function rate(cardPath: string): Promise<number> {
  const m = await loadModel(cardPath);
  const runner = await loadTrajectoryModel(m.card, m.onnx, { executionProvider: 'cpu', maxBatchRows: ROWS, intraOpThreads: 1, logger: silentLogger });
  const K = m.card.inputs.eta?.dim ?? 0;
  const theta = m.card.inputs.theta?.draws[0] ?? [];
  const inputs = {
    dose: Float32Array.from(uniforms(1, 9, 0, ROWS, 1, 20)),
    bw: Float32Array.from(uniforms(1, 9, 1, ROWS, 50, 100)),
    comed: Float32Array.from(uniforms(1, 9, 2, ROWS), (u) => (u < 0.5 ? 1 : 0)),
    eta: Float32Array.from(normals(1, 9, 3, ROWS * K)),
    theta: Float32Array.from({ length: ROWS * theta.length }, (_, i) => theta[i % theta.length] ?? NaN),
  };
  const times: number[] = [];
  try {
    for (let r = 0; r < REPS; r += 1) {
      const t0 = process.hrtime.bigint();
      await runner.evaluate(inputs, 20, ROWS / 20, 3.3);
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
  } finally {
    await runner.release();
  }
  times.sort((a, b) => a - b);
  return ROWS / (times[Math.floor(REPS / 2)] ?? NaN);
}

const dir = process.argv[2] ?? join('models', 'qcnn-estdata');
for (const tag of ['qd', 'qw']) {
  const perS = await rate(join(dir, `qcnn-${tag}.model.json`));
  process.stdout.write(`qcnn-${tag}: ${Math.round(perS)} trajectories/s (median of ${REPS}, ${ROWS} rows, 1 thread)\n`);
}
