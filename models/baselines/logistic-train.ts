/** The logistic-link baseline from a trial: labels, fit, draws, and what its cards say. */
import type { BaselineCardSpec } from './cards.js';
import { gaussianDraws } from './draws.js';
import { buildLogisticGraph, type BaselineRegimen } from './graphs.js';
import type { SubjectSummary } from './last-window.js';
import { fitLogistic } from './logistic-fit.js';
import { LOGISTIC_THETA_NAMES, logisticRow } from './logistic-model.js';
import { baselineProvenance, estimateTable, round, type BaselineData } from './provenance.js';

export const LOGISTIC_FAMILY = 'baseline-logistic';

export function successLabels(subjects: readonly SubjectSummary[], thresholdNgMl: number): number[] {
  return subjects.map((s) => (s.pdLastMax <= thresholdNgMl ? 1 : 0));
}

function description(thresholdNgMl: number, regimen: BaselineRegimen): string {
  return (
    `Classical baseline (QuSOP paper 5.7): logistic link P(success) = sigmoid(B0 + B_BW (BW - 70)/10 + B_COMED COMED + B_DOSE dose/BW), ` +
    `dose/BW in mg/kg per day, success = the subject's largest observed biomarker in the last once-daily window <= ${thresholdNgMl} ng/mL. ` +
    `NOT A BIOMARKER: pd is a success surrogate, ${thresholdNgMl} exp(U - P) with U = Phi(z) uniform, <= ${thresholdNgMl} ng/mL exactly when the ` +
    `subject succeeds (probability P), so a sweep's success fraction is the model's P averaged over the population. It answers only ` +
    `"max biomarker <= ${thresholdNgMl} ng/mL": any other threshold, statistic or endpoint is meaningless for it. ` +
    (regimen.tauH === 24
      ? 'Doses above the trial\'s arms are extrapolation of the link.'
      : 'The once-weekly card feeds weekly dose / 7 as the daily dose (equal average exposure), a pure extrapolation: the link was learnt from once-daily windows only.') +
    ' Parameter-uncertainty draws from the inverse Fisher information.'
  );
}

export function logisticCardSpec(subjects: readonly SubjectSummary[], thresholdNgMl: number, data: BaselineData, seed: number, draws: number): BaselineCardSpec {
  const x = subjects.map((s) => logisticRow(s.doseMg, s.bwKg, s.comed));
  const y = successLabels(subjects, thresholdNgMl);
  const fit = fitLogistic(x, y, data.file);
  return {
    prefix: 'logistic',
    family: LOGISTIC_FAMILY,
    graph: (r) => buildLogisticGraph(thresholdNgMl, r, { family: LOGISTIC_FAMILY, regimen: r.name, success_threshold_ng_ml: String(thresholdNgMl) }),
    description: (r) => description(thresholdNgMl, r),
    etaName: 'SUCCESS_DRAW',
    thetaNames: LOGISTIC_THETA_NAMES,
    draws: gaussianDraws(fit.beta, fit.covariance, draws, seed),
    provenance: {
      ...baselineProvenance(data, subjects, seed, 'maximum likelihood by iteratively reweighted least squares (ml-matrix); covariance (X\'WX)^-1'),
      success_surrogate: { endpoint: 'biomarker', statistic: 'max', comparison: '<=', threshold_ng_ml: thresholdNgMl },
    },
    diagnostics: {
      estimates: estimateTable(LOGISTIC_THETA_NAMES, fit.beta, fit.covariance),
      subjects: fit.n,
      successes: fit.successes,
      log_likelihood: round(fit.logLikelihood),
      iterations: fit.iterations,
    },
  };
}
