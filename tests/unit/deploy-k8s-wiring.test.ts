/**
 * deploy/k8s manifests agree with each other and with the code: selectors match pod labels, the
 * container args parse with the real `qusop` yargs definitions, probes hit /healthz on the metrics
 * port the args open, the token comes from the Secret, the ConfigMap holds a valid scenario, scrape
 * annotations name the metrics port, and every pod runs non-root with bounded resources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yargs from 'yargs';
import { COMMANDS } from '../../cli/commands/index.js';
import { parseScenarioText } from '../../coordinator/scenario/load.js';
import { packageRoot } from '../../worker/common/version.js';
import { loadManifests, type Manifest } from '../kit/k8s-manifests.js';

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
    volumes?: { name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }[];
  };
}
interface Workload {
  readonly id: string;
  readonly manifest: Manifest;
  readonly template: PodTemplate;
}

const ROOT = packageRoot();
const docs = await loadManifests();
const manifests = docs.map((d) => d.manifest);
const workloads: Workload[] = manifests
  .filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
  .map((m) => ({ id: `${m.kind}/${m.metadata.name}`, manifest: m, template: (m.spec as { template: PodTemplate }).template }));
const containers = workloads.flatMap((w) => w.template.spec.containers.map((c) => ({ w, c })));
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Parses container args with the real CLI definitions (handlers replaced), strict like main.ts. */
function parseQusopArgs(args: readonly string[]): Record<string, unknown> {
  let y = yargs([...args]).exitProcess(false).strict().help(false).version(false);
  for (const c of COMMANDS) y = y.command({ ...c, handler: () => undefined });
  return y.fail((msg, err) => { throw err ?? new Error(msg); }).parseSync() as Record<string, unknown>;
}

function metricsPortOf(c: Container): number {
  const port = c.ports?.find((p) => p.name === 'metrics')?.containerPort;
  assert.ok(port !== undefined, `${c.name} names a containerPort "metrics"`);
  return port;
}

test('Deployment selectors match their pod labels; every Service selects exactly one workload', () => {
  for (const w of workloads.filter((x) => x.manifest.kind === 'Deployment')) {
    const sel = (w.manifest.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    assert.ok(matches(sel, w.template.metadata.labels), `${w.id}: selector ${JSON.stringify(sel)} matches its template`);
  }
  for (const svc of manifests.filter((m) => m.kind === 'Service')) {
    const spec = svc.spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
    const selected = workloads.filter((w) => matches(spec.selector, w.template.metadata.labels));
    assert.equal(selected.length, 1, `Service ${svc.metadata.name} selects ${selected.map((w) => w.id).join(', ') || 'nothing'}`);
    const names = selected[0]?.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)) ?? [];
    for (const p of spec.ports) assert.ok(names.includes(p.targetPort), `Service ${svc.metadata.name} port ${p.name} targets a named container port`);
  }
  for (const np of manifests.filter((m) => m.kind === 'NetworkPolicy')) {
    const spec = np.spec as { podSelector: { matchLabels: Record<string, string> }; ingress: { from?: { podSelector: { matchLabels: Record<string, string> } }[] }[] };
    assert.ok(workloads.some((w) => matches(spec.podSelector.matchLabels, w.template.metadata.labels)), `NetworkPolicy ${np.metadata.name} protects some pods`);
    for (const f of spec.ingress.flatMap((i) => i.from ?? [])) assert.ok(workloads.some((w) => matches(f.podSelector.matchLabels, w.template.metadata.labels)), `NetworkPolicy ${np.metadata.name} admits some pods`);
  }
});

