/**
 * deploy/k8s manifests validate offline: kubernetes-models' schema validators (field types,
 * required fields) and a TypeScript check against its interfaces for misspelled fields, which the
 * validators accept. Planted mistakes in copies prove each check can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifests, schemaProblems, typeProblems, type ManifestDoc } from '../kit/k8s-manifests.js';
import { formatTypeProblems } from '../kit/typecheck.js';

type Json = Record<string, unknown>;
const obj = (v: unknown, what: string): Json => {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `${what} is an object`);
  return v as Json;
};
const first = (v: unknown, what: string): Json => {
  assert.ok(Array.isArray(v) && v.length > 0, `${what} is a non-empty list`);
  return obj(v[0], what);
};

async function copyOf(kind: string, name: string): Promise<ManifestDoc> {
  const doc = (await loadManifests()).find((d) => d.manifest.kind === kind && d.manifest.metadata.name === name);
  assert.ok(doc !== undefined, `${kind} ${name} exists`);
  return structuredClone(doc);
}

function podSpec(d: ManifestDoc): Json {
  return obj(obj(obj(d.manifest.spec, 'spec')['template'], 'template')['spec'], 'pod spec');
}

test('the manifests cover the deployment: coordinator, workers (Deployment and Indexed Job), Service, ConfigMap', async () => {
  const kinds = (await loadManifests()).map((d) => `${d.manifest.kind}/${d.manifest.metadata.name}`).sort();
  for (const k of ['Deployment/qusop-coordinator', 'Service/qusop-coordinator', 'Deployment/qusop-worker', 'Job/qusop-sweep-workers', 'ConfigMap/qusop-scenario', 'PersistentVolumeClaim/qusop-runs']) {
    assert.ok(kinds.includes(k), `${k} in ${kinds.join(', ')}`);
  }
});

test('every manifest passes the kubernetes-models schema validators', async () => {
  const problems = schemaProblems(await loadManifests());
  assert.deepEqual(problems, []);
});

test('every manifest type-checks against the kubernetes-models interfaces (no unknown fields)', async () => {
  const problems = typeProblems(await loadManifests());
  assert.equal(problems.length, 0, formatTypeProblems(problems));
});

test('a misspelled field (replcas) passes the schema validator but fails the type check', async () => {
  const doc = await copyOf('Deployment', 'qusop-worker');
  const spec = obj(doc.manifest.spec, 'spec');
  spec['replcas'] = spec['replicas'];
  delete spec['replicas'];
  assert.deepEqual(schemaProblems([doc]), [], 'kubernetes-models alone does not see the typo');
  const problems = typeProblems([doc]);
  assert.equal(problems.length, 1, formatTypeProblems(problems));
  assert.match(problems[0]?.message ?? '', /'"replcas"' does not exist in type 'IDeploymentSpec'/);
  assert.equal(problems[0]?.label, 'worker-deployment.yaml#1 (Deployment qusop-worker)');
});

test('misspelled fields deep in the pod template are caught too', async () => {
  const plant: [string, (d: ManifestDoc) => void, RegExp][] = [
    ['probe path', (d) => { obj(obj(first(podSpec(d)['containers'], 'containers')['livenessProbe'], 'probe')['httpGet'], 'httpGet')['paht'] = '/healthz'; }, /'"paht"' does not exist in type 'IHTTPGetAction'/],
    ['pod securityContext', (d) => { obj(podSpec(d)['securityContext'], 'securityContext')['runAsNonroot'] = true; }, /'"runAsNonroot"' does not exist in type 'IPodSecurityContext'/],
    ['secretKeyRef', (d) => { obj(obj(first(first(podSpec(d)['containers'], 'containers')['env'], 'env')['valueFrom'], 'valueFrom')['secretKeyRef'], 'ref')['nme'] = 'x'; }, /'"nme"' does not exist in type 'ISecretKeySelector'/],
  ];
  const copies: ManifestDoc[] = [];
  for (const [what, mutate] of plant) {
    const doc = await copyOf('Job', 'qusop-sweep-workers');
    mutate(doc);
    copies.push({ where: what, manifest: doc.manifest });
  }
  // one compiler run for all copies; each copy carries one planted mistake
  const problems = typeProblems(copies);
  for (const [what, , expected] of plant) assert.match(formatTypeProblems(problems.filter((p) => p.label.startsWith(what + ' '))), expected, what);
});

test('wrong value types and missing required fields fail the schema validator', async () => {
  const svc = await copyOf('Service', 'qusop-coordinator');
  obj(first(obj(svc.manifest.spec, 'spec')['ports'], 'ports'), 'port')['port'] = '7070';
  assert.match(schemaProblems([svc]).join('\n'), /spec\/ports\/0\/port must be integer/);
  const dep = await copyOf('Deployment', 'qusop-coordinator');
  delete obj(dep.manifest.spec, 'spec')['selector'];
  assert.match(schemaProblems([dep]).join('\n'), /selector/);
  const unknown = await copyOf('ConfigMap', 'qusop-scenario');
  unknown.manifest.kind = 'ConfigMapp';
  assert.match(schemaProblems([unknown]).join('\n'), /v1 ConfigMapp is not one the tests know/);
});
