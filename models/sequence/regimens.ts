/**
 * The sequence models' time grids: hourly points over the dosing window, [0, tau), as in the paper
 * (T = 24 for QD, T = 168 for QW). The network sees time only as t/tau, so the QW model is the QD
 * network evaluated on a longer grid with t/168 and the weekly dose per kg.
 */

export interface SequenceRegimen {
  readonly name: 'QD' | 'QW';
  /** file tag: bilstm-qd.onnx, qt-lstm-qw.model.json */
  readonly tag: 'qd' | 'qw';
  readonly tauH: number;
  /** output times (hours after the steady-state dose) */
  readonly timesH: readonly number[];
}

const hourly = (tauH: number): number[] => Array.from({ length: tauH }, (_, k) => k);

export const SEQUENCE_REGIMENS: { readonly qd: SequenceRegimen; readonly qw: SequenceRegimen } = {
  qd: { name: 'QD', tag: 'qd', tauH: 24, timesH: hourly(24) },
  qw: { name: 'QW', tag: 'qw', tauH: 168, timesH: hourly(168) },
};
