// The page's pure helpers (public/app.js exports them), and one check against the service that
// an edit's recomputed grounding is one save-persona accepts and keeps.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  JOB_POLL_FIRST_MS, JOB_POLL_MAX_MS, ShownError, cacheNote, jobFraction, jobOutcome, jobPollDelay,
  readEnvelope, regrounded, retryAfterSeconds, tidyList,
} from '../../public/app.js';
import { BASE, BLOCK_ONE, BLOCK_TWO } from './browser.mjs';

const entry = (quote) => ({ status: 'quoted', quote, source: 'block:0', span: { start: 0, end: 5 } });
const before = {
  name: 'Maya Patel', age: 34, occupation: 'product designer', location: null, background: '',
  traits: [], interests: ['climbing', 'jazz'], skills: [], values: [], goals: [], languages: [],
  communication_style: null, quotes: [],
};
const grounding = {
  mode: 'flag',
  fields: {
    '/name': entry('Maya'),
    '/age': entry('34'),
    '/occupation': { status: 'inferred' },
    '/interests/0': entry('climbing'),
    '/interests/1': { status: 'stated', source: 'block:1', span: { start: 3, end: 7 } },
  },
  counts: { quoted: 3, stated: 1, inferred: 1, fabricated_quotes: 2 },
};

describe('regrounded', () => {
  test('an unchanged persona keeps every entry and its counts', () => {
    assert.deepEqual(regrounded(before, structuredClone(before), grounding), grounding);
  });

  test('a changed or removed value loses its entry and the counts follow', () => {
    const after = { ...before, name: 'Maya Okafor', occupation: null };
    const got = regrounded(before, after, grounding);
    assert.deepEqual(Object.keys(got.fields), ['/age', '/interests/0', '/interests/1']);
    assert.deepEqual(got.counts, { quoted: 2, stated: 1, inferred: 0, fabricated_quotes: 2 });
    assert.equal(got.mode, 'flag');
  });

  test('a list item keeps its entry at its new index, and a new item has none', () => {
    const after = { ...before, interests: ['hiking', 'jazz'] };
    const got = regrounded(before, after, grounding);
    assert.deepEqual(got.fields['/interests/1'], grounding.fields['/interests/1']);
    assert.equal(got.fields['/interests/0'], undefined);
    assert.deepEqual(got.counts, { quoted: 2, stated: 1, inferred: 1, fabricated_quotes: 2 });
  });

  test('a value changed only in case is a change', () => {
    const got = regrounded(before, { ...before, interests: ['Climbing', 'jazz'] }, grounding);
    assert.equal(got.fields['/interests/0'], undefined);
  });
});

describe('tidyList', () => {
  test('one item a line, whitespace collapsed, empties dropped, repeats kept once ignoring case', () => {
    assert.deepEqual(tidyList('  jazz \n\n climbing   walls\nJAZZ\n \t\nhiking'), ['jazz', 'climbing walls', 'hiking']);
  });
});

describe('readEnvelope', () => {
  test('a success gives its data', () => {
    assert.deepEqual(readEnvelope(200, '{"success":true,"data":{"id":"x"}}', null), { id: 'x' });
  });

  test('an error gives its message, request id and details', () => {
    const body = JSON.stringify({
      success: false,
      error: { code: 'INVALID_REQUEST', message: 'bad', request_id: 'r-1', retryable: false, details: [{ field: '/a', message: 'm' }] },
    });
    assert.throws(() => readEnvelope(400, body, 'header-id'), (error) => {
      assert.ok(error instanceof ShownError);
      assert.equal(error.message, 'bad');
      assert.equal(error.requestId, 'r-1');
      assert.equal(error.code, 'INVALID_REQUEST');
      assert.deepEqual(error.details, [{ field: '/a', message: 'm' }]);
      return true;
    });
  });

  test('an answer that is not JSON says so, with its status and the header\'s request id', () => {
    assert.throws(() => readEnvelope(502, '<html>Bad gateway</html>', 'h-2'), (error) => {
      assert.match(error.message, /not JSON \(HTTP 502\)/);
      assert.equal(error.requestId, 'h-2');
      return true;
    });
  });

  test('JSON that is no envelope says so', () => {
    assert.throws(() => readEnvelope(200, '[1,2]', null), /unexpected shape \(HTTP 200\)/);
  });
});

