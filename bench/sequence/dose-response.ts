/**
 * Prints what trained sequence models say: the window maximum and minimum of PD (ng/mL) at a few
 * doses, body weights and both COMED levels, straight from the ONNX graphs (onnxruntime-node).
 * Usage: node dist/bench/sequence/dose-response.js <card.model.json>...
 */
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../worker/model/load-card.js';

const QD_DOSES_MG = [0, 1, 3, 10, 20, 30, 40];
const QW_DOSES_MG = [0, 7, 21, 70, 140, 210, 400];

for (const cardPath of process.argv.slice(2)) {
  const m = await loadModel(cardPath);
  const session = await ort.InferenceSession.create(m.onnx);
  const doses = m.card.regimen.tau_h === 24 ? QD_DOSES_MG : QW_DOSES_MG;
  const T = m.card.time_grid_h.length;
  process.stdout.write(`${m.card.name} (val loss ${String(m.card.diagnostics['val_loss_z'])} z): window max / min PD, ng/mL\n`);
  for (const comed of [0, 1]) {
    for (const bwKg of [55, 70, 100]) {
      const f = (v: number[]) => new ort.Tensor('float32', Float32Array.from(v), [doses.length]);
      const pd = (await session.run({ dose: f(doses), bw: f(doses.map(() => bwKg)), comed: f(doses.map(() => comed)) }))['pd']!.data as Float32Array;
      const cells = doses.map((d, i) => {
        const w = pd.subarray(i * T, (i + 1) * T);
        return `${d} mg ${Math.max(...w).toFixed(2)}/${Math.min(...w).toFixed(2)}`;
      });
      process.stdout.write(`  COMED ${comed} BW ${bwKg}: ${cells.join(' | ')}\n`);
    }
  }
  await session.release();
}
