/**
 * The QuSOP paper's inhibitory Emax baseline (section 5.5) as a trajectory model: the biomarker is
 * E(Cavg) = E0 + E_COMED COMED - IMAX Cavg / (EC50 + Cavg), constant over the dosing window (the model
 * has no time in it: Cavg is the window's average concentration), so the window maximum is that value.
 * Subjects with the same covariates differ by the fit's residual, sigma z (z standard normal, the
 * card's `eta`): PD_LAST_MAX scatters around E(Cavg) by between-subject differences (clearance,
 * baseline, sensitivity) and by measurement noise, and that scatter is what the fit can estimate.
 * Without the residual (`qusop train emax --no-residual`, cards `emax-typical-*`) the model is the
 * typical-subject curve: subjects differ by BW (through Cavg) and COMED only, as in the paper's reading.
 * EC80 = 4 EC50 and EC90 = 9 EC50 are the concentrations giving 80 % / 90 % of the maximal effect.
 */
import { averageConcentration, type ClearanceModel } from './exposure.js';

/** theta layout (ONNX input `theta [B, 5]`, card `inputs.theta.names`). */
export const EMAX_THETA_NAMES = ['E0', 'E_COMED', 'IMAX', 'log EC50', 'log SIGMA'] as const;

export interface EmaxParameters {
  /** biomarker without drug and without COMED, ng/mL */
  readonly e0: number;
  /** additive COMED shift of the baseline, ng/mL */
  readonly eComed: number;
  /** maximal drop of the biomarker, ng/mL */
  readonly imax: number;
  /** average concentration at half-maximal effect, mg/L */
  readonly ec50: number;
  /** residual sd of PD_LAST_MAX around E(Cavg), ng/mL */
  readonly sigma: number;
}

export const emaxTheta = (p: EmaxParameters): number[] => [p.e0, p.eComed, p.imax, Math.log(p.ec50), Math.log(p.sigma)];

export function emaxFromTheta(theta: readonly number[]): EmaxParameters {
  const [e0 = NaN, eComed = NaN, imax = NaN, logEc50 = NaN, logSigma = NaN] = theta;
  return { e0, eComed, imax, ec50: Math.exp(logEc50), sigma: Math.exp(logSigma) };
}

/** E(C) without residual. */
export function emaxEffect(p: Omit<EmaxParameters, 'sigma'>, cavgMgL: number, comed: number): number {
  return p.e0 + p.eComed * comed - (p.imax * cavgMgL) / (p.ec50 + cavgMgL);
}

/** The biomarker the graph outputs for one subject (double precision reference); eta absent: the typical-subject curve. */
export function emaxPrediction(p: Omit<EmaxParameters, 'sigma'> & { sigma?: number }, cl: Pick<ClearanceModel, 'cl70LPerH' | 'exponent'>, tauH: number, x: { doseMg: number; bwKg: number; comed: number; eta?: number }): number {
  const effect = emaxEffect(p, averageConcentration(cl, x.doseMg, x.bwKg, tauH), x.comed);
  return x.eta === undefined ? effect : effect + (p.sigma ?? NaN) * x.eta;
}
