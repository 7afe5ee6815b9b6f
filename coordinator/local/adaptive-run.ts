/**
 * Adaptive precision on one machine (`qusop run --half-width H --max-replicates N`): round 0 is the
 * scenario's replicates; each later round adds replicates [R_k, R_{k+1}) as new tiles of the same run
 * directory (a subject's draws depend only on seed, stream, replicate and subject, so earlier cells
 * never change) until coordinator/precision/rule.ts stops every scenario. Each round is a local run
 * that resumes the shards already there, so an interrupted run resumes by running the command again:
 * the rounds replay from the shards' counts and come out the same.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../worker/common/log.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { judgeRound, type DoseHalfWidth, type StopReason } from '../precision/rule.js';
import type { PrecisionOptions } from '../scenario/precision.js';
import { runLocal, type LocalRunOptions, type LocalRunOutcome } from './local-run.js';

export interface ScenarioPrecisionRecord {
  readonly scenario: string;
  readonly half_width_target: number;
  readonly max_replicates: number;
  /** replicates after each round */
  readonly rounds: number[];
  readonly stop_reason: StopReason;
  readonly trajectories_used: number;
  readonly trajectories_budget: number;
  /** the band half-width at each decision dose after the last round */
  readonly half_widths: DoseHalfWidth[];
}

export async function runAdaptive(a: LocalRunOptions, policy: Omit<PrecisionOptions, 'rounds'>, log: Logger): Promise<LocalRunOutcome & { precision?: ScenarioPrecisionRecord[] }> {
  const rounds: Record<string, number[]> = {};
  const stopped = new Map<string, { reason: StopReason; halfWidths: DoseHalfWidth[] }>();
  for (;;) {
    const out = await runLocal({ ...a, compile: { ...a.compile, precision: { ...policy, rounds } } }, log);
    if (!out.succeeded || out.run.result === undefined) return out;
    const { curves, decisions } = out.run.result;
    let more = false;
    for (const sc of out.run.compiled.spec.scenarios) {
      if (stopped.has(sc.name)) continue;
      rounds[sc.name] ??= [sc.replicates];
      const v = judgeRound(sc, curves, decisions);
      if (v.next === undefined) stopped.set(sc.name, { reason: v.stop ?? 'half-width-met', halfWidths: v.halfWidths });
      else {
        rounds[sc.name]?.push(v.next);
        more = true;
      }
    }
    if (!more) {
      const precision = out.run.compiled.spec.scenarios.map((sc): ScenarioPrecisionRecord => {
        const s = stopped.get(sc.name);
        const perReplicate = sc.population.subjects * sc.regimens.reduce((n, rg) => n + rg.dosesMg.length, 0);
        return {
          scenario: sc.name, half_width_target: policy.halfWidth, max_replicates: policy.maxReplicates, rounds: rounds[sc.name] ?? [sc.replicates],
          stop_reason: s?.reason ?? 'half-width-met', trajectories_used: sc.replicates * perReplicate, trajectories_budget: policy.maxReplicates * perReplicate,
          half_widths: s?.halfWidths ?? [],
        };
      });
      await recordPrecision(out.run.opts.dir, precision);
      for (const p of precision) process.stderr.write(`precision ${p.scenario}: ${p.rounds.length} round(s), replicates ${p.rounds.join(' -> ')}, stopped: ${p.stop_reason} (${p.trajectories_used} of ${p.trajectories_budget} trajectories)\n`);
      return { ...out, precision };
    }
  }
}

/** Adds the rounds to the manifest the last round wrote. */
async function recordPrecision(dir: string, precision: readonly ScenarioPrecisionRecord[]): Promise<void> {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  await writeFileAtomic(path, JSON.stringify({ ...manifest, precision }, null, 2) + '\n');
}
