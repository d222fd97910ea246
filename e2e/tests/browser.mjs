// What every browser test shares: the service's address, Debian's chromium, where screenshots
// go, and small waits written against what the user sees.

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The service under test (`.ci/e2e` starts persona-server in mock mode and sets it). */
export const BASE = (() => {
  const url = process.env.PERSONA_URL?.trim();
  if (!url) throw new Error('PERSONA_URL is not set: run `bash .ci/e2e [URL]`');
  return url.replace(/\/+$/, '');
})();

/** Screenshots land in the repository's target/e2e/ (a CI artifact). */
export const SHOTS = process.env.E2E_SCREENSHOTS
  ?? fileURLToPath(new URL('../../target/e2e/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });

/** The sample the mock extractor reads: a name, an age, a job, a place, two interests. */
export const BLOCK_ONE = 'Hi, my name is Maya Patel. I am 34 years old and I work as a product designer.';
export const BLOCK_TWO = 'I live in Berlin. I love climbing and jazz.';
export const LINK = 'https://example.com/maya';

/** Debian's chromium, headless, with nothing reaching out to the network on its own. */
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * A page that records what a user would never want in the console: script errors, CSP
 * violations, and any message carrying the text they typed.
 */
export async function openPage(context) {
  const page = await context.newPage();
  // A missing element fails the test in 10 s rather than playwright's 30.
  page.setDefaultTimeout(10_000);
  page.problems = [];
  page.consoleText = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    page.consoleText.push(message.text());
    if (/Content Security Policy|Refused to/i.test(message.text())) {
      page.problems.push(`CSP: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    // The page's own files and the favicon must all be there.
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/api/') && response.status() >= 400) {
      page.problems.push(`${response.status()} for ${url.pathname}`);
    }
  });
  return page;
}

/** The service's own answer to a request, read as a client would (for expected messages). */
export async function serviceError(path, init) {
  const response = await fetch(`${BASE}${path}`, init);
  const body = await response.json();
  return body.error;
}

/** Fills the material of the flow by pointer: two blocks and a link. */
export async function fillSample(page) {
  await page.getByLabel('Text block 1', { exact: true }).fill(BLOCK_ONE);
  await page.getByRole('button', { name: 'Add a text block' }).click();
  await page.getByLabel('Text block 2', { exact: true }).fill(BLOCK_TWO);
  await page.getByRole('button', { name: 'Add a link' }).click();
  await page.getByLabel('Link 1', { exact: true }).fill(LINK);
}

/** The card's heading once it shows `name`. */
export async function cardNamed(page, name) {
  const heading = page.locator('#card').getByRole('heading', { name, exact: true });
  await heading.waitFor();
  return heading;
}

/** The grounding badge's text of a card fact (`age`, `location`, …), or null without one. */
export async function factBadge(page, field) {
  const badge = page.locator(`#card [data-field="${field}"] .badge`);
  return (await badge.count()) === 0 ? null : badge.textContent();
}

/** What the focused element is called: a button's text, a field's label, or its id. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    if (el.labels && el.labels.length > 0) return el.labels[0].textContent.trim();
    if (el.tagName === 'BUTTON' || el.tagName === 'A' || el.tagName === 'SUMMARY') {
      return el.textContent.trim();
    }
    return `#${el.id}`;
  });
}

/** Presses Tab until the focused element is called `name` (at most 60 presses). */
export async function tabTo(page, name) {
  const seen = [];
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (now === name) return;
    seen.push(now);
  }
  throw new Error(`Tab never reached "${name}"; it went through: ${seen.join(' | ')}`);
}
