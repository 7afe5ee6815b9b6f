/** `qusop aggregate <dir>`: curves and decisions from whatever shards a run directory holds. */
import { resolve } from 'node:path';
import { aggregateRunDir } from '../coordinator/run/aggregate-run.js';
import { recordAggregation } from '../coordinator/run/manifest.js';
import { formatDecisionTable } from './decision-table.js';
import { writeJointReport } from '../analysis/report/joint-endpoints.js';
import { sweepThresholdUnits } from '../analysis/report/sweep-units.js';

export async function aggregateCommand(dir: string, format: 'parquet' | 'arrow' | 'both'): Promise<number> {
  const result = await aggregateRunDir(resolve(dir), { format });
  await writeJointReport(resolve(dir), result.joint, sweepThresholdUnits(result.run.spec, result.run.models));
  await recordAggregation(resolve(dir), result.tiles, result.outputs);
  process.stdout.write(formatDecisionTable(result.decisions, `decisions for run ${result.run.runId} — ${resolve(dir)} (${result.tiles} tiles)`));
  return 0;
}
