/**
 * deploy/Dockerfile cannot be built here (no Docker engine), so it is linted: dockerfile-utils'
 * validator (the VS Code Docker language server's), shellcheck on every RUN line, and checks that
 * what it copies exists, that the build stage holds every file the CLI imports, that every package
 * the CLI imports survives `npm ci --omit=dev`, and that the entrypoint and user are what Kubernetes
 * expects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { DockerfileParser, type Copy, type Instruction, type JSONInstruction } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { packageRoot } from '../../worker/common/version.js';
import { runTool } from '../kit/prometheus.js';

const ROOT = packageRoot();
const DOCKERFILE = join(ROOT, 'deploy', 'Dockerfile');
const text = await readFile(DOCKERFILE, 'utf8');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const stages = dockerfile.getFROMs();
const finalStageStart = stages[stages.length - 1]?.getRange().start.line ?? 0;
const inFinal = (i: Instruction): boolean => i.getRange().start.line > finalStageStart;
const ALL_ERRORS = {
  deprecatedMaintainer: ValidationSeverity.ERROR, directiveCasing: ValidationSeverity.ERROR, emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR, instructionCmdMultiple: ValidationSeverity.ERROR, instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR, instructionJSONInSingleQuotes: ValidationSeverity.ERROR, instructionWorkdirRelative: ValidationSeverity.ERROR,
};
const lint = (content: string): string[] => validate(content, ALL_ERRORS).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);

test('dockerfile-utils finds no problem (every rule an error); planted mistakes are found', () => {
  assert.deepEqual(lint(text), []);
  assert.match(lint(text.replace('RUN npm run build', 'RUNN npm run build')).join('\n'), /Unknown instruction: RUNN/);
  assert.match(lint(text.replace('EXPOSE 7070', 'EXPOSE 70x70')).join('\n'), /Invalid containerPort/);
  assert.match(lint(text.replace('WORKDIR /app', 'WORKDIR app')).join('\n'), /WORKDIR paths should be absolute/);
});

test('shellcheck passes on every RUN command', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-dockerfile-'));
  try {
    const runs = instructions.filter((i) => i.getKeyword() === 'RUN');
    assert.ok(runs.length >= 3);
    for (const run of runs) {
      const file = join(dir, `run-${run.getRange().start.line + 1}.sh`);
      await writeFile(file, `${run.getArgumentsContent() ?? ''}\n`);
      const r = await runTool('shellcheck', ['--shell=sh', '--severity=style', file]);
      assert.equal(r.code, 0, `Dockerfile line ${run.getRange().start.line + 1}:\n${r.stdout}${r.stderr}`);
    }
    await writeFile(join(dir, 'bad.sh'), 'cd $DIR && rm -rf $DIR/*\n');
    assert.notEqual((await runTool('shellcheck', ['--shell=sh', join(dir, 'bad.sh')])).code, 0, 'shellcheck can fail');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('two stages on Node 20 slim; the runtime installs production dependencies only', () => {
  assert.equal(stages.length, 2);
  for (const f of stages) {
    assert.equal(f.getImageName(), 'node');
    assert.match(f.getImageTag() ?? '', /^20(\.\d+)*-(bookworm-)?slim$/);
  }
  const finalRuns = instructions.filter((i) => i.getKeyword() === 'RUN' && inFinal(i)).map((i) => i.getArgumentsContent() ?? '');
  assert.ok(finalRuns.some((r) => /npm ci --omit=dev\b/.test(r)), 'npm ci --omit=dev in the runtime stage');
});

test('the onnxruntime install flag is a build argument (skip by default) and documented', async () => {
  const arg = instructions.find((i) => i.getKeyword() === 'ARG' && inFinal(i) && /^ONNXRUNTIME_NODE_INSTALL=/.test(i.getArgumentsContent() ?? ''));
  assert.equal(arg?.getArgumentsContent(), 'ONNXRUNTIME_NODE_INSTALL=skip');
  assert.ok(instructions.some((i) => i.getKeyword() === 'RUN' && inFinal(i) && /ONNXRUNTIME_NODE_INSTALL="\$\{ONNXRUNTIME_NODE_INSTALL\}" npm rebuild onnxruntime-node/.test(i.getArgumentsContent() ?? '')));
  const readme = await readFile(join(ROOT, 'deploy', 'README.md'), 'utf8');
  for (const s of ['--build-arg ONNXRUNTIME_NODE_INSTALL=cuda12', 'ONNXRUNTIME_NODE_INSTALL_CUDA=v12']) assert.ok(readme.includes(s), `deploy/README.md documents ${s}`);
  // the flag names are the ones onnxruntime-node's install script reads
  const installer = await readFile(join(ROOT, 'node_modules', 'onnxruntime-node', 'script', 'install-utils.js'), 'utf8');
  for (const s of ['process.env.ONNXRUNTIME_NODE_INSTALL ', 'process.env.ONNXRUNTIME_NODE_INSTALL_CUDA ', "'v12'", "'skip'"]) assert.ok(installer.includes(s), `install-utils.js reads ${s}`);
});

test('entrypoint qusop, run by a numeric non-root user; the linked CLI is a node script', async () => {
  const entry = instructions.filter((i) => i.getKeyword() === 'ENTRYPOINT') as JSONInstruction[];
  assert.equal(entry.length, 1);
  assert.deepEqual(entry[0]?.getJSONStrings().map((s) => s.getJSONValue()), ['qusop'], 'exec form, so signals reach node');
  const users = instructions.filter((i) => i.getKeyword() === 'USER' && inFinal(i)).map((i) => i.getArgumentsContent() ?? '');
  assert.match(users[users.length - 1] ?? '', /^[1-9]\d*(:\d+)?$/, 'numeric, non-zero uid');
  const link = /ln -s (\S+) \/usr\/local\/bin\/qusop/.exec(text);
  assert.equal(link?.[1], '/app/dist/cli/main.js');
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  assert.ok(existsSync(built), 'npm run build produced the CLI');
  assert.match(await readFile(built, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

const copies = instructions.filter((i) => i.getKeyword() === 'COPY') as Copy[];
const sourcesOf = (c: Copy): string[] => c.getArguments().slice(0, -1).map((a) => a.getValue());

test('COPY sources exist: context paths in the repository, build outputs in the build stage', async () => {
  const ignored = (await readFile(join(ROOT, 'deploy', 'Dockerfile.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const c of copies) {
    for (const src of sourcesOf(c)) {
      if (c.getFromFlag()?.getValue() === 'build') {
        assert.match(src, /^\/src\//);
        assert.ok(existsSync(join(ROOT, src.slice('/src/'.length))), `${src} is produced by npm run build`);
      } else {
        assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: exists in the build context`);
        assert.ok(!ignored.includes(src), `COPY ${src}: not excluded by Dockerfile.dockerignore`);
      }
    }
  }
});

/** Runtime imports (type-only ones are erased) of one TypeScript file. */
function runtimeImports(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) out.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

test('the build stage copies every file the CLI imports, and the runtime keeps every package it imports', async () => {
  const copied = copies.filter((c) => c.getFromFlag() === null && !inFinal(c)).flatMap(sourcesOf).filter((s) => !s.includes('.json'));
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [join(ROOT, 'cli', 'main.ts')];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const top = relative(ROOT, file).split('/')[0] ?? '';
    assert.ok(copied.includes(top), `${relative(ROOT, file)} is imported by the CLI but ${top}/ is not copied into the build stage`);
    for (const spec of runtimeImports(file, await readFile(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
    }
  }
  assert.ok(seen.size > 20, `walked ${seen.size} files from the CLI entry`);
  for (const p of packages) assert.ok(pkg.dependencies[p] !== undefined, `the CLI imports ${p}, which npm ci --omit=dev must install: list it in dependencies, not devDependencies`);
});
