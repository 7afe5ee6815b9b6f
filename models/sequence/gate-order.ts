/**
 * Gate order and layout conversion between tfjs/Keras and ONNX LSTMs. tfjs keeps a kernel [in, 4H]
 * whose column blocks are the gates i, f, c, o (x @ kernel); ONNX keeps W [4H, in] whose row blocks
 * are i, o, f, c (W @ x). Getting this wrong still runs and gives plausible but wrong trajectories,
 * so it is tested against tfjs predictions (tests/unit/sequence-onnx.test.ts).
 */

/** For each ONNX gate block (i, o, f, c), the tfjs block it comes from (tfjs order i, f, c, o). */
export const ONNX_FROM_TFJS_GATE = [0, 3, 1, 2] as const;

/** A tfjs kernel [rows, 4H] (row-major) -> ONNX [4H, rows] with gate blocks reordered. */
export function kernelToOnnx(kernel: ArrayLike<number>, rows: number, hidden: number): Float32Array {
  const out = new Float32Array(4 * hidden * rows);
  for (let g = 0; g < 4; g++) {
    const src = ONNX_FROM_TFJS_GATE[g]!;
    for (let h = 0; h < hidden; h++) {
      for (let r = 0; r < rows; r++) out[(g * hidden + h) * rows + r] = kernel[r * 4 * hidden + src * hidden + h]!;
    }
  }
  return out;
}

/** A tfjs bias [4H] -> ONNX gate order. */
export function biasToOnnx(bias: ArrayLike<number>, hidden: number): Float32Array {
  const out = new Float32Array(4 * hidden);
  for (let g = 0; g < 4; g++) {
    const src = ONNX_FROM_TFJS_GATE[g]!;
    for (let h = 0; h < hidden; h++) out[g * hidden + h] = bias[src * hidden + h]!;
  }
  return out;
}
