/**
 * Test kit: the PromQL in deploy/ (Grafana dashboard targets, alert rules) and the metrics the code
 * exports. Expressions are parsed with Prometheus' own lezer grammar, so metric names and label
 * names come from the syntax tree, not from a regular expression over the text.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { createCoordinatorMetrics } from '../../coordinator/metrics.js';
import { createWorkerMetrics } from '../../worker/metrics.js';
import { packageRoot } from '../../worker/common/version.js';

const ROOT = packageRoot();

export const DEPLOY_DIR = join(ROOT, 'deploy');
export const DASHBOARD_PATH = join(DEPLOY_DIR, 'grafana', 'qusop-dashboard.json');
export const ALERTS_PATH = join(DEPLOY_DIR, 'prometheus', 'alerts.yml');

export interface Expression {
  /** where it lives, e.g. `dashboard panel 7 "Tiles by state" target A` */
  readonly where: string;
  readonly expr: string;
}

export interface Selector {
  /** undefined for a selector without a metric name (`{job="x"}`) */
  readonly metric: string | undefined;
  readonly labels: readonly string[];
}

export interface ParsedPromql {
  readonly selectors: readonly Selector[];
  /** labels named in by/without/on/ignoring clauses */
  readonly groupingLabels: readonly string[];
  /** text around each syntax error; empty when the expression parses */
  readonly errors: readonly string[];
}

export function parsePromql(expr: string): ParsedPromql {
  const selectors: { metric: string | undefined; labels: string[] }[] = [];
  const groupingLabels: string[] = [];
  const errors: string[] = [];
  const text = (from: number, to: number): string => expr.slice(from, to);
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: "${text(Math.max(0, node.from - 15), node.to + 15)}"`);
      if (node.name === 'VectorSelector') selectors.push({ metric: undefined, labels: [] });
      const current = selectors[selectors.length - 1];
      const inSelector = isInside(node.node, 'VectorSelector');
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector' && current !== undefined) current.metric = text(node.from, node.to);
      if (node.name === 'LabelName') {
        const name = text(node.from, node.to);
        if (inSelector && current !== undefined) {
          if (name === '__name__') {
            const value = node.node.parent?.getChild('StringLiteral');
            if (value) current.metric = JSON.parse(text(value.from, value.to)) as string;
          } else current.labels.push(name);
        } else groupingLabels.push(name);
      }
    },
  });
  return { selectors, groupingLabels, errors };
}

interface TreeNode {
  readonly name: string;
  readonly parent: TreeNode | null;
}

function isInside(node: TreeNode, name: string): boolean {
  for (let p = node.parent; p !== null; p = p.parent) if (p.name === name) return true;
  return false;
}

/** Grafana's built-in interval variables become durations and `$var` / `${var}` a regex matching anything. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}/g, '1m')
    .replace(/\$__range|\$\{__range\}/g, '1h')
    .replace(/\$\{\w+(?::\w+)?\}|\$\w+/g, '.*');
}

interface DashboardJson {
  panels?: DashboardPanel[];
  templating?: { list?: { name: string; type: string; query?: string | { query?: string } }[] };
}
export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  panels?: DashboardPanel[];
  targets?: { refId: string; expr?: string }[];
}

export async function loadDashboard(): Promise<DashboardJson> {
  return JSON.parse(await readFile(DASHBOARD_PATH, 'utf8')) as DashboardJson;
}

/** Every panel target's expression (rows' nested panels included), variables substituted. */
export function dashboardExpressions(d: DashboardJson): Expression[] {
  const out: Expression[] = [];
  const visit = (panels: readonly DashboardPanel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (t.expr !== undefined) out.push({ where: `dashboard panel ${p.id} "${p.title}" target ${t.refId}`, expr: substituteGrafanaVariables(t.expr) });
      }
      visit(p.panels ?? []);
    }
  };
  visit(d.panels ?? []);
  for (const v of d.templating?.list ?? []) {
    // label_values(METRIC, LABEL) is Grafana's, not PromQL: check the metric and the label as a selector
    const query = typeof v.query === 'string' ? v.query : v.query?.query;
    const m = /^label_values\(\s*([^,]+?)\s*,\s*(\w+)\s*\)$/.exec(query ?? '');
    if (v.type === 'query' && m?.[1] !== undefined) out.push({ where: `dashboard variable $${v.name}`, expr: `group by (${m[2] ?? ''}) (${m[1]})` });
  }
  return out;
}

export async function alertExpressions(path = ALERTS_PATH): Promise<Expression[]> {
  const doc = parseYaml(await readFile(path, 'utf8')) as { groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule group ${g.name} ${r.alert ?? r.record ?? '?'}`, expr: r.expr })));
}

/**
 * Series names the code exports, with their label names: coordinator and worker registries,
 * histograms expanded to _bucket (+le), _sum and _count. The worker's default label is the one
 * worker/lease-loop.ts sets.
 */
export async function exportedSeries(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const workerDefaults = { worker: 'probe' };
  for (const [registry, defaults] of [[createCoordinatorMetrics().registry, {}], [createWorkerMetrics(workerDefaults).registry, workerDefaults]] as const) {
    for (const m of registry.getMetricsAsArray()) {
      const base = m as unknown as { name: string; type: string; labelNames?: readonly string[] };
      const labels = [...(base.labelNames ?? []), ...Object.keys(defaults)];
      if (base.type === 'histogram') {
        out.set(`${base.name}_bucket`, new Set([...labels, 'le']));
        out.set(`${base.name}_sum`, new Set(labels));
        out.set(`${base.name}_count`, new Set(labels));
      } else if (base.type === 'summary') {
        out.set(base.name, new Set([...labels, 'quantile']));
        out.set(`${base.name}_sum`, new Set(labels));
        out.set(`${base.name}_count`, new Set(labels));
      } else out.set(base.name, new Set(labels));
    }
  }
  return out;
}

/** Series Prometheus itself writes for every target (not exported by our code, but fair to query). */
export const PROMETHEUS_SERIES: ReadonlyMap<string, ReadonlySet<string>> = new Map([['up', new Set<string>()]]);

/** Labels Prometheus attaches to every scraped series in deploy/prometheus/*.yml configs. */
export const TARGET_LABELS: ReadonlySet<string> = new Set(['job', 'instance', 'namespace', 'pod', 'node', 'deployment_mode', 'pool']);

/** Problems with one expression: syntax errors, unknown metrics, labels a metric does not carry. */
export function checkExpression(e: Expression, series: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const parsed = parsePromql(e.expr);
  const problems = parsed.errors.map((err) => `${e.where}: PromQL syntax error ${err}`);
  const known = (name: string): ReadonlySet<string> | undefined => series.get(name) ?? PROMETHEUS_SERIES.get(name);
  const used = new Set<string>([...TARGET_LABELS]);
  for (const s of parsed.selectors) {
    if (s.metric === undefined) {
      problems.push(`${e.where}: selector without a metric name`);
      continue;
    }
    const labels = known(s.metric);
    if (labels === undefined) {
      problems.push(`${e.where}: metric ${s.metric} is not exported by coordinator/metrics.ts or worker/metrics.ts`);
      continue;
    }
    for (const l of labels) used.add(l);
    for (const l of s.labels) if (!labels.has(l) && !TARGET_LABELS.has(l)) problems.push(`${e.where}: ${s.metric} has no label "${l}" (it has ${[...labels].join(', ') || 'none'})`);
  }
  for (const l of parsed.groupingLabels) if (!used.has(l)) problems.push(`${e.where}: groups by "${l}", which none of its metrics carries`);
  return problems;
}
