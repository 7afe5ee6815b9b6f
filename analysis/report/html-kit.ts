/** Small HTML builders for the report: escaping, tables, number formats. Strings in, strings out. */

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A cell: plain text (escaped) or `{ html }` (already safe markup), optionally with a class. */
export type Cell = string | number | { readonly html: string; readonly cls?: string };

export function table(header: readonly string[], rows: readonly (readonly Cell[])[], opts: { caption?: string; cls?: string } = {}): string {
  const cell = (c: Cell, tag: 'td' | 'th'): string =>
    typeof c === 'object' ? `<${tag}${c.cls === undefined ? '' : ` class="${esc(c.cls)}"`}>${c.html}</${tag}>` : `<${tag}>${esc(c)}</${tag}>`;
  return [
    `<table${opts.cls === undefined ? '' : ` class="${esc(opts.cls)}"`}>`,
    opts.caption === undefined ? '' : `<caption>${esc(opts.caption)}</caption>`,
    `<thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('');
}

/** A Markdown table (summary.md): `|` inside a cell escaped. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (x: string): string => x.replace(/\|/g, '\\|');
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export const mg = (x: number | null | undefined): string => (x === null || x === undefined ? 'not reached' : `${x} mg`);
export const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)} %`);
export const signedPct = (x: number | null): string => (x === null ? '—' : `${x > 0 ? '+' : ''}${x.toFixed(1)} %`);
export const interval = (i: readonly [number | null, number | null]): string => `${mg(i[0])} – ${i[1] === null ? 'beyond grid' : `${i[1]} mg`}`;

export function section(id: string, title: string, body: string, intro = ''): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${intro === '' ? '' : `<p class="intro">${intro}</p>`}${body}</section>`;
}

export const REPORT_CSS = `
:root { --ink: #1d2330; --muted: #5b6473; --line: #d9dde5; --accent: #1f5fa8; --warn-bg: #fff4d6; --warn-ink: #7a4b00; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Verdana, system-ui, sans-serif; color: var(--ink); margin: 0; background: #f6f7f9; font-size: 14px; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p.sub, p.intro, .note { color: var(--muted); }
.banner { background: var(--warn-bg); color: var(--warn-ink); border: 1px solid #e8c66a; border-radius: 6px; padding: 10px 14px; margin: 14px 0; font-weight: bold; }
table { border-collapse: collapse; margin: 8px 0 14px; width: 100%; font-size: 13px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f6; font-weight: bold; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.dose { font-weight: bold; color: var(--accent); white-space: nowrap; }
td.flag { color: #a4441c; }
p.calibration-gate { color: #a4441c; border-left: 3px solid #e8c66a; padding-left: 10px; }
.plots { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px 18px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: white; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.diag img { max-width: 100%; border: 1px solid var(--line); }
code, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 12px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
ol.questions > li { margin-bottom: 12px; }
`;
