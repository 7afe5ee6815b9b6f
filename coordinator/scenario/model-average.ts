/**
 * Model averaging in the compiled scenario (issue 18 §3). A scenario's `model_average` entry names
 * member regimens (the same question, tau and dose grid on other models) with weights, e.g. BIC
 * weights w_m = exp(-BIC_m / 2) / sum. Its R replicates are apportioned to the members by the
 * largest-remainder (Hamilton) method: member m gets floor(R w_m) and the replicates left over go one
 * each to the largest remainders R w_m - floor(R w_m), ties to the earlier member; member 0 then takes
 * replicates 0..n_0-1, member 1 the next n_1, and so on. Replicate r of the average is the member's
 * replicate r: the same virtual subjects (common random numbers) under that member's parameter draw r.
 * The weights and the allotment are in the spec, so they are part of the run id (DESIGN.md "Run").
 */
import { InputError } from '../../worker/common/errors.js';
import type { AverageSpec, RegimenSpec } from '../../worker/run-spec.js';
import type { ScenarioInput } from './schema.js';

/** Replicates per weight (weights > 0, any scale): the largest-remainder apportionment of R; sums to R. */
export function largestRemainder(weights: readonly number[], replicates: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const quotas = weights.map((w) => (w / total) * replicates);
  const seats = quotas.map(Math.floor);
  const left = replicates - seats.reduce((a, b) => a + b, 0);
  // stable sort: equal remainders keep the members' order
  const byRemainder = quotas.map((q, i) => ({ i, rest: q - Math.floor(q) })).sort((a, b) => b.rest - a.rest);
  for (let j = 0; j < left; j += 1) {
    const m = byRemainder[j % byRemainder.length]!.i;
    seats[m] = (seats[m] ?? 0) + 1;
  }
  return seats;
}

/** Member index of each replicate 0..R-1 (consecutive blocks in member order). */
export function allotment(average: AverageSpec): number[] {
  return average.members.flatMap((m, i) => new Array<number>(m.replicates).fill(i));
}

/**
 * The scenario's averages, checked against its regimens; absent when the scenario has none (its spec
 * and run id stay as they were). `adaptive`: the run grows R in rounds, which would move the allotment.
 */
export function compileAverages(sc: ScenarioInput, regimens: readonly RegimenSpec[], scenarioPath: string, index: number, adaptive: boolean): { averages?: AverageSpec[] } {
  if (sc.model_average === undefined) return {};
  const at = (field: string): { file: string; field: string } => ({ file: scenarioPath, field: `scenarios[${index}].${field}` });
  const fail = (field: string, what: string): never => {
    throw new InputError(`${scenarioPath}: scenarios[${index}].${field}: ${what}`, { details: at(field) });
  };
  if (adaptive) fail('model_average', 'adaptive precision (--half-width) grows the replicates round by round, which would move the allotment of replicates to models; run it without --half-width');
  const names = new Set(regimens.map((r) => r.name));
  return {
    averages: sc.model_average.map((avg, j) => {
      const field = `model_average[${j}]`;
      if (names.has(avg.name)) fail(`${field}.name`, `"${avg.name}" is already the name of a regimen or average of this scenario`);
      names.add(avg.name);
      const members = avg.members.map((m, k) => {
        const regimen = regimens.find((r) => r.name === m.regimen);
        if (regimen === undefined) return fail(`${field}.members[${k}].regimen`, `no regimen "${m.regimen}" in this scenario (regimens: ${regimens.map((r) => r.name).join(', ')})`);
        if (avg.members.findIndex((x) => x.regimen === m.regimen) !== k) fail(`${field}.members[${k}].regimen`, `"${m.regimen}" is a member twice`);
        return regimen;
      });
      const first = members[0]!;
      members.forEach((r, k) => {
        if (Math.abs(r.tauH - first.tauH) > 1e-9) fail(`${field}.members[${k}].regimen`, `"${r.name}" has tau_h ${r.tauH} h, "${first.name}" ${first.tauH} h: an average is over one regimen`);
        if (r.dosesMg.length !== first.dosesMg.length || r.dosesMg.some((d, i) => d !== first.dosesMg[i])) fail(`${field}.members[${k}].regimen`, `"${r.name}" has another dose grid than "${first.name}": the members are combined dose by dose`);
      });
      const total = avg.members.reduce((s, m) => s + m.weight, 0);
      const seats = largestRemainder(avg.members.map((m) => m.weight), sc.replicates);
      return { name: avg.name, members: avg.members.map((m, k) => ({ regimen: m.regimen, weight: m.weight / total, replicates: seats[k] ?? 0 })) };
    }),
  };
}