test('container args parse with the real qusop CLI; ports, probes and services line up', () => {
  const services = manifests.filter((m) => m.kind === 'Service');
  for (const { w, c } of containers) {
    const argv = parseQusopArgs(c.args ?? []);
    const command = String((argv['_'] as unknown[])[0]);
    const metrics = metricsPortOf(c);
    assert.equal(argv['metrics-port'], metrics, `${w.id}: --metrics-port is the "metrics" containerPort`);
    assert.equal(w.template.metadata.labels['app.kubernetes.io/component'], command, `${w.id}: component label names the command`);
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      if (probe === undefined) continue;
      assert.equal(probe.httpGet?.path, '/healthz', `${w.id}: probes use the real health endpoint`);
      assert.equal(probe.httpGet?.port, 'metrics', `${w.id}: probes hit the metrics port`);
    }
    assert.ok(c.livenessProbe !== undefined, `${w.id}: has a liveness probe`);
    if (command === 'coordinator') {
      assert.ok(c.readinessProbe !== undefined, `${w.id}: has a readiness probe`);
      assert.equal(argv['metrics-host'], '0.0.0.0', `${w.id}: /healthz must be reachable by the kubelet`);
      const listen = String(argv['listen']);
      assert.match(listen, /^0\.0\.0\.0:\d+$/);
      assert.equal(argv['allow-insecure'], true, `${w.id}: plaintext on a pod address needs --allow-insecure`);
      assert.equal(c.ports?.find((p) => p.name === 'grpc')?.containerPort, Number(listen.split(':')[1]), `${w.id}: grpc port is the --listen port`);
      const scenario = String(argv['scenario']);
      const mount = c.volumeMounts?.find((m) => scenario.startsWith(m.mountPath + '/'));
      const volume = w.template.spec.volumes?.find((v) => v.name === mount?.name);
      const cm = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === volume?.configMap?.name);
      assert.ok(cm?.data?.[scenario.slice((mount?.mountPath.length ?? 0) + 1)] !== undefined, `${w.id}: --scenario ${scenario} is a key of a mounted ConfigMap`);
    } else {
      assert.equal(command, 'worker');
      assert.equal(argv['provider'], 'cuda', `${w.id}: GPU workers ask for the CUDA provider`);
      const [host, port] = String(argv['coordinator']).split(':');
      const svc = services.find((s) => s.metadata.name === host);
      assert.ok(svc !== undefined, `${w.id}: --coordinator ${host} is a Service`);
      assert.ok((svc.spec as { ports: { name: string; port: number }[] }).ports.some((p) => p.name === 'grpc' && p.port === Number(port)), `${w.id}: Service ${host} exposes grpc on ${port}`);
      assert.equal(svc.metadata.labels?.['app.kubernetes.io/instance'], w.template.metadata.labels['app.kubernetes.io/instance'], `${w.id}: talks to the coordinator of its own mode`);
    }
  }
});

test('$(VAR) references in args are defined in the container env', () => {
  for (const { w, c } of containers) {
    for (const a of c.args ?? []) {
      for (const [, name] of a.matchAll(/\$\((\w+)\)/g)) assert.ok(c.env?.some((e) => e.name === name), `${w.id}: $(${name}) is defined`);
    }
  }
});

test('the token comes from the qusop-token Secret that deploy/README.md tells you to create', async () => {
  const readme = await readFile(join(ROOT, 'deploy', 'README.md'), 'utf8');
  assert.match(readme, /kubectl (-n \S+ )?create secret generic qusop-token --from-literal=token=/);
  for (const { w, c } of containers) {
    const env = c.env?.find((e) => e.name === 'QUSOP_TOKEN');
    assert.deepEqual(env?.valueFrom?.secretKeyRef, { name: 'qusop-token', key: 'token' }, `${w.id}: QUSOP_TOKEN from secretKeyRef`);
    assert.equal(env?.value, undefined, `${w.id}: no literal token`);
  }
});

