/**
 * Run specs and ONNX sessions a worker has loaded, keyed by run id and model sha256, fetched from the
 * coordinator once (GetRunSpec) and reused for every tile of the run.
 */
import { ModelError } from './common/errors.js';
import type { Logger } from './common/log.js';
import { parseModelCard } from './model/load-card.js';
import { loadTrajectoryModel } from './onnx/session.js';
import type { RunSpecJson } from './run-spec.js';
import { cholesky, type LoadedRunner } from './tile-compute.js';

export interface LoadedRun {
  readonly spec: RunSpecJson;
  readonly models: ReadonlyMap<string, LoadedRunner>;
}

export interface RunSource {
  fetch(runId: string): Promise<{ specJson: string; models: { sha256: string; cardJson: string; onnx: Uint8Array }[] }>;
}

export interface SessionOptions {
  readonly executionProvider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  readonly intraOpThreads: number;
  readonly logger: Logger;
}

export class ModelCache {
  private readonly runs = new Map<string, Promise<LoadedRun>>();
  private readonly sessions = new Map<string, Promise<LoadedRunner>>();

  constructor(
    private readonly source: RunSource,
    private readonly opts: SessionOptions,
  ) {}

  run(runId: string): Promise<LoadedRun> {
    let p = this.runs.get(runId);
    if (p === undefined) {
      p = this.load(runId);
      this.runs.set(runId, p);
      p.catch(() => this.runs.delete(runId));
    }
    return p;
  }

  private async load(runId: string): Promise<LoadedRun> {
    const fetched = await this.source.fetch(runId);
    const spec = JSON.parse(fetched.specJson) as RunSpecJson;
    const models = new Map<string, LoadedRunner>();
    for (const m of fetched.models) {
      let p = this.sessions.get(m.sha256);
      if (p === undefined) {
        p = this.session(m.cardJson, m.onnx, m.sha256);
        this.sessions.set(m.sha256, p);
      }
      models.set(m.sha256, await p);
    }
    return { spec, models };
  }

  private async session(cardJson: string, onnx: Uint8Array, sha256: string): Promise<LoadedRunner> {
    const card = parseModelCard(cardJson, `model ${sha256.slice(0, 12)} (card from coordinator)`);
    if (card.sha256 !== sha256) throw new ModelError(`model card sha256 ${card.sha256} differs from the blob's ${sha256}`);
    const runner = await loadTrajectoryModel(card, onnx, this.opts);
    const eta = card.inputs.eta;
    return eta?.distribution === 'omega' && eta.omega !== undefined ? { card, runner, etaCholesky: cholesky(eta.omega) } : { card, runner };
  }
}
