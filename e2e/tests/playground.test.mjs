// The playground page in Debian's chromium against persona-server in mock mode: each test does
// what a user does and asserts what they see.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  BASE, BLOCK_ONE, BLOCK_TWO, LINK, SHOTS, cardNamed, factBadge, fillSample, focused, launch,
  openPage, serviceError, tabTo,
} from './browser.mjs';

const EDITED = 'Maya P. Okafor';
/** axe-core, the accessibility engine, as one script to inject. */
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SHARE = /^http:\/\/[^/]+\/\?id=[A-Za-z0-9_-]{21}$/;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A fresh context and page per test; asserts no script error, CSP refusal or missing file. */
async function withPage(options, run) {
  const context = await browser.newContext(options);
  try {
    const page = await openPage(context);
    await page.goto(`${BASE}/`);
    await page.locator('#mode').filter({ hasText: 'Service mode: mock' }).waitFor();
    await run(page, context);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
  }
}

describe('the playground page', () => {
  test('processes two blocks and a link, edits the name, saves, and the share link shows the edit', async () => {
    await withPage({}, async (page, context) => {
      await fillSample(page);
      await page.getByRole('button', { name: 'Process', exact: true }).click();

      await cardNamed(page, 'Maya Patel');
      assert.equal(await focused(page), '#card', 'focus moves to the card');
      assert.equal(await page.locator('#card .card-head .badge').textContent(), 'quoted');
      assert.equal(await factBadge(page, 'location'), 'quoted');
      assert.equal(await page.locator('#card [data-field="location"] .value').textContent(), 'Berlin');
      assert.deepEqual(
        await page.locator('#card [data-field="interests"] .chip .value').allTextContents(),
        ['climbing', 'jazz'],
      );
      // The quote behind a badge is one click away, and names the box it came from.
      await page.locator('#card [data-field="location"] summary').click();
      const detail = page.locator('#card [data-field="location"] .grounding-detail');
      assert.match(await detail.textContent(), /I live in Berlin\.[\s\S]*From text block 2/);
      await page.locator('#card [data-field="location"] summary').click();
      await page.locator('#card').screenshot({ path: join(SHOTS, 'card.png') });

      await page.getByRole('button', { name: 'Edit' }).click();
      assert.equal(await focused(page), 'Name');
      await page.getByLabel('Name', { exact: true }).fill(EDITED);
      await page.getByRole('button', { name: 'Apply changes' }).click();
      await cardNamed(page, EDITED);
      assert.equal(await page.locator('#card .card-head .badge').count(), 0,
        'the changed name lost its grounding');
      assert.equal(await factBadge(page, 'location'), 'quoted', 'an unchanged value kept its');

      await page.getByRole('button', { name: 'Approve and save' }).click();
      await page.locator('#share').waitFor();
      const url = await page.getByLabel('Share link').inputValue();
      assert.match(url, SHARE);
      assert.ok(url.startsWith(`${BASE}/?id=`), url);
      assert.equal(await page.getByRole('link', { name: 'Open the saved persona' }).getAttribute('href'), url);

      const shared = await openPage(context);
      await shared.goto(url);
      await cardNamed(shared, EDITED);
      assert.equal(await factBadge(shared, 'location'), 'quoted');
      assert.equal(await factBadge(shared, 'age'), 'quoted');
      assert.equal(await shared.locator('#card .card-head .badge').count(), 0);
      assert.ok(await shared.getByRole('link', { name: 'Start a new persona' }).isVisible());
      assert.equal(await shared.locator('#compose').isVisible(), false, 'a shared persona is read-only');
      assert.equal(await shared.getByRole('button', { name: 'Approve and save' }).isVisible(), false);
      assert.deepEqual(shared.problems, []);

      const typed = [BLOCK_ONE, BLOCK_TWO, LINK, EDITED, 'Maya'];
      for (const text of [...page.consoleText, ...shared.consoleText]) {
        assert.ok(!typed.some((t) => text.includes(t)), `the console shows user text: ${text}`);
      }
    });
  });

  test('processing nothing shows the service\'s message in the alert', async () => {
    const expected = await serviceError('/api/process-persona', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ textBlocks: [], links: [] }),
    });
    assert.equal(expected.code, 'INVALID_REQUEST');
    await withPage({}, async (page) => {
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      const alert = page.getByRole('alert');
      await alert.filter({ hasText: expected.message }).waitFor();
      assert.equal(await focused(page), '#alert', 'focus moves to the error');
      assert.match(await alert.textContent(), /\/textBlocks/, 'the details name the field');
      assert.match(await alert.locator('.request-id').textContent(), /^[0-9a-f-]{36}$/);
      assert.equal(await page.locator('#card').isVisible(), false);
      await page.screenshot({ path: join(SHOTS, 'error.png') });
    });
  });

  test('the whole flow to a share link works with the keyboard alone', async () => {
    await withPage({}, async (page, context) => {
      await tabTo(page, 'Text block 1');
      await page.keyboard.type(BLOCK_ONE);
      await tabTo(page, 'Add a text block');
      await page.keyboard.press('Enter');
      assert.equal(await focused(page), 'Text block 2', 'a new block takes the focus');
      await page.keyboard.type(BLOCK_TWO);
      await tabTo(page, 'Add a link');
      await page.keyboard.press('Enter');
      assert.equal(await focused(page), 'Link 1');
      await page.keyboard.type(LINK);
      await tabTo(page, 'Process');
      await page.keyboard.press('Enter');

      await cardNamed(page, 'Maya Patel');
      assert.equal(await focused(page), '#card');
      await tabTo(page, 'Edit');
      await page.keyboard.press('Enter');
      assert.equal(await focused(page), 'Name');
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type(EDITED);
      await tabTo(page, 'Apply changes');
      await page.keyboard.press('Enter');
      await cardNamed(page, EDITED);
      await tabTo(page, 'Approve and save');
      await page.keyboard.press('Enter');
      await page.locator('#share').waitFor();
      assert.equal(await focused(page), '#share', 'focus moves to the share link');
      await tabTo(page, 'Share link');
      const url = await page.evaluate(() => document.activeElement.value);
      assert.match(url, SHARE);

      const shared = await openPage(context);
      await shared.goto(url);
      await cardNamed(shared, EDITED);
    });
  });

  test('a slow answer shows progress with Process disabled, and Cancel stops it', async () => {
    await withPage({}, async (page) => {
      await page.route('**/api/process-persona', async (route) => {
        const response = await route.fetch();
        await new Promise((resolve) => { setTimeout(resolve, 1500); });
        await route.fulfill({ response });
      });
      await page.getByLabel('Text block 1', { exact: true }).fill(`${BLOCK_ONE} ${BLOCK_TWO}`);
      const process = page.getByRole('button', { name: 'Process', exact: true });
      await process.click();
      await page.locator('#progress progress').waitFor();
      assert.equal(await process.isDisabled(), true);
      assert.equal(await page.locator('#result').getAttribute('aria-busy'), 'true');
      assert.match(await page.locator('#elapsed').textContent(), /^Processing… \d+ s$/);
      assert.ok(await page.getByRole('button', { name: 'Cancel' }).isVisible());
      await cardNamed(page, 'Maya Patel');
      assert.equal(await page.locator('#progress').isVisible(), false);
      assert.equal(await process.isDisabled(), false);
      assert.equal(await page.locator('#result').getAttribute('aria-busy'), null);

      // Now an answer that never comes until the user gives up.
      await page.unroute('**/api/process-persona');
      let release;
      const released = new Promise((resolve) => { release = resolve; });
      await page.route('**/api/process-persona', async (route) => {
        await released;
        await route.abort().catch(() => {});
      });
      await process.click();
      const cancel = page.getByRole('button', { name: 'Cancel' });
      await cancel.waitFor();
      assert.equal(await page.locator('#review').isVisible(), false, 'the old card is gone');
      await cancel.click();
      await page.getByRole('status').filter({ hasText: 'Processing was cancelled.' }).waitFor();
      release();
      assert.equal(await page.locator('#progress').isVisible(), false);
      assert.equal(await cancel.isVisible(), false);
      assert.equal(await process.isDisabled(), false);
      assert.equal(await page.getByRole('alert').isVisible(), false, 'cancelling is no error');
      assert.equal(await focused(page), 'Process');
    });
  });

  test('an upstream failure, a network failure and a non-JSON answer each say what happened', async () => {
    await withPage({}, async (page) => {
      await page.getByLabel('Text block 1', { exact: true }).fill(BLOCK_ONE);
      const process = page.getByRole('button', { name: 'Process', exact: true });
      const alert = page.getByRole('alert');

      await page.route('**/api/process-persona', (route) => route.fulfill({
        status: 503,
        contentType: 'application/json',
        headers: { 'x-request-id': 'e2e-upstream-503', 'retry-after': '30' },
        body: JSON.stringify({
          success: false,
          error: {
            code: 'UPSTREAM_UNAVAILABLE',
            message: 'the model is unavailable; try again shortly',
            request_id: 'e2e-upstream-503',
            retryable: true,
            details: [],
          },
        }),
      }));
      await process.click();
      await alert.filter({ hasText: 'the model is unavailable; try again shortly' }).waitFor();
      assert.equal(await alert.locator('.request-id').textContent(), 'e2e-upstream-503');
      assert.equal(await focused(page), '#alert');

      await page.unroute('**/api/process-persona');
      await page.route('**/api/process-persona', (route) => route.abort('internetdisconnected'));
      await process.click();
      await alert.filter({ hasText: 'Could not reach the service' }).waitFor();

      await page.unroute('**/api/process-persona');
      await page.route('**/api/process-persona', (route) => route.fulfill({
        status: 502, contentType: 'text/html', body: '<html><body>Bad gateway</body></html>',
      }));
      await process.click();
      await alert.filter({ hasText: 'not JSON (HTTP 502)' }).waitFor();
    });
  });

  test('on a 360 px phone the card fits without horizontal scrolling', async () => {
    const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
    await withPage(phone, async (page) => {
      const fits = () => page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      let { scrollWidth, innerWidth } = await fits();
      assert.ok(scrollWidth <= innerWidth, `the form: ${scrollWidth} > ${innerWidth}`);
      await fillSample(page);
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      await cardNamed(page, 'Maya Patel');
      await page.locator('#card [data-field="age"] summary').click();
      await page.locator('#raw summary').click();
      ({ scrollWidth, innerWidth } = await fits());
      assert.ok(scrollWidth <= innerWidth, `the card: ${scrollWidth} > ${innerWidth}`);
      await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
      await page.getByRole('button', { name: 'Edit' }).click();
      ({ scrollWidth, innerWidth } = await fits());
      assert.ok(scrollWidth <= innerWidth, `the editor: ${scrollWidth} > ${innerWidth}`);
    });
  });

  test('axe finds no WCAG 2 A or AA violation on the form, the error, the card, the editor, the share link and the shared persona', async () => {
    // axe is injected as a script of its own, which the page's policy rightly refuses: this
    // context alone bypasses the policy (the other tests keep it and fail on any refusal).
    await withPage({ bypassCSP: true }, async (page) => {
      const audit = async (state) => {
        await page.addScriptTag({ path: AXE });
        const { violations } = await page.evaluate(() =>
          globalThis.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }));
        const found = violations.map((v) =>
          `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        assert.deepEqual(found, [], `on ${state}`);
      };
      await audit('the empty form');
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      await page.getByRole('alert').waitFor();
      await audit('the error');
      await fillSample(page);
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      await cardNamed(page, 'Maya Patel');
      await page.locator('#card [data-field="location"] summary').click();
      await page.locator('#raw summary').click();
      await audit('the card');
      await page.getByRole('button', { name: 'Edit' }).click();
      await audit('the editor');
      await page.getByRole('button', { name: 'Apply changes' }).click();
      await page.getByRole('button', { name: 'Approve and save' }).click();
      await page.locator('#share').waitFor();
      await audit('the share link');
      await page.goto(await page.getByLabel('Share link').inputValue());
      await cardNamed(page, 'Maya Patel');
      await audit('the shared persona');
    });
  });

  test('over plain http at a LAN name (no secure context) the page still processes, saves and shares', async () => {
    // A phone on the same network opens http://<the machine's address>:8080: not a secure
    // context, so no crypto.randomUUID, crypto.subtle or clipboard. persona.lan stands for that
    // address; chromium resolves it to the service's own.
    const service = new URL(BASE);
    const lan = await launch([`--host-resolver-rules=MAP persona.lan ${service.hostname}`]);
    try {
      const context = await lan.newContext();
      const page = await openPage(context);
      const origin = `http://persona.lan:${service.port}`;
      await page.goto(`${origin}/`);
      await page.locator('#mode').filter({ hasText: 'Service mode: mock' }).waitFor();
      assert.equal(await page.evaluate(() => window.isSecureContext), false);
      await fillSample(page);
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      await cardNamed(page, 'Maya Patel');
      await page.getByRole('button', { name: 'Approve and save' }).click();
      await page.locator('#share').waitFor();
      const url = await page.getByLabel('Share link').inputValue();
      assert.ok(url.startsWith(`${origin}/?id=`), url);
      await page.getByRole('button', { name: 'Copy link' }).click();
      await page.getByRole('status').filter({ hasText: 'the link is selected' }).waitFor();
      assert.deepEqual(page.problems, []);
    } finally {
      await lan.close();
    }
  });

  test('a shared persona says which grounding the service verified and which is the saver\'s claim', async () => {
    const post = async (path, body) => (await fetch(`${BASE}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    })).json();
    const { data } = await post('/api/process-persona', { textBlocks: [BLOCK_ONE, BLOCK_TWO], links: [] });
    // A client that kept the location's entry but not its signature: the service cannot tell it
    // from an invented one.
    const grounding = structuredClone(data.grounding);
    delete grounding.fields['/location'].signature;
    const saved = await post('/api/save-persona', { persona: data.persona, grounding });
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      await page.goto(`${BASE}/?id=${saved.data.id}`);
      await cardNamed(page, 'Maya Patel');
      for (const field of ['location', 'age']) {
        await page.locator(`#card [data-field="${field}"] summary`).click();
      }
      const claim = /Not verified by this service/;
      assert.match(await page.locator('#card [data-field="location"] .grounding-detail').textContent(), claim);
      assert.doesNotMatch(await page.locator('#card [data-field="age"] .grounding-detail').textContent(), claim);
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });

  test('long material is processed as a background job, and a reload keeps following it', async () => {
    await withPage({}, async (page) => {
      // Over JOB_FROM_CHARS: the page asks for a job and follows it with its id in the address.
      const filler = ' I keep a garden.'.repeat(1300);
      await page.locator('#blocks textarea').first().fill(`${BLOCK_ONE}${filler}`);
      const submitted = page.waitForRequest((request) =>
        request.url().endsWith('/api/process-persona') && request.headers().prefer === 'respond-async');
      const polled = page.waitForRequest((request) => request.url().includes('/api/get-job?id='));
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      await submitted;
      await polled;
      await cardNamed(page, 'Maya Patel');
      assert.equal(new URL(page.url()).searchParams.get('job'), null, 'the job leaves the address once shown');
    });
    const accepted = await (await fetch(`${BASE}/api/process-persona`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ textBlocks: [BLOCK_ONE, BLOCK_TWO], links: [] }),
    })).json();
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      await page.goto(`${BASE}/?job=${accepted.data.job.id}`);
      await cardNamed(page, 'Maya Patel');
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });

  test('an id that was never saved shows the NOT_FOUND message', async () => {
    const id = 'NoSuchPersona00000001';
    assert.equal(id.length, 21);
    const expected = await serviceError(`/api/get-persona?id=${id}`);
    assert.equal(expected.code, 'NOT_FOUND');
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      await page.goto(`${BASE}/?id=${id}`);
      await page.getByRole('alert').filter({ hasText: expected.message }).waitFor();
      assert.equal(await focused(page), '#alert');
      assert.ok(await page.getByRole('link', { name: 'Start a new persona' }).isVisible());
      assert.equal(await page.locator('#compose').isVisible(), false);
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });
});
