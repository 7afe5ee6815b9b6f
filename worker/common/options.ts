/** Options pipelines (STYLE.md 5) share one step: validate with zod once and name the offending field. */
import type { z } from 'zod';
import { InputError } from './errors.js';

export function compileOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue === undefined ? '' : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.map(String).join('.');
  throw new InputError(`${what} option ${field}: ${issue?.code === 'unrecognized_keys' ? 'unknown option' : issue?.message ?? 'invalid'}`, { details: { field } });
}
