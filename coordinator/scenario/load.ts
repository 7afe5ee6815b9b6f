/**
 * Reads a scenario file: YAML (with merge keys) -> schema validation -> semantic checks. Every error
 * names the file, the line, the field path and what was expected; nothing is planned from a bad file.
 */
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../../worker/common/errors.js';
import { readTextFile } from '../../worker/common/text-file.js';
import { lineOfPath, parseYamlText } from '../../worker/common/yaml-text.js';
import { LIMITS } from './limits.js';
import { ScenarioFileSchema, type ScenarioFile } from './schema.js';
import { doseGrid } from './dose-grid.js';
import { CONCENTRATION_UNITS, toNgMl } from '../../worker/onnx/window-statistic.js';

export async function loadScenarioFile(path: string): Promise<{ file: ScenarioFile; text: string }> {
  const text = await readTextFile(path, 'scenario file');
  return { file: parseScenarioText(text, path), text };
}

export function parseScenarioText(text: string, path: string): ScenarioFile {
  const { doc, lines, value } = parseYamlText(text, path);
  if (doc.contents === null) {
    throw new InputError(`${path}:1: the file is empty; expected a mapping with a "scenarios:" list (see scenarios/README.md)`, { details: { file: path, line: 1 } });
  }
  const parsed = ScenarioFileSchema.safeParse(value);
  if (!parsed.success) throw issueError(parsed.error.issues[0], doc, lines, path);
  semanticChecks(parsed.data, doc, lines, path);
  return parsed.data;
}

export function issueError(issue: z.core.$ZodIssue | undefined, doc: Document, lines: LineCounter, path: string): InputError {
  if (issue === undefined) return new InputError(`${path}: invalid scenario file`);
  let fieldPath = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    fieldPath = [...fieldPath, issue.keys[0] ?? ''];
    message = `unknown field "${issue.keys.join('", "')}"`;
  } else if (issue.code === 'invalid_union') {
    message = `${message}: expected one of the documented forms (see scenarios/README.md)`;
  }
  return located(path, doc, lines, fieldPath, message);
}

export function located(path: string, doc: Document, lines: LineCounter, fieldPath: (string | number)[], message: string): InputError {
  const line = lineOfPath(doc, lines, fieldPath);
  const where = fieldPath.length > 0 ? ` ${formatPath(fieldPath)}:` : '';
  return new InputError(`${path}:${line}:${where} ${message}`, { details: { file: path, line, field: formatPath(fieldPath) } });
}

export function formatPath(p: readonly (string | number)[]): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function semanticChecks(file: ScenarioFile, doc: Document, lines: LineCounter, path: string): void {
  const names = new Set<string>();
  file.scenarios.forEach((sc, i) => {
    const at = (rest: (string | number)[], msg: string): never => {
      throw located(path, doc, lines, ['scenarios', i, ...rest], msg);
    };
    if (names.has(sc.name)) at(['name'], `duplicate scenario name "${sc.name}"`);
    sc.targets.forEach((t, k) => {
      const first = sc.targets.indexOf(t);
      if (first !== k) at(['targets', k], `${t} repeats targets[${first}]; each target once`);
    });
    names.add(sc.name);
    if (sc.threshold_ng_ml === undefined && sc.threshold === undefined) at(['threshold_ng_ml'], 'required: give threshold_ng_ml, or threshold: { value, unit }');
    if (sc.threshold_ng_ml !== undefined && sc.threshold !== undefined) at(['threshold'], 'give threshold_ng_ml or threshold, not both');
    // a concentration threshold is converted from a mass concentration; a biomarker's is compared unconverted,
    // in the card's units.pd (checked against the card when the run is compiled: biomarker-threshold.ts)
    const massUnit = (t: { unit: string } | undefined, endpoint: string, where: (string | number)[]): void => {
      if (t !== undefined && endpoint === 'concentration' && toNgMl(1, t.unit) === undefined) at(where, `"${t.unit}": expected one of ${CONCENTRATION_UNITS.map((u) => `"${u}"`).join(', ')} for a concentration threshold`);
    };
    massUnit(sc.threshold, sc.endpoint ?? 'biomarker', ['threshold', 'unit']);
    massUnit(sc.safety?.threshold, sc.safety?.endpoint ?? 'concentration', ['safety', 'threshold', 'unit']);
    const sweep = sc.threshold_sweep;
    if (sweep !== undefined && !Array.isArray(sweep) && sweep.start > sweep.stop) at(['threshold_sweep', 'start'], `start (${sweep.start}) must be <= stop (${sweep.stop})`);
    const sweepValues = sweep === undefined ? [] : Array.isArray(sweep) ? sweep : doseGrid(sweep);
    if (sweepValues.length > LIMITS.sweepThresholds) at(['threshold_sweep'], `the sweep has ${sweepValues.length} thresholds; the limit is ${LIMITS.sweepThresholds}`);
    sweepValues.forEach((v, k) => {
      if (k > 0 && !(v > (sweepValues[k - 1] ?? Infinity))) at(['threshold_sweep', k], `${v} does not exceed the threshold before it (${sweepValues[k - 1]}); list the sweep's thresholds ascending, each once`);
    });
    const bw = sc.population.bw;
    if ('uniform' in bw && bw.uniform.min_kg > bw.uniform.max_kg)
      at(['population', 'bw', 'uniform', 'min_kg'], `min_kg (${bw.uniform.min_kg}) must be <= max_kg (${bw.uniform.max_kg})`);
    if ('resample' in bw && bw.resample.clip_kg[0] > bw.resample.clip_kg[1])
      at(['population', 'bw', 'resample', 'clip_kg'], `clip_kg lower bound (${bw.resample.clip_kg[0]}) must be <= upper bound (${bw.resample.clip_kg[1]})`);
    const needsTrial = 'resample' in bw || sc.population.comed === 'observed' || sc.population.comed === 'resampled';
    if (needsTrial && sc.population.subjects_source === undefined)
      at(['population'], 'subjects_source (a trial CSV) is required for resample BW and observed/resampled COMED');
    if (sc.population.subjects_spec !== undefined && sc.population.subjects_source === undefined)
      at(['population', 'subjects_spec'], 'a dataset spec maps subjects_source, which is missing');
    if (sc.population.comed === 'resampled' && !('resample' in bw))
      at(['population', 'comed'], '"resampled" COMED needs bw: { resample: ... }');
    const regimenNames = new Set<string>();
    sc.regimens.forEach((rg, j) => {
      if (regimenNames.has(rg.name)) at(['regimens', j, 'name'], `duplicate regimen name "${rg.name}"`);
      regimenNames.add(rg.name);
      const g = rg.doses_mg;
      if (g.start > g.stop) at(['regimens', j, 'doses_mg', 'start'], `start (${g.start}) must be <= stop (${g.stop})`);
      const count = Math.floor((g.stop - g.start) / g.step + 1e-9) + 1;
      if (count > LIMITS.doses) at(['regimens', j, 'doses_mg'], `grid has ${count} doses; the limit is ${LIMITS.doses}`);
      const trajectories = doseGrid(g).length * sc.replicates * sc.subjects;
      if (trajectories > LIMITS.trajectoriesPerRegimen)
        at(['regimens', j], `doses x replicates x subjects = ${trajectories} trajectories exceeds the limit ${LIMITS.trajectoriesPerRegimen}`);
    });
  });
}
