/**
 * deploy/prometheus/prometheus-kubernetes.yml's relabeling on a real Prometheus. Debian's build has
 * no Kubernetes service discovery, so the test hands Prometheus static targets carrying the labels
 * that discovery would set for the pods of deploy/k8s (one target per container port, as role: pod
 * does) plus pods that must be dropped, and reads back the targets Prometheus made. A last,
 * test-only rule records the relabeled address and sends the scrape to a dead loopback port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadManifests } from '../kit/k8s-manifests.js';
import { eventually, freePort, startPrometheus } from '../kit/prometheus.js';
import { DEPLOY_DIR } from '../kit/promql.js';

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; ports?: { name?: string; containerPort: number }[] }[] };
}
interface Target {
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  scrapeUrl?: string;
  scrapePool: string;
}

const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** The labels Kubernetes pod discovery sets, one target per container port. */
function podTargets(pod: string, ip: string, phase: string, template: PodTemplate): { targets: string[]; labels: Record<string, string> }[] {
  const common: Record<string, string> = {
    __meta_kubernetes_namespace: 'qusop',
    __meta_kubernetes_pod_name: pod,
    __meta_kubernetes_pod_ip: ip,
    __meta_kubernetes_pod_phase: phase,
    __meta_kubernetes_pod_node_name: 'gpu-node-1',
  };
  for (const [k, v] of Object.entries(template.metadata.labels)) common[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
  for (const [k, v] of Object.entries(template.metadata.annotations ?? {})) common[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
  return template.spec.containers.flatMap((c) =>
    (c.ports ?? []).map((p) => ({
      targets: [`${ip}:${p.containerPort}`],
      labels: { ...common, __meta_kubernetes_pod_container_name: c.name, __meta_kubernetes_pod_container_port_name: p.name ?? '', __meta_kubernetes_pod_container_port_number: String(p.containerPort) },
    })),
  );
}

test('the Kubernetes scrape config turns deploy/k8s pods into qusop-coordinator / qusop-worker targets', { timeout: 60_000 }, async () => {
  const workloads = (await loadManifests())
    .map((d) => d.manifest)
    .filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
    .map((m) => ({ name: m.metadata.name, template: (m.spec as { template: PodTemplate }).template }));
  assert.ok(workloads.length >= 4);
  // pod IPs on loopback: even a scrape that escaped the test-only rewrite would stay on this machine
  const expected = workloads.map((w, i) => ({ ...w, pod: `${w.name}-0`, ip: `127.0.0.${10 + i}` }));
  const coordinator = workloads.find((w) => w.template.metadata.labels['app.kubernetes.io/component'] === 'coordinator');
  assert.ok(coordinator !== undefined);
  const unannotated: PodTemplate = { ...coordinator.template, metadata: { labels: coordinator.template.metadata.labels } };
  const otherApp: PodTemplate = { ...coordinator.template, metadata: { ...coordinator.template.metadata, labels: { 'app.kubernetes.io/name': 'other' } } };
  const dropped = [
    ...podTargets('finished-0', '127.0.0.50', 'Succeeded', coordinator.template),
    ...podTargets('unannotated-0', '127.0.0.51', 'Running', unannotated),
    ...podTargets('other-0', '127.0.0.52', 'Running', otherApp),
  ];
  const shipped = parseYaml(await readFile(join(DEPLOY_DIR, 'prometheus', 'prometheus-kubernetes.yml'), 'utf8')) as { global: Record<string, unknown>; scrape_configs: Record<string, unknown>[] };
  const job = shipped.scrape_configs.find((s) => s['kubernetes_sd_configs'] !== undefined);
  assert.ok(job !== undefined);
  const deadPort = await freePort();
  const { kubernetes_sd_configs: _sd, ...rest } = job;
  const config = {
    global: { ...shipped.global, scrape_interval: '1s', scrape_timeout: '1s' },
    scrape_configs: [{
      ...rest,
      static_configs: [...expected.flatMap((w) => podTargets(w.pod, w.ip, 'Running', w.template)), ...dropped],
      relabel_configs: [
        ...(rest['relabel_configs'] as unknown[]),
        { source_labels: ['__address__'], target_label: 'relabeled_address' },
        { target_label: '__address__', replacement: `127.0.0.1:${deadPort}` },
      ],
    }],
  };
  const prom = await startPrometheus(config);
  try {
    const targets = await eventually('discovered targets', async () => {
      const data = await prom.api<{ activeTargets: Target[]; droppedTargets: Target[] }>('targets', { state: 'any' });
      return data.activeTargets.length + data.droppedTargets.length > 0 ? data : undefined;
    }, 20_000);
    assert.equal(targets.activeTargets.length, expected.length, `one target per pod (ports deduplicated): ${JSON.stringify(targets.activeTargets.map((t) => t.labels))}`);
    for (const w of expected) {
      const t = targets.activeTargets.find((x) => x.labels['pod'] === w.pod);
      assert.ok(t !== undefined, `${w.pod} is scraped`);
      const meta = w.template.metadata;
      assert.equal(t.labels['job'], `qusop-${meta.labels['app.kubernetes.io/component'] ?? ''}`, `${w.pod}: job label the alerts match`);
      assert.equal(t.labels['relabeled_address'], `${w.ip}:${meta.annotations?.['prometheus.io/port'] ?? ''}`, `${w.pod}: address from prometheus.io/port`);
      assert.equal(t.scrapeUrl, `http://127.0.0.1:${deadPort}${meta.annotations?.['prometheus.io/path'] ?? ''}`, `${w.pod}: path from prometheus.io/path`);
      assert.equal(t.labels['namespace'], 'qusop');
      assert.equal(t.labels['node'], 'gpu-node-1');
      assert.equal(t.labels['deployment_mode'], meta.labels['app.kubernetes.io/instance']);
    }
    const droppedPods = new Set(targets.droppedTargets.map((t) => t.discoveredLabels['__meta_kubernetes_pod_name']));
    assert.deepEqual([...droppedPods].sort(), ['finished-0', 'other-0', 'unannotated-0'], 'finished, unannotated and foreign pods are not scraped');
  } finally {
    await prom.stop();
  }
});
