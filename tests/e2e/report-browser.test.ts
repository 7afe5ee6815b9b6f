/**
 * report.html in a real browser (Debian Chromium, headless, fresh profile, network refused): every
 * curve figure draws (paths with geometry and a non-zero on-screen box), axis titles carry units, the
 * TEST-MODEL banner is visible, nothing is fetched and nothing is logged as an error. Screenshots are
 * kept in dist/test-output/report-browser/ for people to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, TEST_MODEL_DIR, runCli, withTempDir } from '../kit/cli.js';
import { skipWithoutChromium, withFilePage } from '../kit/browser.js';

const SCREENSHOTS = join(ROOT, 'dist', 'test-output', 'report-browser');

test('report.html renders in Chromium: plots drawn, units on axes, banner visible, no errors, no network', { skip: skipWithoutChromium(), timeout: 120_000 }, async (t) => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'answer');
    const r = await runCli(['answer', join(ROOT, 'data', 'EstData.csv'), '--model', TEST_MODEL_DIR, '--replicates', '6', '--subjects', '60', '--workers', '2', '--out', out, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    await mkdir(SCREENSHOTS, { recursive: true });
    await withFilePage(join(out, 'report.html'), async ({ page, errors, network }) => {
      const figures = await page.$$eval('figure[id^="plot-"]', (figs) => figs.map((f) => {
        // data marks only (Vega's group backgrounds/foregrounds are frames, empty by design)
        const paths = [...f.querySelectorAll('svg g[class*="role-mark"] > path')];
        const drawn = paths.filter((p) => (p.getAttribute('d') ?? '').length > 10 && p.getBoundingClientRect().width > 0 && p.getBoundingClientRect().height > 0);
        const box = f.querySelector('svg')?.getBoundingClientRect();
        const kinds = ['mark-area', 'mark-line', 'mark-rule'].map((k) => f.querySelectorAll(`svg g.${k} > *`).length);
        return { id: f.id, paths: paths.length, drawn: drawn.length, kinds, width: box?.width ?? 0, height: box?.height ?? 0, text: f.querySelector('svg')?.textContent ?? '' };
      }));
      assert.equal(figures.length, 6);
      for (const f of figures) {
        assert.ok(f.drawn >= 2 && f.drawn === f.paths, `${f.id}: ${f.drawn} of ${f.paths} data paths drawn`);
        const [areas, lines, rules] = f.kinds;
        assert.ok(areas === 1 && lines === 1 && (rules ?? 0) >= 2, `${f.id}: band area ${areas}, p-hat line ${lines}, rules ${rules}`);
        assert.ok(f.width > 300 && f.height > 200, `${f.id}: ${f.width} x ${f.height} px on screen`);
        assert.match(f.text, /dose \(mg, once (daily|weekly)\)/, `${f.id}: x axis with unit`);
        assert.match(f.text, /P\(max PD ≤ 3\.3 ng\/mL over (24|168) h\)/, `${f.id}: y axis with threshold and window`);
      }
      assert.ok(await page.isVisible('.banner'), 'TEST-MODEL banner visible');
      assert.match((await page.textContent('.banner')) ?? '', /TEST MODEL/);
      assert.equal(await page.locator('section#answers ol.questions > li').count(), 5);
      assert.deepEqual(errors, [], 'no console errors');
      assert.deepEqual(network, [], 'no network requests');
      const full = join(SCREENSHOTS, 'report-full.png');
      await page.screenshot({ path: full, fullPage: true });
      await page.locator('section#curves').screenshot({ path: join(SCREENSHOTS, 'report-curves.png') });
      await page.locator('section#answers').screenshot({ path: join(SCREENSHOTS, 'report-answers.png') });
      t.diagnostic(`screenshots: ${SCREENSHOTS}`);
    });
  });
});
