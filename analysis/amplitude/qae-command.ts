/** `qusop qae RUN_DIR`: simulated amplitude estimation vs Monte Carlo for each cell of a finished run. */
import { resolve } from 'node:path';
import { compareCells } from './compare.js';
import { DEFAULT_SHOTS } from './iqae.js';
import { writeQaeOutputs } from './outputs.js';
import { readRunCells } from './run-cells.js';

export interface QaeCommandOptions {
  readonly dir: string;
  readonly halfWidth: number;
  readonly alpha: number;
  readonly seed: number;
}

export async function qaeCommand(o: QaeCommandOptions): Promise<number> {
  const dir = resolve(o.dir);
  const run = await readRunCells(dir);
  const comparison = compareCells(run.runId, run.cells, { halfWidth: o.halfWidth, alpha: o.alpha, seed: o.seed, shots: DEFAULT_SHOTS });
  const files = await writeQaeOutputs(dir, run.runId, comparison);
  const queries = comparison.cells.map((c) => c.simulated_qae_oracle_queries);
  const samples = comparison.cells.map((c) => c.mc_samples);
  process.stdout.write(
    `amplitude estimation (simulated), ${comparison.cells.length} cells of run ${run.runId}, half-width ${o.halfWidth}, alpha ${o.alpha}:\n` +
      `  simulated QAE oracle queries ${Math.min(...queries)}..${Math.max(...queries)}, Monte Carlo samples ${Math.min(...samples)}..${Math.max(...samples)}\n` +
      files.map((f) => `  ${f}\n`).join(''),
  );
  return 0;
}
