/** The `--structure` option of the commands that fit a trial (models/structures/structure.ts). */
import { candidatesFor, STRUCTURE_IDS } from '../models/structures/structure.js';

export function structureOption() {
  return [
    'structure',
    {
      type: 'string',
      nargs: 1,
      describe: `candidate structures to fit and rank by BIC, comma-separated; one id forces it (default: those of the trial's route, oral or IV, and endpoints: ${candidatesFor(true).map((x) => x.id).join(', ')} for an oral trial with biomarker samples, ${candidatesFor(false).map((x) => x.id).join(', ')} without, ${candidatesFor(false, 'iv').map((x) => x.id).join(', ')} for IV doses; the direct-effect, indirect-response II-IV, Emax, direct linear and transit-delay ones only when named; ids: ${STRUCTURE_IDS.join(', ')})`,
    },
  ] as const;
}
