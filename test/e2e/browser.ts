/**
 * A real Chromium (Debian's, headless) driven by playwright-core, with an accessibility check
 * (axe-core) and an HTML check (html-validate) for every page a test visits.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HtmlValidate } from 'html-validate';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(__dirname, '../../docs/screenshots');
const FAILURES = path.resolve(__dirname, '../../test-results');

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const htmlValidate = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // The page is checked as the browser serialises its DOM: formatting (template whitespace,
    // `required=""`) is not validity.
    'no-trailing-whitespace': 'off',
    'attribute-boolean-style': 'off',
    'no-inline-style': 'error',
    // A page's title is the report's or hospital's own name, as long as its owner made it.
    'long-title': 'off',
    // A group of checkboxes shares one name (the form's repeated `hospitalIds`).
    'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
  },
});

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in CI needs --no-sandbox; the rest keeps Chromium off the (closed) network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Checks the page as it stands: no axe violations, no html-validate errors. */
export async function checkPage(page: Page): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  // A string, run in the page: axe's own API, no DOM types needed here.
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then(result =>
    result.violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')'))`)) as string[];
  assert.deepEqual(violations, [], `axe found violations on ${page.url()}`);
  const report = await htmlValidate.validateString(await page.content());
  const errors = report.results.flatMap(result => result.messages.filter(m => m.severity === 2).map(m => `${m.ruleId}: ${m.message} (line ${m.line})`));
  assert.deepEqual(errors, [], `html-validate found errors on ${page.url()}`);
}

/**
 * axe-core's target-size rule (WCAG 2.2 AA, 2.5.8), which axe leaves off by default: every
 * target is at least 24 × 24 px or has room around it.
 */
export async function checkTargetSize(page: Page): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(`axe.run(document, { runOnly: ['target-size'], resultTypes: ['violations'] }).then(result =>
    result.violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')'))`)) as string[];
  assert.deepEqual(violations, [], `axe found targets too small on ${page.url()}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Saves a screenshot of a failed step for whoever reads the CI log. */
export async function screenshotFailure(page: Page | undefined, title: string): Promise<string | undefined> {
  if (!page) return undefined;
  fs.mkdirSync(FAILURES, { recursive: true });
  const file = path.join(FAILURES, `${title.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  return file;
}

/** An `afterEach` hook: a screenshot of the page of a failed test, named in the output. */
export function screenshotOnFailure(currentPage: () => Page | undefined) {
  return async function (this: Mocha.Context): Promise<void> {
    if (this.currentTest?.state !== 'failed') return;
    const file = await screenshotFailure(currentPage(), this.currentTest.fullTitle());
    if (file) console.error(`    screenshot of the failed step: ${file}`);
  };
}
