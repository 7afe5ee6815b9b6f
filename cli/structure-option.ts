/** The `--structure` option of the commands that fit a trial (models/structures/structure.ts). */
import { candidatesFor, STRUCTURE_IDS } from '../models/structures/structure.js';

export function structureOption() {
  return [
    'structure',
    {
      type: 'string',
      nargs: 1,
      describe: `candidate structures to fit and rank by BIC, comma-separated; one id forces it (default: those of the trial's route, oral, IV or zero-order, and endpoints: for an oral trial with biomarker samples the PK/PD structures whose response moves the way the trial's biomarker does (falls: indirect responses I and IV, direct Imax; rises: II and III, direct Emax, the transit-delay chain; the direct linear effect with either; all when the data do not say), after the PK stage; ${candidatesFor(false).map((x) => x.id).join(', ')} without, ${candidatesFor(false, 'iv').map((x) => x.id).join(', ')} for IV doses, ${candidatesFor(false, 'zero-order').map((x) => x.id).join(', ')} for RATE = -2 doses (zero-order absorption over D1; also allowed on an oral trial); the lag-time ones only when named; ids: ${STRUCTURE_IDS.join(', ')})`,
    },
  ] as const;
}
