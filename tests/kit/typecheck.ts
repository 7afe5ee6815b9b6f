/**
 * Test kit: type-checks plain data (parsed YAML/JSON) against TypeScript types that a package
 * declares, with the TypeScript compiler API. Schema validators such as kubernetes-models' ajv code
 * accept unknown keys, so a misspelled field (`replcas`) passes them; TypeScript's excess-property
 * check on a fresh object literal catches it at any depth, naming the key and the expected type.
 */
import ts from 'typescript';
import { join } from 'node:path';
import { packageRoot } from '../../worker/common/version.js';

const ROOT = packageRoot();

export interface TypedValue {
  /** shown in diagnostics, e.g. `deploy/k8s/coordinator.yaml#1 (Deployment qusop-coordinator)` */
  readonly label: string;
  /** a type expression valid after `prelude`, e.g. `import('kubernetes-models/apps/v1/Deployment').IDeployment` */
  readonly type: string;
  readonly value: unknown;
}

export interface TypeProblem {
  readonly label: string;
  /** the offending line of the value's JSON, e.g. `"replcas": 2,` */
  readonly near: string;
  readonly message: string;
}

const VIRTUAL = join(ROOT, '__deploy_typecheck__.ts');
/** parsed lib and package typings, shared by every check in this process (they never change) */
const parsed = new Map<string, ts.SourceFile>();

/** Checks every value in one compiler run (the lib and package typings are parsed once). */
export function typeCheckValues(values: readonly TypedValue[], prelude = ''): TypeProblem[] {
  const lines: string[] = [prelude];
  const owners: { label: string; from: number; to: number }[] = [];
  values.forEach((v, i) => {
    const json = JSON.stringify(v.value, null, 2).split('\n');
    const from = lines.length;
    lines.push(`export const value${i}: ${v.type} = ${json[0] ?? 'undefined'}`, ...json.slice(1));
    owners.push({ label: v.label, from, to: lines.length - 1 });
  });
  const source = lines.join('\n') + '\n';
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    if (name === VIRTUAL) return ts.createSourceFile(name, source, lang);
    const cached = parsed.get(name);
    if (cached !== undefined) return cached;
    const file = getSourceFile(name, lang, onError, create);
    if (file !== undefined) parsed.set(name, file);
    return file;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === VIRTUAL || fileExists(name);
  const program = ts.createProgram([VIRTUAL], options, host);
  const file = program.getSourceFile(VIRTUAL);
  if (file === undefined) throw new Error('typecheck: virtual source file missing');
  const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  return diagnostics.map((d) => {
    const line = d.start === undefined ? 0 : file.getLineAndCharacterOfPosition(d.start).line;
    const owner = owners.find((o) => line >= o.from && line <= o.to);
    return {
      label: owner?.label ?? '(prelude)',
      near: (lines[line] ?? '').trim(),
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    };
  });
}

export function formatTypeProblems(problems: readonly TypeProblem[]): string {
  // expanded anonymous types make messages long; the start names the field and the problem
  return problems.map((p) => `${p.label}: near ${p.near}: ${p.message.length > 400 ? p.message.slice(0, 400) + '...' : p.message}`).join('\n');
}
