/**
 * The report's provenance section: for each round (run), its id, directory, scenario file and hash,
 * seeds, tiles and timings; the models (card, sha256) and data (sha256) used; software versions.
 * Everything needed to reproduce a number in the report with `qusop run`.
 */
import { relative } from 'node:path';
import { esc, table } from './html-kit.js';
import type { ReportInput } from './input.js';
import { percentLabel } from '../../coordinator/scenario/percent.js';
import { modelsPdUnit } from '../answer/threshold-units.js';

const get = (m: Readonly<Record<string, unknown>> | undefined, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), m);

export function provenanceHtml(input: ReportInput): string {
  const { plan } = input.run;
  const rel = (p: string): string => relative(plan.outDir, p) || '.';
  const rounds = input.run.rounds.map((r, i) => {
    const m = input.manifests[i];
    const wall = get(m, 'timings', 'wall_ms');
    const tiles = get(m, 'tiles', 'total');
    return [
      r.round === 0 ? 'asked grids' : `extension ${r.round}`,
      { html: `<code>${esc(r.runId)}</code>` },
      { html: `<code>${esc(rel(r.dir))}</code>` },
      { html: `<code>${esc(rel(r.scenarioPath))}</code><br><span class="mono">sha256 ${esc(input.scenarioSha256[i] ?? '')}</span>` },
      r.spec.scenarios.map((s) => `${s.name}: ${s.seed}`).join(', '),
      typeof tiles === 'number' ? String(tiles) : '—',
      typeof wall === 'number' ? `${(wall / 1000).toFixed(1)} s` : '—',
    ];
  });
  const models = plan.models.flatMap((m) =>
    (['qd', 'qw'] as const).map((rg) => {
      const { card, cardPath } = m.cards[rg];
      return [m.label, rg.toUpperCase(), `${card.name} ${card.version}${card.test_model ? ' (TEST MODEL)' : ''}`, { html: `<code>${esc(cardPath)}</code>` }, { html: `<span class="mono">${esc(card.sha256)}</span>` }, String(card.inputs.theta?.draws.length ?? 1)];
    }),
  );
  const first = input.manifests.find((m) => m !== undefined);
  const versions = get(first, 'versions');
  const versionText = versions !== null && typeof versions === 'object'
    ? Object.entries(versions as Record<string, unknown>).map(([k, v]) => `${k} ${String(v)}`).join(', ')
    : input.run.rounds[0]?.spec.codeVersion ?? '';
  const host = get(first, 'host', 'cpu_model');
  return [
    table(['round', 'run id', 'run directory', 'scenario file (reproduce with qusop run)', 'seeds', 'tiles', 'wall time'], rounds, { caption: 'runs' }),
    table(['model', 'regimen', 'card', 'card path', 'ONNX sha256', 'parameter draws'], models, { caption: `models (${input.modelSource})` }),
    `<dl class="kv"><dt>trial data</dt><dd><code>${esc(input.trial.path)}</code> sha256 <span class="mono">${esc(input.trial.sha256)}</span></dd>`,
    `<dt>settings</dt><dd>threshold ${plan.thresholdNgMl} ${modelsPdUnit(plan.models)}; targets ${plan.targets.map((t) => percentLabel(t)).join(', ')}; ${plan.replicates} replicates x ${plan.subjects} subjects per dose; seed ${plan.seed}</dd>`,
    `<dt>versions</dt><dd>${esc(versionText)}</dd>`,
    typeof host === 'string' ? `<dt>host</dt><dd>${esc(host)}</dd>` : '',
    '</dl>',
  ].join('');
}
