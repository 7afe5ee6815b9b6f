/** Test kit: small scenario files on the known-answer TEST model, written into a temp directory. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TEST_MODEL_DIR } from './cli.js';

export interface KnownAnswerScenarioOptions {
  readonly seed?: number;
  readonly replicates?: number;
  readonly subjects?: number;
  readonly qdStop?: number;
  readonly qwStop?: number;
  readonly targets?: number[];
  readonly name?: string;
}

export function knownAnswerScenario(o: KnownAnswerScenarioOptions = {}): Record<string, unknown> {
  return {
    scenarios: [
      {
        name: o.name ?? 'ka',
        population: { bw: { uniform: { min_kg: 51, max_kg: 100 } }, comed: { bernoulli: 0.5 } },
        threshold_ng_ml: 3.3,
        targets: o.targets ?? [0.9, 0.75],
        replicates: o.replicates ?? 8,
        subjects: o.subjects ?? 100,
        seed: o.seed ?? 7,
        regimens: [
          { name: 'qd', tau_h: 24, model: join(TEST_MODEL_DIR, 'qd.model.json'), doses_mg: { start: 0.5, stop: o.qdStop ?? 40, step: 0.5 } },
          { name: 'qw', tau_h: 168, model: join(TEST_MODEL_DIR, 'qw.model.json'), doses_mg: { start: 5, stop: o.qwStop ?? 400, step: 5 } },
        ],
      },
    ],
  };
}

export async function writeScenario(dir: string, content: Record<string, unknown> | string, name = 'scenario.yaml'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : stringify(content));
  return path;
}
