/**
 * deploy/prometheus: the scrape configs and alert rules pass promtool (check config, check rules,
 * test rules, lint fatal), every alert has a firing and a quiet unit test, and every YAML file under
 * deploy/ passes yamllint. Debian's Prometheus is built without Kubernetes service discovery, so
 * the Kubernetes variant is checked with its SD block swapped for a static one (the relabeling is
 * exercised on a real Prometheus in tests/integration/prometheus.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { DEPLOY_DIR } from '../kit/promql.js';
import { promtool, runTool } from '../kit/prometheus.js';

const PROM_DIR = join(DEPLOY_DIR, 'prometheus');
const show = (r: { stdout: string; stderr: string }): string => `${r.stdout}\n${r.stderr}`;

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-deploy-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ScrapeConfig {
  job_name: string;
  kubernetes_sd_configs?: Record<string, unknown>[];
  static_configs?: unknown[];
  relabel_configs?: { source_labels?: string[]; target_label?: string; regex?: string; replacement?: string; action?: string }[];
}
interface PromConfig {
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

test('promtool check config: static scrape config, its file_sd targets and rule files', async () => {
  const r = await promtool(['check', 'config', '--lint-fatal', 'prometheus.yml'], PROM_DIR);
  assert.equal(r.code, 0, show(r));
  assert.doesNotMatch(show(r), /WARNING/, 'no warnings (a missing file_sd file is only a warning)');
  const config = parseYaml(await readFile(join(PROM_DIR, 'prometheus.yml'), 'utf8')) as PromConfig;
  assert.deepEqual(config.scrape_configs.map((s) => s.job_name).sort(), ['qusop-coordinator', 'qusop-worker'], 'alerts.yml matches these job names');
});

test('promtool check config: a broken file_sd targets file fails (the check can fail)', async () => {
  await inTempDir(async (dir) => {
    await copyFile(join(PROM_DIR, 'prometheus.yml'), join(dir, 'prometheus.yml'));
    await copyFile(join(PROM_DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
    await mkdir(join(dir, 'targets'));
    await writeFile(join(dir, 'targets', 'qusop-workers.yml'), '- targetz: ["a:1"]\n');
    const r = await promtool(['check', 'config', 'prometheus.yml'], dir);
    assert.notEqual(r.code, 0, show(r));
    assert.match(show(r), /targetz/);
  });
});

const K8S_SD_FIELDS = new Set(['api_server', 'role', 'kubeconfig_file', 'namespaces', 'selectors', 'attach_metadata', 'basic_auth', 'authorization', 'oauth2', 'proxy_url', 'follow_redirects', 'enable_http2', 'tls_config']);

test('promtool check config: Kubernetes variant (pod annotations)', async () => {
  const text = await readFile(join(PROM_DIR, 'prometheus-kubernetes.yml'), 'utf8');
  const config = parseYaml(text) as PromConfig;
  const pods = config.scrape_configs.find((s) => s.kubernetes_sd_configs !== undefined);
  assert.ok(pods !== undefined, 'a kubernetes_sd_configs scrape job');
  for (const sd of pods.kubernetes_sd_configs ?? []) {
    assert.equal(sd['role'], 'pod');
    for (const k of Object.keys(sd)) assert.ok(K8S_SD_FIELDS.has(k), `kubernetes_sd_configs field ${k} is not a Prometheus field`);
  }
  const direct = await promtool(['check', 'config', '--lint-fatal', 'prometheus-kubernetes.yml'], PROM_DIR);
  if (direct.code === 0) return; // a promtool built with Kubernetes SD checked the file as it is
  assert.match(show(direct), /field kubernetes_sd_configs not found/, `only the missing SD may fail:\n${show(direct)}`);
  await inTempDir(async (dir) => {
    for (const s of config.scrape_configs) {
      if (s.kubernetes_sd_configs === undefined) continue;
      delete s.kubernetes_sd_configs;
      s.static_configs = [{ targets: ['127.0.0.1:9'] }];
    }
    await writeFile(join(dir, 'prometheus.yml'), stringify(config));
    await copyFile(join(PROM_DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
    const r = await promtool(['check', 'config', '--lint-fatal', 'prometheus.yml'], dir);
    assert.equal(r.code, 0, `relabel_configs and the rest of the file:\n${show(r)}`);
  });
});

test('promtool check rules: alert rules are valid and lint-clean', async () => {
  const r = await promtool(['check', 'rules', '--lint=all', '--lint-fatal', 'alerts.yml'], PROM_DIR);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules: every alert fires when it should and stays quiet otherwise', async () => {
  const r = await promtool(['test', 'rules', 'alerts.test.yml'], PROM_DIR);
  assert.equal(r.code, 0, show(r));
  const alerts = (parseYaml(await readFile(join(PROM_DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: { alert?: string }[] }[] }).groups
    .flatMap((g) => g.rules.map((x) => x.alert))
    .filter((a): a is string => a !== undefined);
  const cases = (parseYaml(await readFile(join(PROM_DIR, 'alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] }).tests
    .flatMap((t) => t.alert_rule_test ?? []);
  for (const name of ['QusopWorkerDown', 'QusopThroughputCollapse', 'QusopRunStalled', 'QusopLeaseExpiryStorm']) assert.ok(alerts.includes(name), `alerts.yml defines ${name}`);
  for (const name of alerts) {
    assert.ok(cases.some((c) => c.alertname === name && (c.exp_alerts?.length ?? 0) > 0), `${name} has a firing test`);
    assert.ok(cases.some((c) => c.alertname === name && (c.exp_alerts?.length ?? 0) === 0), `${name} has a quiet test`);
  }
});

test('promtool test rules: a weakened alert fails its unit tests (the tests can fail)', async () => {
  await inTempDir(async (dir) => {
    const rules = await readFile(join(PROM_DIR, 'alerts.yml'), 'utf8');
    // a stall alert that ignores "another run is progressing" must fire for the queued run
    const weakened = rules.replace(/\n\s*unless on \(job, instance\)\n\s*sum by \(job, instance\) \(rate\(qusop_tiles_completed_total\[10m\]\)\) > 0/, '');
    assert.notEqual(weakened, rules, 'the mutation applies');
    await writeFile(join(dir, 'alerts.yml'), weakened);
    await copyFile(join(PROM_DIR, 'alerts.test.yml'), join(dir, 'alerts.test.yml'));
    const r = await promtool(['test', 'rules', 'alerts.test.yml'], dir);
    assert.notEqual(r.code, 0, show(r));
    assert.match(show(r), /QusopRunStalled/);
  });
});

test('yamllint --strict: every YAML file under deploy/', async () => {
  const r = await runTool('yamllint', ['--strict', '-f', 'parsable', '-c', join(DEPLOY_DIR, '.yamllint.yml'), DEPLOY_DIR]);
  assert.equal(r.code, 0, show(r));
  const bad = await inTempDir(async (dir) => {
    await writeFile(join(dir, 'bad.yaml'), 'a: 1\na: 2\nb:   [1,2]\n');
    return runTool('yamllint', ['--strict', '-c', join(DEPLOY_DIR, '.yamllint.yml'), dir]);
  });
  assert.notEqual(bad.code, 0, 'a duplicate key fails yamllint');
});
