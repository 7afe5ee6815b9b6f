/**
 * The trial a learned model trains on (sequence, qlstm and moe families): read, decoded and parsed with
 * its dataset spec; refused, at the row, when it holds BLQ biomarker rows, which carry a limit (for the
 * fit's M3 likelihood), not a value to learn from.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../../worker/common/errors.js';
import { decodeText } from '../../worker/common/text-file.js';
import { loadDataSpec, NO_SPEC } from '../ingest/data-spec.js';
import { inputError } from '../ingest/schema.js';
import { parseTrial, type Trial } from '../ingest/trial.js';

/** `learner` names what learns from the values in the refusal ("the sequence models learn"); `sha256` is of the file's bytes. */
export async function readLearningTrial(trialPath: string, dataSpecPath: string | undefined, learner: string): Promise<{ trial: Trial; sha256: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(trialPath);
  } catch (err) {
    throw new InputError(`${trialPath}: cannot read the trial CSV (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const spec = dataSpecPath === undefined ? NO_SPEC : await loadDataSpec(dataSpecPath);
  const trial = parseTrial(decodeText(bytes, trialPath, 'trial CSV'), trialPath, spec);
  const blq = trial.subjects.flatMap((s) => s.pd).find((x) => x.blq === true);
  if (blq !== undefined) throw inputError({ file: trialPath, line: blq.line, column: 'BLQ', expected: `biomarker values: ${learner} from values, not limits (set "blq: drop" in a --data-spec to drop BLQ rows with a count)`, found: 'a BLQ biomarker row' });
  return { trial, sha256: createHash('sha256').update(bytes).digest('hex') };
}
