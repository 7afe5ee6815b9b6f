/** `qusop fit <trial.csv> --out DIR` — yargs definition. */
import type { Argv } from 'yargs';
import { defineCommand } from './define.js';
import { COUNT, intOption, REPLICATES, SEED, type NumberRange } from '../number-options.js';
import { dataSpecOption } from '../data-spec-option.js';
import { structureOption } from '../structure-option.js';
import { usableCores } from '../usable-cores.js';

const HMC_CHAINS: NumberRange = { min: 1, max: 64 };
const HMC_ITERATIONS: NumberRange = { min: 0, max: 100_000 };
const HMC_SAMPLES: NumberRange = { min: 10, max: 100_000, why: 'R-hat and ESS split each chain in two halves and need a few draws in each' };
const HMC_DEPTH: NumberRange = { min: 1, max: 15, why: 'a tree of depth d costs up to 2^d gradients per draw' };

const builder = (y: Argv) =>
  y
    .positional('trial', { type: 'string', demandOption: true, describe: 'trial CSV in a NONMEM layout (standard column names in any letter case, or mapped by --data-spec)' })
    .option(...dataSpecOption())
    .option(...structureOption())
    .option('out', { type: 'string', default: 'models/estdata', describe: 'output directory: qd/qw ONNX + cards, fit.json, fit-report.md, diagnostics/' })
    .option(...intOption('seed', SEED, { default: 20251121, describe: 'seed of SAEM, the uncertainty draws and the VPC' }))
    .option(...intOption('draws', REPLICATES, { default: 200, describe: 'parameter-uncertainty draws stored in the cards (replicate r uses draw r mod draws)' }))
    .option(...intOption('vpc-replicates', COUNT, { default: 200, describe: 'simulated trials in the visual predictive check' }))
    .option(...intOption('parallel', COUNT, { default: usableCores(), describe: 'candidate structures fitted at once (worker threads; default: the usable cores); the result does not depend on it' }))
    .option('force', { type: 'boolean', default: false, describe: 'export a degenerate fit anyway (its cards carry diagnostics.degenerate; exit status stays 1)' })
    .option('candidate-store', { type: 'string', describe: 'folder that keeps each candidate\'s fit: a candidate stored for exactly these inputs (trial, spec, seed, draws, VPC replicates, code) is read instead of fitted' })
    .option('stored-only', { type: 'boolean', default: false, describe: 'with --candidate-store: fit nothing, select among the stored candidate fits (fails naming any missing): the selection job of `qusop submit slurm-fit`' })
    .option('preselect', { type: 'string', choices: ['transformer'] as const, describe: 'shortlist the default candidates with a learned selector before the likelihood fits (models/selector; default: fit them all)' })
    .option('selector', { type: 'string', describe: 'with --preselect: folder of the selector\'s weights (`qusop train selector` output; default models/selector-estdata, trained for EstData\'s design)' })
    .option('only-candidate', { type: 'string', describe: 'with --candidate-store: fit this one candidate into the store and stop (no selection, no export): an array task of `qusop submit slurm-fit`' })
    .option('uncertainty', { type: 'string', default: 'fisher', describe: 'where the cards\' parameter draws come from: fisher (N(estimate, inverse Fisher information)) or hmc (posterior by NUTS over the population parameters and random effects; flagged and not exported unless --force when R-hat > 1.05 or > 1 % divergences)' })
    .option(...intOption('hmc-chains', HMC_CHAINS, { describe: 'with --uncertainty hmc: chains (default 4)' }))
    .option(...intOption('hmc-warmup', HMC_ITERATIONS, { describe: 'with --uncertainty hmc: warm-up iterations per chain (default 500)' }))
    .option(...intOption('hmc-samples', HMC_SAMPLES, { describe: 'with --uncertainty hmc: draws kept per chain (default 500)' }))
    .option(...intOption('hmc-max-depth', HMC_DEPTH, { describe: 'with --uncertainty hmc: maximum NUTS tree depth (default 10)' }))
    .option('hmc-mass', { type: 'string', describe: 'with --uncertainty hmc: diagonal (adapted in warm-up windows, default) or resample (QDose\'s stochastic mass resampling on top)' })
    .option('hmc-parametrisation', { type: 'string', describe: 'with --uncertainty hmc: the subjects\' random effects auto (centred where the fit\'s eta-shrinkage < 30 %, default), centred or non-centred' });

export const fitCommandModule = defineCommand('fit <trial>', 'Fit the candidate population PK/PD structures to a trial, choose by BIC and export QD/QW ONNX trajectory graphs', builder, async (a) => {
  const { fitCommand } = await import('../../analysis/fit/fit-command.js');
  process.exitCode = await fitCommand({ trial: a.trial, dataSpec: a['data-spec'], structure: a.structure, out: a.out, seed: a.seed, draws: a.draws, vpcReplicates: a['vpc-replicates'], force: a.force, parallel: a.parallel, candidateStore: a['candidate-store'], storedOnly: a['stored-only'], onlyCandidate: a['only-candidate'], uncertainty: a.uncertainty, hmcChains: a['hmc-chains'], hmcWarmup: a['hmc-warmup'], hmcSamples: a['hmc-samples'], hmcMaxDepth: a['hmc-max-depth'], hmcMass: a['hmc-mass'], hmcParametrisation: a['hmc-parametrisation'], preselect: a.preselect, selector: a.selector });
});
