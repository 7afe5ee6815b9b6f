/**
 * Seeded initial weights with Keras's defaults (what the paper's BiLSTM started from): Glorot-uniform
 * kernels, orthogonal recurrent kernels, zero biases except the LSTM forget gate at 1
 * (unit_forget_bias). Drawn from Philox here, not by tfjs initializers, so the same seed gives the
 * same starting point whatever tfjs version builds the layers. Layouts are tfjs's ([in, 4H], gate
 * blocks i, f, c, o).
 */
import { normals, STREAM, uniforms } from './seeded.js';

/** Glorot-uniform [fanIn, fanOut] (row-major) from tensor stream `sub`. */
export function glorotUniform(seed: number, sub: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from(uniforms(seed, STREAM.init, sub, fanIn * fanOut, -limit, limit));
}

/**
 * An orthogonal [rows, cols] matrix (rows <= cols): Gram–Schmidt on `rows` standard-normal vectors of
 * length cols, i.e. orthonormal rows (Keras: QR of a normal matrix, transposed when rows < cols).
 */
export function orthogonal(seed: number, sub: number, rows: number, cols: number): Float32Array {
  const z = normals(seed, STREAM.init, sub, rows * cols);
  const basis: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const v = z.slice(r * cols, (r + 1) * cols);
    // twice is enough (Giraud et al.): one re-orthogonalisation keeps float64 rows orthogonal to ~1e-15
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += v[c]! * b[c]!;
        for (let c = 0; c < cols; c++) v[c]! -= dot * b[c]!;
      }
    }
    const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    basis.push(v.map((x) => x / norm));
  }
  const out = new Float32Array(rows * cols);
  basis.forEach((b, r) => out.set(b, r * cols));
  return out;
}

/** LSTM bias [4H] in tfjs gate order (i, f, c, o): forget block 1, the rest 0. */
export function lstmBias(hidden: number): Float32Array {
  const b = new Float32Array(4 * hidden);
  b.fill(1, hidden, 2 * hidden);
  return b;
}
