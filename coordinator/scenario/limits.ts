/** Upper limits of a scenario that protect a coordinator from a typo (a step of 0.0001 mg, 10^9 subjects); the CLI checks its options against them too. */
export const LIMITS = { doses: 10_000, replicates: 100_000, subjects: 10_000_000, trajectoriesPerRegimen: 100_000_000_000, sweepThresholds: 256 } as const;

/** Body weights a population prior may name (kg): no patient is heavier; a typo like 1e308 is refused. */
export const BODY_WEIGHT_MAX_KG = 1000;
