/**
 * The sbatch templates in the repository's slurm/ folder and their rendering. Templates are plain
 * bash with `{{NAME}}` placeholders; a placeholder without a value is an error, never a blank, so a
 * rendered script never runs half-filled.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { packageRoot } from '../../worker/common/version.js';

export const TEMPLATE_NAMES = ['tiles.sbatch', 'aggregate.sbatch', 'coordinator.sbatch', 'workers.sbatch', 'fit-candidates.sbatch', 'fit-select.sbatch'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type Templates = Readonly<Record<TemplateName, string>>;

export function templateDir(): string {
  return join(packageRoot(), 'slurm');
}

export async function loadTemplates(dir = templateDir()): Promise<Templates> {
  const out: Partial<Record<TemplateName, string>> = {};
  for (const name of TEMPLATE_NAMES) out[name] = await readFile(join(dir, name), 'utf8');
  return out as Templates;
}

/** A bash word that stands for `s` exactly (single quotes; embedded ones closed, escaped, reopened). */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

export function renderTemplate(text: string, vars: Readonly<Record<string, string>>, name: string): string {
  const missing = new Set<string>();
  const out = text.replace(PLACEHOLDER, (_m, key: string) => {
    const value = vars[key];
    if (value === undefined) {
      missing.add(key);
      return '';
    }
    return value;
  });
  if (missing.size > 0) throw new InputError(`slurm template ${name}: no value for placeholder(s) ${[...missing].join(', ')}`);
  return out;
}
