// The playground's Simulate choice (mock mode only) in Debian's chromium against persona-server
// in mock mode: a scenario is sent as `x-mock-scenario` and its answer is shown as the real
// service's would be; outside mock mode the choice is not offered.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BASE, BLOCK_ONE, SHOTS, cardNamed, focused, launch, openPage } from './browser.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

describe('Simulate in the playground', () => {
  test('RATE_LIMITED shows the service\'s 429: its message, request id and when to try again', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      const sent = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/api/process-persona')) sent.push(request.headers()['x-mock-scenario']);
      });
      await page.goto(`${BASE}/`);
      await page.locator('#mode').filter({ hasText: 'Service mode: mock' }).waitFor();
      await page.getByLabel('Text block 1', { exact: true }).fill(BLOCK_ONE);
      await page.getByLabel('Simulate').selectOption('RATE_LIMITED');
      await page.getByRole('button', { name: 'Process', exact: true }).click();

      const alert = page.getByRole('alert');
      const message = 'too many process-persona requests from this client; wait 10 s and try again';
      await alert.filter({ hasText: message }).waitFor();
      assert.equal(await alert.locator('.alert-retry').textContent(), 'Try again in 10 s.');
      assert.match(await alert.locator('.request-id').textContent(), UUID);
      assert.equal(await focused(page), '#alert');
      assert.deepEqual(sent, ['RATE_LIMITED']);
      await page.screenshot({ path: join(SHOTS, 'scenario-rate-limited.png'), fullPage: true });

      // Back to normal answers: the same material gives the persona.
      await page.getByLabel('Simulate').selectOption('');
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      await cardNamed(page, 'Maya Patel');
      assert.deepEqual(sent, ['RATE_LIMITED', undefined]);
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });

  test('outside mock mode Simulate is not offered and nothing is sent', async () => {
    const context = await browser.newContext();
    try {
      const page = await openPage(context);
      // The same page, told by its health check that the service runs a real model.
      await page.route('**/api/health', (route) => route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ success: true, data: { status: 'ok', mode: 'live', extractor: 'openai', store: 'supabase', version: '0.1.0' } }),
      }));
      const sent = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/api/process-persona')) sent.push(request.headers()['x-mock-scenario']);
      });
      await page.goto(`${BASE}/`);
      await page.locator('#mode').filter({ hasText: 'Service mode: live' }).waitFor();
      assert.equal(await page.getByLabel('Simulate').isVisible(), false);
      await page.getByLabel('Text block 1', { exact: true }).fill(BLOCK_ONE);
      await page.getByRole('button', { name: 'Process', exact: true }).click();
      await cardNamed(page, 'Maya Patel');
      assert.deepEqual(sent, [undefined]);
      assert.deepEqual(page.problems, []);
    } finally {
      await context.close();
    }
  });
});
