/**
 * What a `qusop answer` directory was asked for, written as DIR/answer-request.json before anything
 * else touches DIR. A second answer into the same DIR with other inputs (another trial, other cards,
 * seed, R, M, population options) is refused before it fits into DIR/model or rewrites
 * DIR/scenarios.yaml: resuming it would report the first request's answers for the second. The run
 * ids of the rounds (coordinator/scenario/compile.ts) guard the runs themselves; this file guards
 * what answer writes around them.
 */
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { InputError } from '../../worker/common/errors.js';
import { codeVersion } from '../../worker/common/version.js';
import { canonicalJson } from '../../worker/model/card-digest.js';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import { readRunFile } from '../../coordinator/run/run-dir.js';

export const ANSWER_REQUEST_FILE = 'answer-request.json';
const SCHEMA = 'qusop.answer-request/v1';

/** The inputs that determine an answer; trial and card paths only as read, the trial by its bytes. */
export interface AnswerRequest {
  readonly code_version: string;
  readonly trial: { readonly path: string; readonly sha256: string };
  /** the dataset spec that maps the trial (null: none) */
  readonly data_spec: { readonly path: string; readonly sha256: string } | null;
  /** --model cards as given (resolved); their content is in the rounds' run ids */
  readonly models: readonly string[];
  readonly refit: boolean;
  readonly population: unknown;
  readonly replicates: number;
  readonly subjects: number;
  readonly seed: number;
  /** --structure as given (candidate structures of a fit); absent: the whole library */
  readonly structures?: readonly string[];
  /** --average: the credible structures' model average (absent: none) */
  readonly average?: { readonly min_weight: number };
}

export function answerRequest(r: Omit<AnswerRequest, 'code_version'>): AnswerRequest {
  return { code_version: codeVersion(), ...r };
}

/** The fields that must agree (the trial's path may differ: the same bytes elsewhere are the same trial). */
export function identity(r: AnswerRequest): Record<string, unknown> {
  // a request file from before data specs has none: the same as null
  return { code_version: r.code_version, 'trial.sha256': r.trial.sha256, 'data_spec.sha256': r.data_spec?.sha256 ?? null, models: r.models, refit: r.refit, population: r.population, replicates: r.replicates, subjects: r.subjects, seed: r.seed, structures: r.structures ?? null, average: r.average ?? null };
}

/**
 * The default answer directory, runs/answer-<12 hex of the request's identity>: a request that differs in
 * anything that determines the answer (a data spec, questions, --refit, --structure ...) gets its own
 * directory instead of being refused by the first one's.
 */
export function defaultAnswerDir(r: AnswerRequest): string {
  return join('runs', `answer-${createHash('sha256').update(canonicalJson(identity(r))).digest('hex').slice(0, 12)}`);
}

/**
 * Claims `dir` for this request: a new or empty directory gets the request file; a directory with
 * the same request is resumed; anything else (another request, or a run directory that no answer
 * request describes) is refused with exit 2 before it is touched.
 */
export async function claimAnswerDir(dir: string, request: AnswerRequest): Promise<void> {
  const path = join(dir, ANSWER_REQUEST_FILE);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) {
    const run = await readRunFile(dir);
    if (run !== undefined) {
      throw new InputError(`${join(dir, 'run.json')}: --out ${dir} holds run ${run.runId}, which no ${ANSWER_REQUEST_FILE} describes; choose another --out`, {
        details: { file: join(dir, 'run.json'), field: '--out' },
      });
    }
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path, JSON.stringify({ schema: SCHEMA, ...request }, null, 2) + '\n');
    return;
  }
  let held: AnswerRequest;
  try {
    held = JSON.parse(text) as AnswerRequest;
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message}); choose another --out`, { cause: err, details: { file: path } });
  }
  const want = identity(request);
  const have = identity(held);
  const differing = Object.keys(want).filter((k) => canonicalJson(want[k]) !== canonicalJson(have[k]));
  if (differing.length > 0) {
    const show = (k: string, r: AnswerRequest, v: Record<string, unknown>): string => (k === 'trial.sha256' ? `${r.trial?.path} (sha256 ${r.trial?.sha256})` : canonicalJson(v[k]));
    const field = differing[0]!;
    throw new InputError(
      `${path}: field ${field}: --out ${dir} holds the answer for ${show(field, held, have)}, not ${show(field, request, want)}${differing.length > 1 ? ` (also differs: ${differing.slice(1).join(', ')})` : ''}; choose another --out`,
      { details: { file: path, field } },
    );
  }
}
