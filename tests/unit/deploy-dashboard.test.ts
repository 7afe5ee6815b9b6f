/**
 * deploy/grafana/qusop-dashboard.json: typed against @grafana/schema (unknown keys and wrong enum
 * values fail), carries the panels the issue asks for, lays them out without overlap, queries the
 * `datasource` variable and filters every per-run metric by `$run`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportedSeries, loadDashboard, parsePromql, substituteGrafanaVariables, type DashboardPanel } from '../kit/promql.js';
import { formatTypeProblems, typeCheckValues } from '../kit/typecheck.js';

// Grafana's schema uses TypeScript enums; JSON holds their string values, so enums become those strings.
const PRELUDE = `import type { Dashboard, Panel, RowPanel, DataQuery } from '@grafana/schema';
type Json<T> = T extends string ? \`\${T}\` : T extends number ? number : T extends boolean | null | undefined ? T
  : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
type PromTarget = DataQuery & { expr: string; legendFormat?: string; range?: boolean; instant?: boolean };
type QusopPanel = Omit<Panel, 'targets'> & { targets?: PromTarget[] };
type QusopDashboard = Json<Omit<Dashboard, 'panels'> & { panels?: Array<QusopPanel | RowPanel> }>;`;

const check = (value: unknown): string => formatTypeProblems(typeCheckValues([{ label: 'qusop-dashboard.json', type: 'QusopDashboard', value }], PRELUDE));

interface Panel extends DashboardPanel {
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { refId: string; expr?: string; datasource?: { uid: string } }[];
  fieldConfig?: { defaults?: { unit?: string } };
}

const flat = (panels: readonly Panel[]): Panel[] => panels.flatMap((p) => [p, ...flat((p.panels ?? []) as Panel[])]);

test('the dashboard type-checks against @grafana/schema', async () => {
  assert.equal(check(await loadDashboard()), '');
});

test('misspelled keys and bad enum values fail the type check', async () => {
  const plant: [string, (d: { panels: Panel[]; templating: { list: Record<string, unknown>[] } }) => void, RegExp][] = [
    ['panel key', (d) => { const p = d.panels[1] as unknown as Record<string, unknown>; p['gridpos'] = p['gridPos']; delete p['gridPos']; }, /'"gridpos"' does not exist/],
    ['target key', (d) => { (d.panels[1]?.targets?.[0] as Record<string, unknown>)['exp'] = 'up'; }, /'"exp"' does not exist/],
    ['variable key', (d) => { (d.templating.list[1] as Record<string, unknown>)['refrsh'] = 1; }, /'"refrsh"' does not exist/],
    ['enum value', (d) => { (d.panels[5] as unknown as { fieldConfig: { defaults: Record<string, unknown> } }).fieldConfig.defaults['thresholds'] = { mode: 'absolut', steps: [] }; }, /"absolut"/],
  ];
  const values = [];
  for (const [what, mutate] of plant) {
    const d = (await loadDashboard()) as unknown as { panels: Panel[]; templating: { list: Record<string, unknown>[] } };
    mutate(d);
    values.push({ label: what, type: 'QusopDashboard', value: d });
  }
  // one compiler run for all copies; each copy carries one planted mistake
  const problems = typeCheckValues(values, PRELUDE);
  for (const [what, , expected] of plant) assert.match(formatTypeProblems(problems.filter((p) => p.label === what)), expected, what);
});

test('the panels the issue asks for are there', async () => {
  const exprs = flat(((await loadDashboard()).panels ?? []) as Panel[]).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, expr: (t.expr ?? '').replace(/\s+/g, '') })));
  const find = (what: string, re: RegExp): Panel => {
    const hit = exprs.find((e) => re.test(e.expr));
    assert.ok(hit !== undefined, `${what}: no target matches ${re}`);
    return hit.panel;
  };
  find('throughput', /rate\(qusop_trajectories_total\{[^}]*\}\[\$__rate_interval\]\)/);
  find('tiles by state', /sumby\(state\)\(qusop_tiles\{/);
  for (const q of ['0.5', '0.95']) {
    const p = find(`p${Number(q) * 100} tile latency`, new RegExp(`^histogram_quantile\\(${q.replace('.', '\\.')},sumby\\(le\\)\\(rate\\(qusop_tile_latency_seconds_bucket\\{`));
    assert.equal(p.fieldConfig?.defaults?.unit, 's', 'latency in seconds');
  }
  find('workers connected', /qusop_workers_connected/);
  assert.equal(find('run progress', /qusop_run_progress_ratio/).fieldConfig?.defaults?.unit, 'percentunit');
  find('lease expiries', /qusop_lease_expiries_total/);
  find('retries', /qusop_tile_retries_total/);
  find('queue depth', /qusop_queue_depth/);
});

test('panels have unique ids, fit 24 columns and do not overlap', async () => {
  const panels = flat(((await loadDashboard()).panels ?? []) as Panel[]);
  assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'unique panel ids');
  for (const p of panels) assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24 && p.gridPos.h > 0, `panel ${p.id} "${p.title}" fits`);
  for (const [i, a] of panels.entries()) {
    for (const b of panels.slice(i + 1)) {
      const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
      assert.ok(apart, `panels ${a.id} "${a.title}" and ${b.id} "${b.title}" overlap`);
    }
  }
});

test('every query uses the datasource variable and per-run metrics are filtered by $run', async () => {
  const d = await loadDashboard();
  const vars = d.templating?.list ?? [];
  assert.ok(vars.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'), 'a Prometheus datasource variable');
  assert.ok(vars.some((v) => v.name === 'run' && v.type === 'query'), 'a run variable');
  const series = await exportedSeries();
  for (const p of flat((d.panels ?? []) as Panel[]).filter((x) => x.type !== 'row')) {
    assert.equal(p.datasource?.uid, '${datasource}', `panel ${p.id} "${p.title}" datasource`);
    assert.ok((p.targets ?? []).length > 0, `panel ${p.id} "${p.title}" has queries`);
    for (const t of p.targets ?? []) {
      assert.equal(t.datasource?.uid, '${datasource}', `panel ${p.id} target ${t.refId} datasource`);
      const raw = t.expr ?? '';
      const perRun = parsePromql(substituteGrafanaVariables(raw)).selectors.filter((s) => s.metric !== undefined && series.get(s.metric)?.has('run')).length;
      assert.equal((raw.match(/\{run=~"\$run"\}/g) ?? []).length, perRun, `panel ${p.id} "${p.title}" target ${t.refId}: each per-run selector filters by $run`);
    }
  }
});