test('GPU workers request one nvidia.com/gpu; the Indexed Job numbers its workers', () => {
  for (const { w, c } of containers.filter((x) => x.w.template.metadata.labels['app.kubernetes.io/component'] === 'worker')) {
    assert.equal(String(c.resources?.limits?.['nvidia.com/gpu']), '1', `${w.id}: GPU limit`);
    assert.equal(String(c.resources?.requests?.['nvidia.com/gpu']), '1', `${w.id}: GPU request equals the limit`);
  }
  const job = workloads.find((w) => w.id === 'Job/qusop-sweep-workers');
  const spec = job?.manifest.spec as { completionMode: string; completions: number; parallelism: number } | undefined;
  assert.equal(spec?.completionMode, 'Indexed');
  assert.equal(spec?.completions, spec?.parallelism, 'all sweep workers run at once');
  const index = job?.template.spec.containers[0]?.env?.find((e) => e.valueFrom?.fieldRef !== undefined);
  assert.equal(index?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
});

test('the ConfigMap scenario is valid for the scenario loader and names models the image ships', async () => {
  const cm = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'qusop-scenario');
  const text = cm?.data?.['scenario.yaml'];
  assert.ok(text !== undefined);
  const file = parseScenarioText(text, 'deploy/k8s/scenario-configmap.yaml:data.scenario.yaml');
  const dockerfile = await readFile(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  for (const rg of file.scenarios.flatMap((s) => s.regimens)) {
    assert.match(rg.model, /^\/app\//, 'absolute path inside the image (WORKDIR /app)');
    const inRepo = rg.model.slice('/app/'.length);
    assert.ok(existsSync(join(ROOT, inRepo)), `${inRepo} exists after npm run build`);
    const dir = inRepo.slice(0, inRepo.lastIndexOf('/'));
    assert.ok(dockerfile.includes(`./${dir}`), `the Dockerfile copies ${dir} into /app`);
  }
});

test('scrape annotations name the metrics port and map to the job names the alerts use', () => {
  for (const w of workloads) {
    const a = w.template.metadata.annotations ?? {};
    assert.equal(a['prometheus.io/scrape'], 'true', `${w.id}: scraped`);
    assert.equal(a['prometheus.io/path'], '/metrics');
    const ports = w.template.spec.containers.map(metricsPortOf);
    assert.ok(ports.includes(Number(a['prometheus.io/port'])), `${w.id}: prometheus.io/port ${a['prometheus.io/port']} is a metrics port`);
    assert.equal(w.template.metadata.labels['app.kubernetes.io/name'], 'qusop');
    assert.ok(['coordinator', 'worker'].includes(w.template.metadata.labels['app.kubernetes.io/component'] ?? ''), `${w.id}: component becomes job qusop-<component>`);
  }
});

const cpu = (q: string | number): number => (typeof q === 'number' ? q : q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
const bytes = (q: string | number): number => {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(String(q));
  assert.ok(m !== null, `memory quantity ${q}`);
  return Number(m[1]) * 1024 ** ['', 'Ki', 'Mi', 'Gi', 'Ti'].indexOf(m[2] ?? '');
};

test('every container has cpu/memory requests <= limits and runs non-root, read-only, without privileges', async () => {
  const dockerUser = /^USER\s+(\d+)/m.exec(await readFile(join(ROOT, 'deploy', 'Dockerfile'), 'utf8'))?.[1];
  assert.ok(dockerUser !== undefined && dockerUser !== '0', 'the image runs as a numeric non-root user');
  for (const { w, c } of containers) {
    const { requests = {}, limits = {} } = c.resources ?? {};
    for (const r of ['cpu', 'memory']) assert.ok(requests[r] !== undefined && limits[r] !== undefined, `${w.id}: ${r} request and limit`);
    assert.ok(cpu(requests['cpu'] ?? 0) <= cpu(limits['cpu'] ?? 0), `${w.id}: cpu request <= limit`);
    assert.ok(bytes(requests['memory'] ?? 0) <= bytes(limits['memory'] ?? 0), `${w.id}: memory request <= limit`);
    const pod = w.template.spec.securityContext;
    assert.equal(pod?.runAsNonRoot, true, `${w.id}: runAsNonRoot`);
    assert.equal(String(pod?.runAsUser), dockerUser, `${w.id}: runAsUser is the image's user`);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w.id}: no privilege escalation`);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${w.id}: read-only root filesystem`);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${w.id}: drops all capabilities`);
    assert.ok(c.volumeMounts?.some((m) => m.mountPath === '/tmp'), `${w.id}: a writable /tmp`);
    for (const v of w.template.spec.volumes ?? []) {
      if (v.configMap) assert.ok(manifests.some((m) => m.kind === 'ConfigMap' && m.metadata.name === v.configMap?.name), `${w.id}: ConfigMap ${v.configMap.name} exists`);
      if (v.persistentVolumeClaim) assert.ok(manifests.some((m) => m.kind === 'PersistentVolumeClaim' && m.metadata.name === v.persistentVolumeClaim?.claimName), `${w.id}: PVC exists`);
    }
  }
});

test('the argument check can fail: a misspelled flag is rejected by the CLI definitions', () => {
  assert.throws(() => parseQusopArgs(['coordinator', '--metric-port', '9464']), /Unknown argument/);
  assert.throws(() => parseQusopArgs(['worker', '--provider', 'tpu', '--coordinator', 'x:1']), /Invalid values/);
});

test('roles: only the farm coordinator gets the admin token (optional Secret the README creates), with --allowed-root; workers never', async () => {
  const readme = await readFile(join(ROOT, 'deploy', 'README.md'), 'utf8');
  assert.match(readme, /kubectl (-n \S+ )?create secret generic qusop-admin-token --from-literal=token=/);
  for (const { w, c } of containers) {
    const admin = c.env?.find((e) => e.name === 'QUSOP_ADMIN_TOKEN');
    const argv = parseQusopArgs(c.args ?? []);
    if (w.id === 'Deployment/qusop-coordinator') {
      assert.deepEqual(admin?.valueFrom?.secretKeyRef, { name: 'qusop-admin-token', key: 'token', optional: true }, `${w.id}: QUSOP_ADMIN_TOKEN from an optional secretKeyRef`);
      const roots = argv['allowed-root'] as string[] | undefined;
      assert.ok(roots?.includes(String(argv['out-root'])), `${w.id}: --allowed-root covers --out-root`);
    } else {
      assert.equal(admin, undefined, `${w.id}: no admin token (a worker or a batch coordinator never takes submissions)`);
    }
  }
});
