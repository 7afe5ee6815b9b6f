/**
 * Test kit: the true minimal dose of a known-truth trial. Given each virtual subject's steady-state
 * statistic per mg of dose (linear PK: the statistic scales with the dose), the smallest grid dose whose
 * true p(d) = P(statistic >= mec) reaches `target`; `close` says a grid point's p lay within 3 Monte
 * Carlo sd of the target (so a one-step disagreement there is chance).
 */
export function trueMinimalGridDose(perMg: Float64Array, grid: { readonly start: number; readonly stop: number; readonly step: number }, mec: number, target = 0.9): { dose: number; p: number; close: boolean } {
  const n = perMg.length;
  const sd = Math.sqrt((target * (1 - target)) / n);
  let close = false;
  for (let d = grid.start; d <= grid.stop + 1e-9; d += grid.step) {
    let k = 0;
    for (const t of perMg) if (t * d >= mec) k += 1;
    const p = k / n;
    if (Math.abs(p - target) < 3 * sd) close = true;
    if (p >= target) return { dose: Number(d.toFixed(6)), p, close };
  }
  return { dose: NaN, p: NaN, close };
}
