/** One ingestion of a trial file in a fresh process: time and peak memory of readDataset + the Trial projection, as JSON on stdout. */
import { readDataset } from '../../models/ingest/dataset.js';
import { trialFromDataset } from '../../models/ingest/trial-projection.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: ingest-child.js TRIAL.csv');
const t0 = performance.now();
const dataset = await readDataset(file);
const t1 = performance.now();
const trial = trialFromDataset(dataset);
const t2 = performance.now();
process.stdout.write(
  `${JSON.stringify({
    subjects: trial.subjects.length,
    records: dataset.records,
    datasetMs: Math.round(t1 - t0),
    projectionMs: Math.round(t2 - t1),
    totalMs: Math.round(t2 - t0),
    // resourceUsage().maxRSS is in KiB: the process's peak resident set, whatever the GC did since
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
