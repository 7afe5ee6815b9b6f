/** The `--data-spec SPEC.yaml` option of every command that reads a trial (models/ingest/data-spec.ts). */
export function dataSpecOption() {
  return [
    'data-spec',
    {
      type: 'string',
      nargs: 1,
      describe: 'dataset spec (YAML) mapping the trial onto NONMEM conventions: columns, endpoints by DVID or CMT, covariates, missing-value codes, time unit, BLQ handling; without one, standard names are recognised in any letter case (see `qusop data`)',
    },
  ] as const;
}
