/**
 * The trajectory-model session: verifies the ONNX bytes against their card (hash, then the input /
 * output contract), appends the reduction head (one onnxruntime session per question asked of the
 * model: endpoint, statistic, comparison; the default one is made at load), and evaluates group-major batches in session.run
 * calls of at most maxBatchRows rows. Only per-group integer counts come back, so splitting a batch
 * differently cannot change a result (DESIGN.md "Determinism"). session.run blocks the JS thread;
 * parallelism comes from more worker processes, hence intraOpThreads defaults to 1.
 */
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { ModelProto, ValueInfoProto } from 'onnx-buf';
import { DataType, decodeModel, describeValueInfo, encodeModel } from './graph-builder.js';
import { InputError, ModelError, TileError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { ModelCard } from '../model/card.js';
import { checkDeterministic } from './determinism-probe.js';
import { createSessionWithProvider } from './provider.js';
import type { ExecutionProviderName } from './provider.js';
import { appendReductionHead, HEAD_INPUTS, HEAD_OUTPUTS } from './reduction-head.js';
import { SAFETY_OUTPUTS, SWEEP_OUTPUT, type HeadExtras } from './head-extras.js';
import { addCounts, addSweep, extraFeeds } from './extra-feeds.js';
import { endpointOutput, headStatistic, P_SUCCESS_CUT, questionKey, thresholdForOutput } from './window-statistic.js';
import { DEFAULT_QUESTION, type QuestionSpec } from '../run-spec.js';
import type { EvaluateExtras } from './extra-feeds.js';

export interface LoadOptions {
  executionProvider: ExecutionProviderName;
  maxBatchRows: number;
  intraOpThreads?: number;
  logger: Logger;
}

/** Group-major float32 inputs: row g*M + s is subject s of group g. */
export interface TrajectoryInputs {
  dose: Float32Array;
  bw: Float32Array;
  comed: Float32Array;
  /** [G*M, K] row-major when the card has eta */
  eta?: Float32Array;
  /** [G*M, P] row-major when the card has theta */
  theta?: Float32Array;
  /** covariates after dose, bw, comed, by their card name */
  extra?: Readonly<Record<string, Float32Array>>;
}

export interface GroupReductions {
  /** subjects whose window statistic of the endpoint compares as asked with the threshold (in float32; default max pd <= threshold) */
  k: number[];
  /** sums of the statistic (reduction-head.ts; named for max, the default statistic) */
  sumMaxQ20: bigint[];
  sumMaxSqQ12: bigint[];
  /** largest |statistic| per group: the caller checks it against sumsLimit (reduction-head.ts) */
  maxAbs: number[];
  /** threshold sweep only: per group, the count for each threshold (head-extras.ts) */
  kSweep?: number[][];
  /** safety endpoint only: per group, safe subjects and subjects both efficacious and safe */
  kSafe?: number[];
  kBoth?: number[];
}

export type { EvaluateExtras } from './extra-feeds.js';

export interface TrajectoryRunner {
  readonly card: ModelCard;
  /** cpu when cuda was asked for but could not be loaded */
  readonly executionProvider: ExecutionProviderName;
  /** rows per session.run (the smaller of the worker's option and the card's max_batch_rows) */
  readonly maxBatchRows: number;
  /** thresholdNgMl in ng/mL, compared in the endpoint output's unit; question absent: max pd <= threshold */
  evaluate(inputs: TrajectoryInputs, groups: number, subjectsPerGroup: number, thresholdNgMl: number, question?: QuestionSpec, extras?: EvaluateExtras): Promise<GroupReductions>;
  release(): Promise<void>;
}

/** One session.run: `groups` consecutive groups from `group`, subjects [subjectStart, subjectStart + subjects) of each. */
export interface Chunk {
  group: number;
  groups: number;
  subjectStart: number;
  subjects: number;
}

/** Whole groups per call when a group fits in maxBatchRows, else slices of one group. */
export function planChunks(groups: number, subjectsPerGroup: number, maxBatchRows: number): Chunk[] {
  const chunks: Chunk[] = [];
  if (subjectsPerGroup <= maxBatchRows) {
    const perCall = Math.floor(maxBatchRows / subjectsPerGroup);
    for (let g = 0; g < groups; g += perCall) {
      chunks.push({ group: g, groups: Math.min(perCall, groups - g), subjectStart: 0, subjects: subjectsPerGroup });
    }
  } else {
    for (let g = 0; g < groups; g++) {
      for (let s = 0; s < subjectsPerGroup; s += maxBatchRows) {
        chunks.push({ group: g, groups: 1, subjectStart: s, subjects: Math.min(maxBatchRows, subjectsPerGroup - s) });
      }
    }
  }
  return chunks;
}

/**
 * Rows per session.run unless a worker is told otherwise. Measured (bench/perf): the population
 * model runs fastest around 2-4 k rows (its intermediates stay in cache; 16 k rows was ~15 % slower
 * and twice the memory), and the sequence models' cards cap batches lower still.
 */
export const DEFAULT_MAX_BATCH_ROWS = 4_096;

/**
 * On a GPU a session.run should hold tens of thousands of rows to fill the device (only the
 * reduction head's per-group counts come back, so a large batch costs host memory only for its
 * inputs, ~0.2 kB a row). Not measured here: no GPU was available (bench/README.md).
 */
export const DEFAULT_CUDA_MAX_BATCH_ROWS = 65_536;

/** The batch size when none is given: by provider. */
export function defaultMaxBatchRows(provider: ExecutionProviderName): number {
  return provider === 'cuda' ? DEFAULT_CUDA_MAX_BATCH_ROWS : DEFAULT_MAX_BATCH_ROWS;
}

/** The session options every trajectory session uses (benchmarks build raw sessions with the same). */
export function trajectorySessionOptions(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return { graphOptimizationLevel: 'all', intraOpNumThreads: intraOpThreads, interOpNumThreads: 1, executionMode: 'sequential' };
}

export async function loadTrajectoryModel(card: ModelCard, onnxBytes: Uint8Array, opts: LoadOptions): Promise<TrajectoryRunner> {
  if (!Number.isInteger(opts.maxBatchRows) || opts.maxBatchRows < 1) {
    throw new InputError(`loadTrajectoryModel: maxBatchRows must be a positive integer, got ${opts.maxBatchRows}`);
  }
  const actual = createHash('sha256').update(onnxBytes).digest('hex');
  if (actual !== card.sha256) {
    throw new ModelError(`model card "${card.name}" (${card.onnx}): sha256 mismatch: card says ${card.sha256}, ONNX bytes hash to ${actual}`, {
      details: { card: card.name, expected: card.sha256, actual },
    });
  }
  let model: ModelProto;
  try {
    model = decodeModel(onnxBytes);
  } catch (err) {
    throw new ModelError(`model card "${card.name}" (${card.onnx}): ONNX bytes do not decode as a ModelProto`, { cause: err });
  }
  checkGraphAgainstCard(card, model);
  const maxBatchRows = Math.min(opts.maxBatchRows, card.max_batch_rows ?? Number.POSITIVE_INFINITY);
  const logger = opts.logger.child({ model: card.name });
  const opTypes = model.graph?.node.map((n) => n.opType) ?? [];
  let executionProvider = opts.executionProvider;
  const headExtras = (extras: EvaluateExtras): HeadExtras => ({
    ...(extras.thresholdsNgMl === undefined ? {} : { sweep: true }),
    ...(extras.safety === undefined ? {} : { safety: { output: endpointOutput(card, extras.safety.endpoint).name, stat: headStatistic(card, extras.safety) } }),
  });
  const headedSession = async (question: QuestionSpec, extras: EvaluateExtras): Promise<ort.InferenceSession> => {
    const output = card.outputs.p_success ?? endpointOutput(card, question.endpoint).name;
    const headed = encodeModel(appendReductionHead(model, output, headStatistic(card, question), headExtras(extras)));
    let created;
    try {
      created = await createSessionWithProvider(headed, opts.executionProvider, trajectorySessionOptions(opts.intraOpThreads ?? 1), logger);
    } catch (err) {
      throw new ModelError(`model card "${card.name}" (${card.onnx}): onnxruntime could not load the model`, { cause: err });
    }
    executionProvider = created.executionProvider;
    try {
      await checkDeterministic(card, created.session, ort.Tensor, maxBatchRows, opTypes);
    } catch (err) {
      await created.session.release();
      throw err;
    }
    return created.session;
  };
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  const sessionFor = (question: QuestionSpec, extras: EvaluateExtras = {}): Promise<ort.InferenceSession> => {
    const sweep = extras.thresholdsNgMl === undefined ? '' : '+sweep';
    const key = questionKey(question) + sweep + (extras.safety === undefined ? '' : `+safety:${questionKey(extras.safety)}`);
    let p = sessions.get(key);
    if (p === undefined) {
      p = headedSession(question, extras);
      sessions.set(key, p);
      p.catch(() => sessions.delete(key));
    }
    return p;
  };
  // loaded (and checked) at once with the default question, or on the concentration for a card without pd
  await sessionFor(card.outputs.pd === null && card.outputs.p_success === undefined ? { ...DEFAULT_QUESTION, endpoint: 'concentration' } : DEFAULT_QUESTION);
  logger.debug({ executionProvider, maxBatchRows }, 'trajectory model loaded');
  const etaDim = card.inputs.eta?.dim ?? 0;
  const thetaDim = card.inputs.theta?.dim ?? 0;

  const evaluate = async (inputs: TrajectoryInputs, groups: number, subjectsPerGroup: number, thresholdNgMl: number, question = DEFAULT_QUESTION, extras: EvaluateExtras = {}): Promise<GroupReductions> => {
    for (const [field, v] of [['groups', groups], ['subjectsPerGroup', subjectsPerGroup]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InputError(`model "${card.name}": evaluate() ${field} must be a positive integer, got ${v}`);
    }
    if (!Number.isFinite(thresholdNgMl)) throw new InputError(`model "${card.name}": evaluate() thresholdNgMl must be finite, got ${thresholdNgMl}`);
    const rows = groups * subjectsPerGroup;
    const columns = gatherColumns(card, inputs, rows, etaDim, thetaDim);
    const k = new Array<number>(groups).fill(0);
    const sumMaxQ20 = new Array<bigint>(groups).fill(0n);
    const sumMaxSqQ12 = new Array<bigint>(groups).fill(0n);
    const nonfinite = new Array<bigint>(groups).fill(0n);
    const maxAbs = new Array<number>(groups).fill(0);
    // a p_success card: the question was checked against its success_event when the run was compiled
    const pSuccess = card.outputs.p_success;
    const output = pSuccess === undefined ? endpointOutput(card, question.endpoint) : { name: pSuccess, unit: 'ng/mL' };
    const session = await sessionFor(question, extras);
    const threshold = new ort.Tensor('float32', Float32Array.of(pSuccess === undefined ? thresholdForOutput(thresholdNgMl, card, question.endpoint) : P_SUCCESS_CUT), [1]);
    const more = extraFeeds(extras, card, question.endpoint);
    const H = extras.thresholdsNgMl?.length ?? 0;
    const kSweep = extras.thresholdsNgMl === undefined ? undefined : Array.from({ length: groups }, () => new Array<number>(H).fill(0));
    const kSafe = extras.safety === undefined ? undefined : new Array<number>(groups).fill(0);
    const kBoth = kSafe === undefined ? undefined : new Array<number>(groups).fill(0);
    const safetyNonfinite = new Array<bigint>(groups).fill(0n);
    const outputNames = [...Object.values(HEAD_OUTPUTS), ...(kSweep === undefined ? [] : [SWEEP_OUTPUT]), ...(kSafe === undefined ? [] : Object.values(SAFETY_OUTPUTS))];
    for (const c of planChunks(groups, subjectsPerGroup, maxBatchRows)) {
      const first = c.group * subjectsPerGroup + c.subjectStart;
      const n = c.groups * c.subjects;
      const feeds: Record<string, ort.Tensor> = {
        [HEAD_INPUTS.threshold]: threshold,
        [HEAD_INPUTS.groups]: new ort.Tensor('int64', BigInt64Array.of(BigInt(c.groups), BigInt(c.subjects)), [2]),
        ...more,
      };
      for (const { name, data, width } of columns) {
        const stride = Math.max(width, 1);
        const slice = data.subarray(first * stride, (first + n) * stride);
        feeds[name] = new ort.Tensor('float32', slice, width === 0 ? [n] : [n, width]);
      }
      let out: ort.InferenceSession.ReturnType;
      try {
        out = await session.run(feeds, outputNames);
      } catch (err) {
        throw new TileError(`model "${card.name}": session.run failed on groups ${c.group}..${c.group + c.groups - 1} (${n} rows)`, {
          retryable: true,
          cause: err,
        });
      }
      const read = (name: string) => out[name]?.data as BigInt64Array;
      const absOut = out[HEAD_OUTPUTS.maxAbs]?.data as Float64Array;
      const [kOut, q20, q12, nf] = [read(HEAD_OUTPUTS.k), read(HEAD_OUTPUTS.sumMaxQ20), read(HEAD_OUTPUTS.sumMaxSqQ12), read(HEAD_OUTPUTS.nonfinite)];
      if (kSweep !== undefined) addSweep(kSweep, read(SWEEP_OUTPUT), c.group, c.groups, H);
      if (kSafe !== undefined && kBoth !== undefined) {
        addCounts(kSafe, read(SAFETY_OUTPUTS.kSafe), c.group, c.groups);
        addCounts(kBoth, read(SAFETY_OUTPUTS.kBoth), c.group, c.groups);
      }
      const safeNf = kSafe === undefined ? undefined : read(SAFETY_OUTPUTS.nonfinite);
      for (let j = 0; j < c.groups; j++) {
        const g = c.group + j;
        if (safeNf !== undefined) safetyNonfinite[g] = (safetyNonfinite[g] ?? 0n) + (safeNf[j] ?? 0n);
        k[g] = (k[g] ?? 0) + Number(kOut[j] ?? 0n);
        sumMaxQ20[g] = (sumMaxQ20[g] ?? 0n) + (q20[j] ?? 0n);
        sumMaxSqQ12[g] = (sumMaxSqQ12[g] ?? 0n) + (q12[j] ?? 0n);
        nonfinite[g] = (nonfinite[g] ?? 0n) + (nf[j] ?? 0n);
        maxAbs[g] = Math.max(maxAbs[g] ?? 0, absOut[j] ?? 0);
        const groupDone = c.subjectStart + c.subjects === subjectsPerGroup;
        if (groupDone && nonfinite[g] !== 0n) {
          throw new TileError(`model "${card.name}": ${output.name} has ${nonfinite[g]} non-finite value(s) (NaN/Inf) in group ${g}`, {
            retryable: false,
            details: { group: g, nonfinite: Number(nonfinite[g]) },
          });
        }
        if (groupDone && extras.safety !== undefined && safetyNonfinite[g] !== 0n) {
          const safe = endpointOutput(card, extras.safety.endpoint).name;
          throw new TileError(`model "${card.name}": ${safe} (the safety endpoint) has ${safetyNonfinite[g]} non-finite value(s) (NaN/Inf) in group ${g}`, {
            retryable: false,
            details: { group: g, nonfinite: Number(safetyNonfinite[g]) },
          });
        }
      }
    }
    return { k, sumMaxQ20, sumMaxSqQ12, maxAbs, ...(kSweep === undefined ? {} : { kSweep }), ...(kSafe === undefined || kBoth === undefined ? {} : { kSafe, kBoth }) };
  };

  const release = async (): Promise<void> => {
    const open = await Promise.allSettled([...sessions.values()]);
    sessions.clear();
    for (const r of open) if (r.status === 'fulfilled') await r.value.release();
  };
  return { card, executionProvider, maxBatchRows, evaluate, release };
}

interface Column {
  name: string;
  data: Float32Array;
  /** 0 for a [B] input, else the column count of a [B, width] input */
  width: number;
}

/** The feeds the card asks for, checked for presence and length (the caller's bug, named precisely). */
function gatherColumns(card: ModelCard, inputs: TrajectoryInputs, rows: number, etaDim: number, thetaDim: number): Column[] {
  // The card fixes the first three covariates as dose, bw, comed whatever it calls them.
  const first = [inputs.dose, inputs.bw, inputs.comed];
  const columns: Column[] = card.inputs.covariates.map((name, i) => {
    const data = i < 3 ? first[i] : inputs.extra?.[name];
    return { name, data: need(card, `covariate "${name}"`, data, rows), width: 0 };
  });
  if (etaDim > 0) columns.push({ name: 'eta', data: need(card, 'eta', inputs.eta, rows * etaDim), width: etaDim });
  if (thetaDim > 0) columns.push({ name: 'theta', data: need(card, 'theta', inputs.theta, rows * thetaDim), width: thetaDim });
  return columns;
}

function need(card: ModelCard, what: string, data: Float32Array | undefined, length: number): Float32Array {
  if (data === undefined) throw new InputError(`model "${card.name}": evaluate() is missing input ${what}`);
  if (data.length !== length) {
    throw new InputError(`model "${card.name}": evaluate() input ${what} has length ${data.length}, expected ${length}`);
  }
  return data;
}

/** The graph honours the card: the same inputs (covariates in card order), float32, eta/theta widths, pd [B, T], p_success [B]. */
export function checkGraphAgainstCard(card: ModelCard, model: ModelProto): void {
  const where = `model card "${card.name}" (${card.onnx})`;
  const g = model.graph;
  if (g === undefined) throw new ModelError(`${where}: the ONNX model has no graph`);
  const initialized = new Set(g.initializer.map((t) => t.name));
  const graphInputs = g.input.filter((v) => !initialized.has(v.name));
  const graphNames = graphInputs.map((v) => v.name);
  const expected: { name: string; field: string; width?: number }[] = card.inputs.covariates.map((name) => ({ name, field: 'inputs.covariates' }));
  if (card.inputs.eta) expected.push({ name: 'eta', field: 'inputs.eta.dim', width: card.inputs.eta.dim });
  if (card.inputs.theta) expected.push({ name: 'theta', field: 'inputs.theta.dim', width: card.inputs.theta.dim });
  const lists = `card inputs: [${expected.map((e) => e.name).join(', ')}]; graph inputs: [${graphNames.join(', ')}]`;
  for (const e of expected) {
    if (!graphNames.includes(e.name)) throw new ModelError(`${where}: the ONNX graph has no input "${e.name}", which the card declares in ${e.field} (${lists})`);
  }
  for (const name of graphNames) {
    if (!expected.some((e) => e.name === name)) throw new ModelError(`${where}: ONNX graph input "${name}" is not declared by the card (${lists})`);
  }
  const graphCovariates = graphNames.filter((n) => card.inputs.covariates.includes(n));
  if (graphCovariates.join('\u0000') !== card.inputs.covariates.join('\u0000')) {
    throw new ModelError(`${where}: ONNX covariate inputs are ordered [${graphCovariates.join(', ')}], card inputs.covariates says [${card.inputs.covariates.join(', ')}]`);
  }
  for (const e of expected) {
    const v = graphInputs.find((i) => i.name === e.name) as ValueInfoProto;
    checkTensor(where, 'input', v, e.width === undefined ? 1 : 2);
    const cols = describeValueInfo(v)?.dims?.[1];
    if (e.width !== undefined && typeof cols === 'number' && cols !== e.width) {
      throw new ModelError(`${where}: ONNX input "${e.name}" has ${cols} columns, card ${e.field} says ${e.width}`);
    }
  }
  // every output the card declares (pd, and conc when declared: a concentration question reads it)
  const declared = Object.entries(card.outputs).filter((e): e is [string, string] => typeof e[1] === 'string');
  for (const [field, name] of declared) {
    const out = g.output.find((o) => o.name === name);
    if (out === undefined) {
      throw new ModelError(`${where}: the ONNX graph has no output "${name}" (card outputs.${field}); graph outputs: [${g.output.map((o) => o.name).join(', ')}]`);
    }
    checkTensor(where, 'output', out, field === 'p_success' ? 1 : 2);
    if (field === 'p_success') continue;
    const steps = describeValueInfo(out)?.dims?.[1];
    if (typeof steps === 'number' && steps !== card.time_grid_h.length) {
      throw new ModelError(`${where}: ONNX output "${out.name}" has ${steps} time points, card time_grid_h has ${card.time_grid_h.length}`);
    }
  }
}

/** float32 and the contract's rank; unknown shapes pass (onnxruntime checks them at run time). */
function checkTensor(where: string, kind: 'input' | 'output', v: ValueInfoProto, rank: number): void {
  const t = describeValueInfo(v);
  if (t === undefined || t.elemType !== DataType.FLOAT) {
    const got = t === undefined ? 'not a tensor' : `element type ${DataType[t.elemType] ?? t.elemType}`;
    throw new ModelError(`${where}: ONNX ${kind} "${v.name}" is ${got}, the contract needs FLOAT (float32)`);
  }
  if (t.dims !== undefined && t.dims.length !== rank) {
    throw new ModelError(`${where}: ONNX ${kind} "${v.name}" has rank ${t.dims.length}, the contract needs rank ${rank}`);
  }
}
