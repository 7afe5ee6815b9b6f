/**
 * Trajectory models for an array task, loaded from the card paths run.json records (a shared
 * filesystem) through the same ModelCache a farm worker uses, so sessions, eta correlation and the
 * sha256 checks are the very same code: the card must still describe the ONNX bytes (loadModel),
 * the card's sha256 must be the one the run was planned with (ModelCache), and its content (cardDigest)
 * too: a refit writes a card of the same ONNX bytes with other draws.
 */
import { ModelError } from '../../worker/common/errors.js';
import type { Logger } from '../../worker/common/log.js';
import { ModelCache, type LoadedRun } from '../../worker/model-cache.js';
import { loadModel } from '../../worker/model/load-card.js';
import { cardDigest } from '../../worker/model/card-digest.js';
import type { RunFile } from '../run/run-dir.js';

export interface RunModelOptions {
  readonly executionProvider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  readonly intraOpThreads: number;
  readonly logger: Logger;
}

export async function loadRunModels(run: RunFile, opts: RunModelOptions): Promise<LoadedRun> {
  const cache = new ModelCache(
    {
      fetch: async () => {
        const models = [];
        for (const m of run.models) {
          const loaded = await loadModel(m.cardPath);
          if (loaded.card.sha256 !== m.sha256) {
            throw new ModelError(`${m.cardPath}: the card now describes ONNX sha256 ${loaded.card.sha256}, but run ${run.runId} was planned with model ${m.name} sha256 ${m.sha256}; re-plan into a new directory`, {
              details: { file: m.cardPath, field: 'sha256', expected: m.sha256, found: loaded.card.sha256 },
            });
          }
          if (cardDigest(loaded.card) !== m.cardSha256) {
            throw new ModelError(`${m.cardPath}: the card's content changed since run ${run.runId} was planned (digest ${cardDigest(loaded.card)}, planned ${m.cardSha256 ?? 'not recorded'}): its tiles would compute another model; re-plan into a new directory`, {
              details: { file: m.cardPath, field: 'cardSha256', expected: m.cardSha256, found: cardDigest(loaded.card) },
            });
          }
          models.push({ sha256: m.sha256, cardJson: loaded.cardJson, onnx: loaded.onnx });
        }
        return { specJson: JSON.stringify(run.spec), models };
      },
    },
    opts,
  );
  return cache.run(run.runId);
}
