/** Dose grids from (start, stop, step), built by index so 0.5-mg steps never drift (0.1 + 0.2 != 0.3). */

export function doseGrid(g: { readonly start: number; readonly stop: number; readonly step: number }): number[] {
  const count = Math.floor((g.stop - g.start) / g.step + 1e-9) + 1;
  const out = new Array<number>(count);
  for (let i = 0; i < count; i += 1) out[i] = Math.round((g.start + i * g.step) * 1e9) / 1e9;
  return out;
}
