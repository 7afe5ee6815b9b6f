/**
 * Test kit: a second real trial derived from EstData, written into a temp directory. Every dose (DOSE
 * and AMT) is doubled while the observations stay as measured, so the drug looks half as potent and
 * the fitted model needs about twice the dose: its answers really differ from EstData's. The subjects
 * and their covariates (BW, COMED) are EstData's, so populations resampled from either trial are the
 * same virtual subjects; every other observation record is dropped so that `qusop answer`'s fit stays
 * short.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ROOT } from './cli.js';

export const ESTDATA = join(ROOT, 'data', 'EstData.csv');

export async function writeDoubledDoseTrial(path: string): Promise<string> {
  const rows = parse(await readFile(ESTDATA, 'utf8'), { skip_empty_lines: true }) as string[][];
  const [header, ...data] = rows;
  if (header === undefined) throw new Error(`${ESTDATA} is empty`);
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${ESTDATA} has no ${name} column`);
    return i;
  };
  const [dose, amt, evid] = [col('DOSE'), col('AMT'), col('EVID')];
  let observations = 0;
  const kept = data
    .filter((r) => r[evid] !== '0' || (observations += 1) % 2 === 0)
    .map((r) => r.map((v, i) => (i === dose || i === amt ? String(Number(v) * 2) : v)));
  await writeFile(path, [header, ...kept].map((r) => r.join(',')).join('\n') + '\n');
  return path;
}
