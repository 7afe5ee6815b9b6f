/**
 * Test kit: the Kubernetes manifests in deploy/k8s, loaded document by document, validated offline
 * two ways: kubernetes-models' schema validators (types, required fields, enums) and a TypeScript
 * type check against the same package's interfaces, which catches misspelled fields the schema
 * validators let through. Only the kinds listed in KINDS may appear.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { packageRoot } from '../../worker/common/version.js';
import { typeCheckValues, type TypeProblem } from './typecheck.js';

export const K8S_DIR = join(packageRoot(), 'deploy', 'k8s');

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** apiVersion + kind -> model class and the TypeScript interface it is checked against */
export const KINDS: ReadonlyMap<string, { model: ModelClass; type: string }> = new Map<string, { model: ModelClass; type: string }>([
  ['apps/v1 Deployment', { model: Deployment, type: "import('kubernetes-models/apps/v1/Deployment').IDeployment" }],
  ['batch/v1 Job', { model: Job, type: "import('kubernetes-models/batch/v1/Job').IJob" }],
  ['v1 Service', { model: Service, type: "import('kubernetes-models/v1/Service').IService" }],
  ['v1 ConfigMap', { model: ConfigMap, type: "import('kubernetes-models/v1/ConfigMap').IConfigMap" }],
  ['v1 PersistentVolumeClaim', { model: PersistentVolumeClaim, type: "import('kubernetes-models/v1/PersistentVolumeClaim').IPersistentVolumeClaim" }],
  ['networking.k8s.io/v1 NetworkPolicy', { model: NetworkPolicy, type: "import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').INetworkPolicy" }],
]);

/** The parts of manifests the wiring tests read (loose: the validators above own the full shape). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

export interface ManifestDoc {
  /** `coordinator.yaml#2` */
  readonly where: string;
  readonly manifest: Manifest;
}

export async function loadManifests(dir = K8S_DIR): Promise<ManifestDoc[]> {
  const out: ManifestDoc[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const docs = parseAllDocuments(await readFile(join(dir, file), 'utf8'));
    if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`);
    docs.forEach((doc, i) => {
      if (doc.errors.length > 0) throw new Error(`${file}#${i + 1}: ${doc.errors[0]?.message ?? 'YAML error'}`);
      const value = doc.toJS() as Manifest | null;
      if (value !== null) out.push({ where: `${file}#${i + 1}`, manifest: value });
    });
  }
  return out;
}

const kindKey = (m: Manifest): string => `${m.apiVersion} ${m.kind}`;
const describe = (d: ManifestDoc): string => `${d.where} (${d.manifest.kind} ${d.manifest.metadata?.name ?? '?'})`;

/** Schema problems from kubernetes-models' validators, one line per document. */
export function schemaProblems(docs: readonly ManifestDoc[]): string[] {
  const problems: string[] = [];
  for (const d of docs) {
    const kind = KINDS.get(kindKey(d.manifest));
    if (kind === undefined) {
      problems.push(`${describe(d)}: kind ${kindKey(d.manifest)} is not one the tests know (add it to KINDS)`);
      continue;
    }
    try {
      new kind.model(structuredClone(d.manifest) as never).validate();
    } catch (err) {
      problems.push(`${describe(d)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Unknown or mistyped fields at any depth, from TypeScript's excess-property checks. */
export function typeProblems(docs: readonly ManifestDoc[]): TypeProblem[] {
  return typeCheckValues(
    docs.flatMap((d) => {
      const kind = KINDS.get(kindKey(d.manifest));
      return kind === undefined ? [] : [{ label: describe(d), type: kind.type, value: d.manifest }];
    }),
  );
}
