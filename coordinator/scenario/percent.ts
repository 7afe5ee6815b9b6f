/**
 * How a probability from a scenario (a target, a band level) is shown: as a percentage with as many
 * digits as it has, so that a target of 0.9999999999 reads "99.99999999 %", not "100 %", and 0.9 reads
 * "90 %" (not "90.00000000000001 %", which is 0.9 * 100 in binary floating point).
 */
export function percentLabel(p: number): string {
  return `${Number((p * 100).toPrecision(12))} %`;
}
