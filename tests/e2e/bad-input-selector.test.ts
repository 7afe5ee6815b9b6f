/**
 * Bad input for the learned structure selector (`qusop fit --preselect transformer`, `qusop train
 * selector`): each case runs the real CLI and checks the exit code (2), the located message (file and
 * field, what was expected) and that nothing was written under --out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, withTempDir } from '../kit/cli.js';

/** A small oral PK trial (doses CMT 1, samples CMT 2). */
function trialCsv(lastSample = 30): string {
  const rows = ['ID,TIME,AMT,DV,EVID,MDV,CMT,DVID,BW,COMED'];
  for (let id = 1; id <= 4; id++) {
    rows.push(`${id},0,100,.,1,1,1,.,${60 + 5 * id},0`);
    for (const t of [1, 2, 4, 8, 12, lastSample]) rows.push(`${id},${t},.,${(3 * Math.exp(-0.05 * t) * (1 - Math.exp(-t)) + 0.05 * id).toFixed(4)},0,0,2,1,${60 + 5 * id},0`);
  }
  return rows.join('\n') + '\n';
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

interface Case { readonly name: string; readonly args: (dir: string) => Promise<string[]>; readonly message: RegExp }

/** A valid selector of the trial's design (tiny), for the cases that alter it. */
async function trainedSelector(dir: string, trial: string): Promise<string> {
  const sel = join(dir, 'sel');
  const r = await runCli(['train', 'selector', trial, '--out', sel, '--seed', '1', '--trials', '12', '--epochs', '1', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  return sel;
}

const CASES: Case[] = [
  {
    name: 'an unknown --preselect value',
    args: async () => ['--preselect', 'lasso'],
    message: /Invalid values:\s+Argument: preselect, Given: "lasso", Choices: "transformer"/,
  },
  {
    name: 'the weights folder missing',
    args: async (dir) => ['--preselect', 'transformer', '--selector', join(dir, 'nowhere')],
    message: /nowhere[/\\]selector\.json: cannot read the selector's weights \(ENOENT\); give --selector DIR of a `qusop train selector` output/,
  },
  {
    name: 'the weights file not JSON',
    args: async (dir) => {
      await mkdir(join(dir, 'broken'));
      await writeFile(join(dir, 'broken', 'selector.json'), '{"format": "qusop-selector/1", "classes": [');
      return ['--preselect', 'transformer', '--selector', join(dir, 'broken')];
    },
    message: /broken[/\\]selector\.json: \(file\): not JSON .*; retrain it with `qusop train selector TRIAL --out DIR`/,
  },
  {
    name: 'a weight altered (hash mismatch)',
    args: async (dir) => {
      const sel = await trainedSelector(dir, join(dir, 'pk.csv'));
      const j = JSON.parse(await readFile(join(sel, 'selector.json'), 'utf8')) as { weights: Record<string, string> };
      const b = Buffer.from(j.weights['cls.b']!, 'base64');
      b[0] = b[0]! ^ 0xff;
      j.weights['cls.b'] = b.toString('base64');
      await writeFile(join(sel, 'selector.json'), JSON.stringify(j));
      return ['--preselect', 'transformer', '--selector', sel];
    },
    message: /sel[/\\]selector\.json: weights_sha256: does not match the weights/,
  },
  {
    name: 'a weights array truncated',
    args: async (dir) => {
      const sel = await trainedSelector(dir, join(dir, 'pk.csv'));
      const j = JSON.parse(await readFile(join(sel, 'selector.json'), 'utf8')) as { weights: Record<string, string> };
      j.weights['in.w'] = Buffer.from(j.weights['in.w']!, 'base64').subarray(0, 8).toString('base64');
      await writeFile(join(sel, 'selector.json'), JSON.stringify(j));
      return ['--preselect', 'transformer', '--selector', sel];
    },
    message: /selector\.json: weights\.in\.w: 8 bytes, expected \d+ \(float32 \d+x\d+\)/,
  },
  {
    name: 'weights trained for another design',
    args: async (dir) => {
      await writeFile(join(dir, 'other.csv'), trialCsv(36));
      const sel = await trainedSelector(dir, join(dir, 'other.csv'));
      return ['--preselect', 'transformer', '--selector', sel];
    },
    message: /selector\.json: design\.sha256: trained for the design of .*other\.csv .*, but .*pk\.csv's design differs; run `qusop train selector .*pk\.csv --out DIR`/,
  },
  {
    name: '--preselect with named structures',
    args: async () => ['--preselect', 'transformer', '--structure', '1cmt-oral,2cmt-oral'],
    message: /--preselect transformer shortlists the default candidates; with --structure they are named: give one/,
  },
  {
    name: '--selector without --preselect',
    args: async (dir) => ['--selector', join(dir, 'sel')],
    message: /--selector names the weights of --preselect transformer; give --preselect transformer too/,
  },
];

for (const c of CASES) {
  test(`bad selector input: ${c.name}`, { timeout: 120_000 }, async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'pk.csv'), trialCsv());
      const extra = await c.args(dir);
      const out = join(dir, 'out');
      const r = await runCli(['fit', join(dir, 'pk.csv'), '--out', out, '--draws', '5', ...extra]);
      assert.equal(r.code, 2, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.equal(await exists(out), false, 'nothing written');
    });
  });
}
