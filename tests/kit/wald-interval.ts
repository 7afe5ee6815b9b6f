/**
 * Test kit: whether a fitted fixed effect's 95 % Wald interval holds the true value. The fit table's se is
 * the delta-method se on the natural scale; the interval is formed back on the estimation scale, where the
 * Fisher information is computed: logit for IMAX, log for the others.
 */
import assert from 'node:assert/strict';

export interface TableRow { group: string; key: string; estimate: number; se: number }

/** Asserts that `name`'s 95 % interval on its estimation scale holds `value`; the comparison goes to the diagnostics. */
export function assertInWaldInterval(t: { diagnostic(message: string): void }, table: readonly TableRow[], name: string, value: number): void {
  const row = table.find((r) => r.group === 'theta' && r.key === name);
  assert.ok(row !== undefined, `${name} in the fit's table`);
  const [g, dg] = name === 'IMAX' ? [(x: number) => Math.log(x / (1 - x)), row.estimate * (1 - row.estimate)] : [Math.log, row.estimate];
  const seT = row.se / dg;
  const what = `${name}: true ${value}, estimate ${row.estimate} (se ${row.se}), 95 % interval on the ${name === 'IMAX' ? 'logit' : 'log'} scale [${g(row.estimate) - 1.96 * seT}, ${g(row.estimate) + 1.96 * seT}] vs ${g(value)}`;
  t.diagnostic(what);
  assert.ok(Math.abs(g(value) - g(row.estimate)) <= 1.96 * seT, what);
}