test('save-persona accepts an edit\'s recomputed grounding and get-persona returns it verified', async () => {
  const post = async (path, body) => {
    const response = await fetch(`${BASE}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const processed = await post('/api/process-persona', { textBlocks: [BLOCK_ONE, BLOCK_TWO], links: [] });
  assert.equal(processed.status, 200);
  const { persona, grounding: original } = processed.body.data;
  assert.deepEqual(persona.interests, ['climbing', 'jazz']);
  // Reorder and extend a list, change a scalar, drop another.
  const edited = { ...persona, interests: ['jazz', 'bouldering', 'climbing'], occupation: 'UX lead', location: null };
  const grounding = regrounded(persona, edited, original);
  assert.deepEqual(grounding.fields['/interests/0'], original.fields['/interests/1']);
  assert.deepEqual(grounding.fields['/interests/2'], original.fields['/interests/0']);
  const saved = await post('/api/save-persona', { persona: edited, source: { blocks: 2, links: 0 }, grounding });
  assert.equal(saved.status, 201, JSON.stringify(saved.body.error));
  const got = await (await fetch(`${BASE}/api/get-persona?id=${saved.body.data.id}`)).json();
  // Every kept entry is the server's own, signed when processed: each reads back verified, the
  // moved list items at their new indexes too.
  const verified = structuredClone(grounding);
  for (const entry of Object.values(verified.fields)) entry.verified = true;
  assert.deepEqual(got.data.grounding, verified);

  // The check the service makes is real: the unedited grounding does not fit the edit.
  const refused = await post('/api/save-persona', { persona: edited, source: { blocks: 2, links: 0 }, grounding: original });
  assert.equal(refused.status, 400);
});

describe('the wait an error asks for', () => {
  test('Retry-After in seconds is read; anything else is no wait', () => {
    assert.equal(retryAfterSeconds('10'), 10);
    assert.equal(retryAfterSeconds(' 5 '), 5);
    for (const value of [null, '', 'soon', '1.5', 'Wed, 21 Oct 2026 07:28:00 GMT']) {
      assert.equal(retryAfterSeconds(value), null, String(value));
    }
  });

  test('an error envelope carries the wait into the ShownError', () => {
    const body = JSON.stringify({
      success: false,
      error: { code: 'RATE_LIMITED', message: 'wait', request_id: 'r-1', retryable: true, details: [] },
    });
    let shown = null;
    try {
      readEnvelope(429, body, 'h-1', 10);
    } catch (error) {
      shown = error;
    }
    assert.ok(shown instanceof ShownError);
    assert.equal(shown.retryAfter, 10);
    assert.equal(shown.requestId, 'r-1');
    assert.equal(shown.code, 'RATE_LIMITED');
  });
});

describe('following a background job', () => {
  test('each wait grows by half up to the longest', () => {
    assert.equal(jobPollDelay(0), JOB_POLL_FIRST_MS);
    assert.equal(jobPollDelay(1), Math.round(JOB_POLL_FIRST_MS * 1.5));
    assert.ok(jobPollDelay(2) > jobPollDelay(1));
    assert.equal(jobPollDelay(50), JOB_POLL_MAX_MS);
  });

  test('the bar shows chunks done of chunks total, and nothing while the total is unknown', () => {
    assert.equal(jobFraction({ progress: { chunks_done: 1, chunks_total: 4, completion_tokens: 0 } }), 0.25);
    assert.equal(jobFraction({ progress: { chunks_done: 0, chunks_total: 0, completion_tokens: 0 } }), null);
    assert.equal(jobFraction({}), null);
  });

  test('a job gives its data once succeeded, throws its error once failed, and nothing before', () => {
    assert.equal(jobOutcome({ status: 'running' }), null);
    assert.deepEqual(jobOutcome({ status: 'succeeded', data: { persona: {} } }), { persona: {} });
    const error = { code: 'EXTRACTION_FAILED', message: 'try again', request_id: 'r1', retryable: true, details: [] };
    assert.throws(() => jobOutcome({ status: 'failed', error }), (thrown) =>
      thrown instanceof ShownError && thrown.message === 'try again' && thrown.requestId === 'r1');
  });
});

describe('cacheNote', () => {
  test('a cached answer is said to be one, a fresh one is not', () => {
    assert.match(cacheNote({ model: 'mock', prompt_tokens: 0, completion_tokens: 0, attempts: 0, cached: true }), /from the cache/);
    assert.equal(cacheNote({ model: 'mock', prompt_tokens: 5, completion_tokens: 5, attempts: 1, cached: false }), null);
    // An answer from before the field existed, or none at all.
    assert.equal(cacheNote({ model: 'mock' }), null);
    assert.equal(cacheNote(undefined), null);
  });
});
