/**
 * `qusop fit --uncertainty fisher|hmc` and the --hmc-* options, checked: an unknown source, an --hmc-*
 * option without `--uncertainty hmc`, an unknown mass or parametrisation is bad input naming the option. The numeric
 * ranges are held by the CLI (cli/commands/fit.ts); the sampler's seed is the fit's.
 */
import { InputError } from '../../worker/common/errors.js';
import { HMC_DEFAULTS, type HmcOptions, type MassOption } from '../../models/estimate/hmc/chains.js';
import { PARAMETRISATIONS, type Parametrisation } from '../../models/estimate/hmc/population-posterior.js';
import { UNCERTAINTY_SOURCES } from './hmc-uncertainty.js';

export interface UncertaintyArgs {
  readonly seed: number;
  readonly uncertainty?: string | undefined;
  readonly hmcChains?: number | undefined;
  readonly hmcWarmup?: number | undefined;
  readonly hmcSamples?: number | undefined;
  readonly hmcMaxDepth?: number | undefined;
  readonly hmcMass?: string | undefined;
  readonly hmcParametrisation?: string | undefined;
}

const MASSES: readonly MassOption[] = ['diagonal', 'resample'];

/** undefined: the Fisher-information draws (every byte as without the option). */
export function uncertaintyOption(a: UncertaintyArgs): { source: 'hmc'; hmc: HmcOptions } | undefined {
  const source = a.uncertainty ?? 'fisher';
  if (!(UNCERTAINTY_SOURCES as readonly string[]).includes(source)) throw new InputError(`--uncertainty: expected one of ${UNCERTAINTY_SOURCES.join(', ')}, got "${source}"`, { details: { field: '--uncertainty', value: source } });
  const given = ([['--hmc-chains', a.hmcChains], ['--hmc-warmup', a.hmcWarmup], ['--hmc-samples', a.hmcSamples], ['--hmc-max-depth', a.hmcMaxDepth], ['--hmc-mass', a.hmcMass], ['--hmc-parametrisation', a.hmcParametrisation]] as const).filter(([, v]) => v !== undefined);
  if (source === 'fisher') {
    if (given.length > 0) throw new InputError(`${given[0]![0]}: only with --uncertainty hmc (the draws come from the Fisher information here)`, { details: { field: given[0]![0] } });
    return undefined;
  }
  const mass = a.hmcMass ?? HMC_DEFAULTS.mass;
  if (!(MASSES as readonly string[]).includes(mass)) throw new InputError(`--hmc-mass: expected one of ${MASSES.join(', ')}, got "${mass}"`, { details: { field: '--hmc-mass', value: mass } });
  const parametrisation = a.hmcParametrisation ?? HMC_DEFAULTS.parametrisation;
  if (!(PARAMETRISATIONS as readonly string[]).includes(parametrisation)) throw new InputError(`--hmc-parametrisation: expected one of ${PARAMETRISATIONS.join(', ')}, got "${parametrisation}"`, { details: { field: '--hmc-parametrisation', value: parametrisation } });
  return {
    source: 'hmc',
    hmc: {
      chains: a.hmcChains ?? HMC_DEFAULTS.chains,
      warmup: a.hmcWarmup ?? HMC_DEFAULTS.warmup,
      samples: a.hmcSamples ?? HMC_DEFAULTS.samples,
      maxDepth: a.hmcMaxDepth ?? HMC_DEFAULTS.maxDepth,
      mass: mass as MassOption,
      parametrisation: parametrisation as Parametrisation,
      seed: a.seed,
    },
  };
}
