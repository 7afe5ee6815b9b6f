/**
 * The QuSOP paper's logistic link (section 5.7) as a trajectory model. The fit gives
 * P(success | x) = sigmoid(eta(x)), eta(x) = B0 + B_BW (BW - 70)/10 + B_COMED COMED + B_DOSE dose/BW
 * (dose/BW in mg/kg per day: the weekly card divides the weekly dose by 7, see the card).
 * The trajectory contract has no probability output yet (issue 21 item 2), so the graph draws each
 * virtual subject's success as the Bernoulli(P) outcome it is: with U = Phi(z) uniform on (0, 1) from
 * the card's standard-normal draw z (`eta`), success is U <= P(success | x), probability exactly P.
 * The graph outputs the surrogate "biomarker" THRESHOLD exp(U - P), which is <= THRESHOLD exactly
 * when U <= P (both in [0, 1], so it is finite and float32 loses nothing that matters). A sweep's success
 * fraction then estimates the logistic model's P(success) averaged over the virtual population, with
 * common random numbers across doses (the same U at every dose, so successes are monotone in dose).
 * The surrogate means nothing for any other threshold, statistic or endpoint: the card says so and
 * the baselines' question check refuses them.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

export const LOGISTIC_THETA_NAMES = ['B0', 'B_BW', 'B_COMED', 'B_DOSE'] as const;
export const BW_CENTRE_KG = 70;
export const BW_SCALE_KG = 10;

/** The design row [1, (BW - 70)/10, COMED, dose/BW] of one subject, dose in mg per day. */
export function logisticRow(dailyDoseMg: number, bwKg: number, comed: number): number[] {
  return [1, (bwKg - BW_CENTRE_KG) / BW_SCALE_KG, comed, dailyDoseMg / bwKg];
}

export function linearPredictor(beta: readonly number[], row: readonly number[]): number {
  return row.reduce((s, v, i) => s + v * (beta[i] ?? NaN), 0);
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** P(success) of one subject; the weekly card's dose is converted to a daily one (dose 24 / tau). */
export function successProbability(beta: readonly number[], tauH: number, x: { doseMg: number; bwKg: number; comed: number }): number {
  return sigmoid(linearPredictor(beta, logisticRow((x.doseMg * 24) / tauH, x.bwKg, x.comed)));
}

/** The surrogate the graph outputs for one subject (double precision reference). */
export function logisticSurrogate(beta: readonly number[], thresholdNgMl: number, tauH: number, x: { doseMg: number; bwKg: number; comed: number; eta: number }): number {
  return thresholdNgMl * Math.exp(normalCdf(x.eta, 0, 1) - successProbability(beta, tauH, x));
}
