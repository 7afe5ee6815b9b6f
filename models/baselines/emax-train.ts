/** The Emax-on-Cavg baseline from a trial: exposures, fit, draws, and what its cards say. */
import { averageConcentration, type ClearanceModel } from './exposure.js';
import { fitEmax, type EmaxFit } from './emax-fit.js';
import { EMAX_THETA_NAMES, emaxTheta } from './emax-model.js';
import { gaussianDraws } from './draws.js';
import { buildEmaxGraph, type BaselineRegimen } from './graphs.js';
import type { BaselineCardSpec } from './cards.js';
import { BASELINE_TAU_H, type SubjectSummary } from './last-window.js';
import { baselineProvenance, estimateTable, round, type BaselineData } from './provenance.js';

export const EMAX_FAMILY = 'baseline-emax-cavg';

export function emaxObservations(subjects: readonly SubjectSummary[], cl: ClearanceModel) {
  return subjects.map((s) => ({ cavgMgL: averageConcentration(cl, s.doseMg, s.bwKg, BASELINE_TAU_H), comed: s.comed, pdNgMl: s.pdLastMax }));
}

function landmarks(fit: EmaxFit, cl: ClearanceModel) {
  const { e0, imax, ec50 } = fit.estimate;
  const at = (fraction: number, k: number) => ({
    concentration_mg_l: round(k * ec50),
    pd_ng_ml_without_comed: round(e0 - fraction * imax),
    qd_dose_mg_at_70_kg: round(k * ec50 * cl.cl70LPerH * BASELINE_TAU_H),
  });
  // E(C) reaches fraction f of IMAX at C = EC50 f / (1 - f): EC80 = 4 EC50, EC90 = 9 EC50
  return { ec80: at(0.8, 4), ec90: at(0.9, 9) };
}

function description(cl: ClearanceModel, regimen: BaselineRegimen, residual: boolean): string {
  const scatter = residual
    ? `SIGMA z is the scatter around the curve, between-subject differences and measurement noise together, so the model is conservative. `
    : `Typical-subject curve (the fit's residual SIGMA left out): subjects differ only by BW (through Cavg) and COMED, so the attainment ` +
      `probability reflects the covariate distribution alone and is optimistic about between-subject variability. `;
  return (
    `Classical baseline (QuSOP paper 5.5): inhibitory Emax of the biomarker on the average steady-state concentration, ` +
    `PD = E0 + E_COMED COMED - IMAX Cavg / (EC50 + Cavg)${residual ? ' + SIGMA z' : ''}, constant over the ${regimen.name} window, ` +
    `Cavg = dose / (CL70 (BW/70)^0.75 tau) with the typical clearance CL70 = ${round(cl.cl70LPerH)} L/h of ${cl.source.card}. ` +
    `Fitted by least squares to each trial subject's largest observed biomarker in the last once-daily window (PD_LAST_MAX): ` +
    scatter +
    `No time course: the once-weekly card is the same curve at the weekly average concentration (fluctuation within the week ignored), ` +
    `so its weekly doses are 7x its daily ones by construction. Parameter-uncertainty draws from the fit's asymptotic covariance.`
  );
}

/** `residual` false: the typical-subject curve (`emax-typical-*` cards: no eta, theta without log SIGMA). */
export function emaxCardSpec(subjects: readonly SubjectSummary[], cl: ClearanceModel, data: BaselineData, seed: number, draws: number, residual = true): BaselineCardSpec {
  const fit = fitEmax(emaxObservations(subjects, cl), data.file);
  const P = residual ? EMAX_THETA_NAMES.length : EMAX_THETA_NAMES.length - 1;
  const theta = emaxTheta(fit.estimate).slice(0, P);
  const covariance = fit.covariance.slice(0, P).map((r) => r.slice(0, P));
  return {
    prefix: residual ? 'emax' : 'emax-typical',
    family: EMAX_FAMILY,
    graph: (r) => buildEmaxGraph(cl, r, { family: EMAX_FAMILY, regimen: r.name }, residual),
    description: (r) => description(cl, r, residual),
    ...(residual ? { etaName: 'RESIDUAL' } : {}),
    thetaNames: EMAX_THETA_NAMES.slice(0, P),
    draws: gaussianDraws(theta, covariance, draws, seed),
    provenance: {
      ...baselineProvenance(data, subjects, seed, 'least squares, ml-levenberg-marquardt (analytic Jacobian) from a profile over log EC50; covariance s^2 (J\'J)^-1'),
      exposure: { cavg: 'dose / (CL70 (BW/70)^exponent tau), F = 1 (apparent clearance)', cl70_l_per_h: cl.cl70LPerH, exponent: cl.exponent, pk_card: cl.source },
    },
    diagnostics: {
      estimates: estimateTable(EMAX_THETA_NAMES, emaxTheta(fit.estimate), fit.covariance),
      natural_scale: { E0: round(fit.estimate.e0), E_COMED: round(fit.estimate.eComed), IMAX: round(fit.estimate.imax), EC50_mg_l: round(fit.estimate.ec50), SIGMA_ng_ml: round(fit.estimate.sigma) },
      landmarks: landmarks(fit, cl),
      subjects: fit.n,
      rss: round(fit.rss),
      rss_gradient_max_abs: Number(fit.gradientMaxAbs.toExponential(2)),
    },
  };
}
