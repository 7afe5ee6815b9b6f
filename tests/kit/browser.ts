/**
 * Test kit: Debian's headless Chromium driven by playwright-core (no browser download), with a fresh
 * profile per use and every network request refused, so a page proves it is self-contained. Collects
 * console errors and uncaught page errors for the test to assert on; always closes the browser.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** /work/shared/ENVIRONMENT.md: the flags Debian's chromium needs headless as root in a container. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** For `test(..., { skip })`: a reason to skip on a developer machine without chromium; never skips in CI. */
export function skipWithoutChromium(): string | false {
  if (existsSync(CHROMIUM) || process.env['CI'] === 'true') return false;
  return 'chromium is not installed (apt-get install chromium); CI installs it from .ci/apt-packages';
}

export interface PageSession {
  readonly page: Page;
  /** console messages of type error, and uncaught exceptions */
  readonly errors: string[];
  /** requests the page tried to make to anything but its own file (all refused) */
  readonly network: string[];
}

export interface OpenFileOptions {
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly timeoutMs?: number;
}

/** Opens a local HTML file in a fresh headless Chromium and runs `fn` with the page. */
export async function withFilePage<T>(file: string, fn: (s: PageSession) => Promise<T>, opts: OpenFileOptions = {}): Promise<T> {
  const profile = await mkdtemp(join(tmpdir(), 'qusop-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: opts.viewport ?? { width: 1200, height: 900 },
    timeout: opts.timeoutMs ?? 30_000,
  });
  const url = pathToFileURL(file).href;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    const network: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await page.route('**/*', async (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      network.push(u);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load', timeout: opts.timeoutMs ?? 30_000 });
    return await fn({ page, errors, network });
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
