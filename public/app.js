// The persona playground: compose text blocks and links, process them into a persona, review it
// as a card with each value's grounding, edit it, approve to save, and share `/?id=…`.
//
// Plain DOM and same-origin fetch, no framework and no build step. Text from the user or the
// service only ever reaches the page through textContent and form values (never HTML), and
// nothing is written to the console. Every failure shows the service's envelope: its message,
// request id, details and the wait it asks for. In mock mode a Simulate choice makes process and
// save answer as the real service would in a failure (sent as `x-mock-scenario`).

/** Progress shows only when processing takes longer than this. */
const PROGRESS_DELAY_MS = 300;

/**
 * Material of at least this many characters is processed as a background job (`Prefer:
 * respond-async`): the bar then shows the chunks read, and the job's id in the address keeps a
 * reload following it. Shorter material gets its answer in the same request.
 */
export const JOB_FROM_CHARS = 20000;
/** The first wait between two reads of a job, and the longest. */
export const JOB_POLL_FIRST_MS = 250;
export const JOB_POLL_MAX_MS = 4000;

/** The wait before read `n` (from 0) of a job: 1.5 times the last, up to the longest. */
export function jobPollDelay(n) {
  return Math.min(JOB_POLL_MAX_MS, Math.round(JOB_POLL_FIRST_MS * 1.5 ** n));
}

/** How much of a job is done, from 0 to 1, or null while the number of chunks is unknown. */
export function jobFraction(job) {
  const progress = job?.progress;
  if (!progress || !(progress.chunks_total > 0)) return null;
  return Math.min(1, progress.chunks_done / progress.chunks_total);
}

/**
 * A job's result: its `data` once it succeeded, its error thrown (as the synchronous answer's
 * would be) once it failed, null while it is queued or running.
 */
export function jobOutcome(job) {
  if (job.status === 'succeeded') return job.data;
  if (job.status === 'failed') {
    const error = job.error ?? {};
    throw new ShownError(error.message ?? 'The job failed. Try again.', {
      requestId: error.request_id ?? null,
      details: Array.isArray(error.details) ? error.details : [],
      code: error.code ?? null,
    });
  }
  return null;
}

/** The persona's fields in schema order; `evidence` is kept as the service returned it. */
const FIELDS = [
  'name', 'age', 'occupation', 'location', 'background', 'traits', 'interests', 'skills',
  'values', 'goals', 'languages', 'communication_style', 'quotes',
];
const LISTS = new Set(['traits', 'interests', 'skills', 'values', 'goals', 'languages', 'quotes']);
const LABELS = {
  name: 'Name', age: 'Age', occupation: 'Occupation', location: 'Location',
  background: 'Background', traits: 'Traits', interests: 'Interests', skills: 'Skills',
  values: 'Values', goals: 'Goals', languages: 'Languages',
  communication_style: 'Communication style', quotes: 'Quotes',
};
const STATUS_TEXT = {
  quoted: 'A quote found in the source mentions this value.',
  stated: 'The value itself occurs in the source.',
  inferred: 'Not found in the source: the model inferred it.',
};

// ---- Pure helpers (exported for the unit tests in e2e/) ----

/** Whitespace collapsed as the service tidies it. */
export function tidy(text) {
  return String(text ?? '').split(/\s+/).filter(Boolean).join(' ');
}

/** One item per line, tidied, empties dropped, repeats (ignoring case) kept once. */
export function tidyList(text) {
  const seen = new Set();
  const items = [];
  for (const line of String(text ?? '').split('\n')) {
    const item = tidy(line);
    if (item && !seen.has(item.toLowerCase())) {
      seen.add(item.toLowerCase());
      items.push(item);
    }
  }
  return items;
}

/**
 * The grounding of `after`, an edit of `before`: an unchanged value keeps its entry, a changed
 * or removed one loses it, a list item keeps the entry of the same value at its new index, and
 * the counts are recomputed (the fabricated quotes stay as processing found them).
 */
export function regrounded(before, after, grounding) {
  const old = grounding?.fields ?? {};
  const fields = {};
  for (const name of FIELDS) {
    if (LISTS.has(name)) {
      const previous = before[name] ?? [];
      (after[name] ?? []).forEach((item, index) => {
        const was = previous.indexOf(item);
        const entry = was >= 0 ? old[`/${name}/${was}`] : undefined;
        if (entry) fields[`/${name}/${index}`] = entry;
      });
    } else {
      const entry = old[`/${name}`];
      if (entry && after[name] != null && after[name] === before[name]) fields[`/${name}`] = entry;
    }
  }
  const counts = {
    quoted: 0, stated: 0, inferred: 0,
    fabricated_quotes: grounding?.counts?.fabricated_quotes ?? 0,
  };
  for (const entry of Object.values(fields)) counts[entry.status] += 1;
  return { mode: grounding?.mode ?? 'flag', fields, counts };
}

/** An error to show: the envelope's message, request id, details and the wait it asks for. */
export class ShownError extends Error {
  constructor(message, { requestId = null, details = [], code = null, retryAfter = null } = {}) {
    super(message);
    this.name = 'ShownError';
    this.requestId = requestId;
    this.details = details;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** `Retry-After` in whole seconds, or null when absent or not a number of seconds. */
export function retryAfterSeconds(header) {
  const value = String(header ?? '').trim();
  return /^\d+$/.test(value) ? Number(value) : null;
}

/**
 * What the page says about where a process answer came from: a cached answer (`usage.cached`,
 * the same material processed before) cost no model call; null for a fresh extraction.
 */
export function cacheNote(usage) {
  if (usage?.cached !== true) return null;
  return 'Answered from the cache: this material was processed before, so no model was called (0 tokens).';
}

/** Reads an answer: its `data` on success, a ShownError otherwise. */
export function readEnvelope(status, text, headerRequestId, retryAfter = null) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ShownError(
      `The service answered with something that is not JSON (HTTP ${status}). Try again later.`,
      { requestId: headerRequestId },
    );
  }
  if (body && body.success === true && 'data' in body) return body.data;
  const error = body && body.success === false ? body.error : null;
  if (error && typeof error.message === 'string') {
    throw new ShownError(error.message, {
      requestId: error.request_id ?? headerRequestId,
      details: Array.isArray(error.details) ? error.details : [],
      code: error.code ?? null,
      retryAfter,
    });
  }
  throw new ShownError(
    `The service answered in an unexpected shape (HTTP ${status}). Try again later.`,
    { requestId: headerRequestId },
  );
}

// ---- The page ----

const $ = (id) => document.getElementById(id);

/** An element with attributes (`text` sets its text) and children. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

/** Everything the page knows about the persona on show. */
const state = {
  /** The answer of process or get, with the persona and grounding as edited since. */
  data: null,
  /** The persona as processed (what edits are compared with), and its grounding. */
  original: null,
  /** For each block sent, its place in the form (so `block:N` names the box the user sees). */
  blockPlaces: [],
  /** The counts of material sent, for save's `source`. */
  source: { blocks: 0, links: 0 },
  /** Whether the page shows a saved persona (read-only). */
  shared: false,
  /** The running process request's controller. */
  controller: null,
  saving: false,
  /** Text blocks and links added so far, for their element ids. */
  entries: 0,
  /** Whether the service is in mock mode (then the Simulate choice is offered and sent). */
  mock: false,
};

/** The mock scenario chosen under Simulate, as `x-mock-scenario` (none outside mock mode). */
function scenarioHeader() {
  const scenario = state.mock ? $('simulate').value : '';
  return scenario ? { 'x-mock-scenario': scenario } : {};
}

async function call(path, init = {}) {
  let response;
  let text;
  try {
    const headers = { accept: 'application/json', ...init.headers };
    response = await fetch(path, { ...init, headers });
    text = await response.text();
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ShownError(
      'Could not reach the service: the network request failed. Check your connection and try again.',
    );
  }
  return readEnvelope(response.status, text, response.headers.get('x-request-id'),
    retryAfterSeconds(response.headers.get('retry-after')));
}

function postJson(path, body, signal) {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...scenarioHeader() },
    body: JSON.stringify(body),
    signal,
  });
}

// ---- Messages ----

function showError(error) {
  const alert = $('alert');
  const shown = error instanceof ShownError
    ? error
    : new ShownError('Something went wrong in this page. Reload it and try again.');
  alert.replaceChildren(el('p', { class: 'alert-message', text: shown.message }));
  if (shown.details.length > 0) {
    alert.append(el('ul', { class: 'alert-details' }, ...shown.details.map((d) => el('li', {},
      el('code', { text: d.field }), `: ${d.message}`))));
  }
  if (shown.retryAfter !== null && shown.retryAfter !== undefined) {
    alert.append(el('p', { class: 'alert-retry', text: `Try again in ${shown.retryAfter} s.` }));
  }
  if (shown.requestId) {
    alert.append(el('p', { class: 'alert-request' }, 'Request id: ',
      el('code', { class: 'request-id', text: shown.requestId })));
  }
  alert.hidden = false;
  alert.focus();
}

function clearError() {
  $('alert').hidden = true;
  $('alert').replaceChildren();
}

function say(message) {
  $('status').textContent = message;
}

// ---- Composing ----

function renumber(list, noun) {
  [...list.children].forEach((item, index) => {
    const number = index + 1;
    item.querySelector('label').textContent = `${noun} ${number}`;
    item.querySelector('button').textContent = `Remove ${noun.toLowerCase()} ${number}`;
  });
}

function addEntry(kind, focus) {
  const list = $(kind === 'block' ? 'blocks' : 'links');
  const noun = kind === 'block' ? 'Text block' : 'Link';
  // A counter, not crypto.randomUUID(): browsers give that only to secure pages, and the page
  // must also work over plain http (a phone opening http://192.168.1.20:8080).
  state.entries += 1;
  const id = `${kind}-${state.entries}`;
  const input = kind === 'block'
    ? el('textarea', { id, rows: 5, class: 'block-input' })
    : el('input', { id, type: 'url', inputmode: 'url', placeholder: 'https://…', class: 'link-input' });
  const remove = el('button', { type: 'button', class: 'remove secondary' });
  const item = el('li', { class: 'entry' }, el('label', { for: id }), input, remove);
  remove.addEventListener('click', () => {
    const next = item.nextElementSibling ?? item.previousElementSibling;
    item.remove();
    renumber(list, noun);
    if (kind === 'link') $('no-links').hidden = list.children.length > 0;
    // Focus stays in the list: the next entry's field, else the add button.
    (next?.querySelector('textarea, input') ?? $(`add-${kind}`)).focus();
  });
  list.append(item);
  renumber(list, noun);
  if (kind === 'link') $('no-links').hidden = true;
  if (focus) input.focus();
}

function material() {
  const blocks = [];
  const places = [];
  [...$('blocks').querySelectorAll('textarea')].forEach((box, index) => {
    if (box.value.trim() !== '') {
      blocks.push(box.value);
      places.push(index);
    }
  });
  const links = [...$('links').querySelectorAll('input')]
    .map((input) => input.value.trim())
    .filter((link) => link !== '');
  return { blocks, places, links };
}

// ---- Processing ----

function setBusy(busy, started) {
  const result = $('result');
  if (busy) {
    result.hidden = false;
    result.setAttribute('aria-busy', 'true');
    $('progress').hidden = false;
    $('cancel').hidden = false;
    const tick = () => {
      const seconds = Math.floor((performance.now() - started) / 1000);
      $('elapsed').textContent = `Processing… ${seconds} s`;
    };
    tick();
    state.ticker = setInterval(tick, 1000);
    // The Process button just got disabled; keep a keyboard user's focus on something useful.
    if (document.activeElement === $('process') || document.activeElement === document.body) {
      $('cancel').focus();
    }
  } else {
    result.removeAttribute('aria-busy');
    clearInterval(state.ticker);
    $('progress').hidden = true;
    $('job-state').textContent = '';
    $('progress').querySelector('progress').removeAttribute('value');
    const hadFocus = document.activeElement === $('cancel');
    $('cancel').hidden = true;
    if (hadFocus) $('process').focus();
  }
}

async function processMaterial(event) {
  event.preventDefault();
  if (state.controller) return;
  clearError();
  say('');
  const { blocks, places, links } = material();
  const controller = new AbortController();
  state.controller = controller;
  $('process').disabled = true;
  $('review').hidden = true;
  $('edit-form').hidden = true;
  const started = performance.now();
  const progress = setTimeout(() => setBusy(true, started), PROGRESS_DELAY_MS);
  try {
    const long = blocks.reduce((total, block) => total + block.length, 0) >= JOB_FROM_CHARS;
    const body = { textBlocks: blocks, links };
    const data = long
      ? await processAsJob(body, controller.signal)
      : await postJson('/api/process-persona', body, controller.signal);
    state.blockPlaces = places;
    state.source = { blocks: blocks.length, links: links.length };
    state.shared = false;
    state.data = data;
    state.original = { persona: data.persona, grounding: data.grounding };
    state.savedId = null;
    finish(progress);
    showReview();
    const note = cacheNote(data.usage);
    if (note) say(note);
  } catch (error) {
    finish(progress);
    if (error?.name === 'AbortError') {
      say('Processing was cancelled.');
      $('process').focus();
    } else {
      showError(error);
    }
  }
}

/** Submits `body` as a background job and follows it; a server that runs no jobs answers at once. */
async function processAsJob(body, signal) {
  const answer = await call('/api/process-persona', {
    method: 'POST',
    headers: { 'content-type': 'application/json', prefer: 'respond-async', ...scenarioHeader() },
    body: JSON.stringify(body),
    signal,
  });
  return answer.job ? followJob(answer.job, signal) : answer;
}

/** Reads the job until it ends, with its id in the address meanwhile, and shows its progress. */
async function followJob(first, signal) {
  setJobInAddress(first.id);
  try {
    let job = first;
    for (let n = 0; ; n += 1) {
      showJobProgress(job);
      const data = jobOutcome(job);
      if (data) return data;
      await pause(jobPollDelay(n), signal);
      job = (await call(`/api/get-job?id=${encodeURIComponent(job.id)}`, { signal })).job;
    }
  } finally {
    setJobInAddress(null);
  }
}

/** Waits `ms`, or rejects with an AbortError once `signal` aborts. */
function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      reject(new DOMException('cancelled', 'AbortError'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}

function setJobInAddress(id) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set('job', id);
  else url.searchParams.delete('job');
  window.history.replaceState(null, '', url);
}

function showJobProgress(job) {
  const fraction = jobFraction(job);
  const bar = $('progress').querySelector('progress');
  if (fraction === null) bar.removeAttribute('value');
  else bar.value = fraction;
  const { chunks_done: done, chunks_total: total, completion_tokens: tokens } = job.progress ?? {};
  const parts = total > 0 ? [`${done} of ${total} parts read`] : [];
  // Tokens grow while a model streams its answer: a long part still shows it is moving.
  if (tokens > 0) parts.push(`${tokens} tokens written`);
  $('job-state').textContent = parts.length > 0 ? ` (${job.status}: ${parts.join(', ')})` : ` (${job.status})`;
}

/** After a reload: follows the job named in the address, as if it had just been submitted. */
async function resumeJob(id) {
  const controller = new AbortController();
  state.controller = controller;
  $('process').disabled = true;
  const progress = setTimeout(() => setBusy(true, performance.now()), 0);
  try {
    const first = (await call(`/api/get-job?id=${encodeURIComponent(id)}`, { signal: controller.signal })).job;
    const data = await followJob(first, controller.signal);
    // The material is not on this page any more: blocks keep the numbers they were sent with.
    state.blockPlaces = [];
    state.source = undefined;
    state.shared = false;
    state.data = data;
    state.original = { persona: data.persona, grounding: data.grounding };
    state.savedId = null;
    finish(progress);
    showReview();
  } catch (error) {
    finish(progress);
    setJobInAddress(null);
    if (error?.name === 'AbortError') say('Processing was cancelled.');
    else showError(error);
  }
}

function finish(progress) {
  clearTimeout(progress);
  state.controller = null;
  $('process').disabled = false;
  setBusy(false);
  // Nothing to show until an answer comes (showReview shows it again).
  $('result').hidden = true;
}

function cancelProcessing() {
  state.controller?.abort();
}

// ---- The card ----

function blockName(source) {
  const match = /^block:(\d+)$/.exec(source ?? '');
  if (!match) return 'the source';
  const sent = Number(match[1]);
  const place = state.shared ? sent : (state.blockPlaces[sent] ?? sent);
  return `text block ${place + 1}`;
}

/** A value's grounding: a badge with its status in words, and what backs it on request. */
function badge(entry) {
  if (!entry) return null;
  const label = el('span', { class: `badge badge-${entry.status}`, text: entry.status });
  if (entry.status === 'inferred') {
    return el('span', { class: 'grounding', title: STATUS_TEXT.inferred }, label,
      el('span', { class: 'visually-hidden', text: ` (${STATUS_TEXT.inferred})` }));
  }
  const where = `From ${blockName(entry.source)}` +
    (entry.span ? `, characters ${entry.span.start}–${entry.span.end}.` : '.');
  // A saved entry the service could not verify (unsigned, or changed since it was processed) is
  // the claim of whoever saved it, and says so.
  const detail = el('div', { class: 'grounding-detail' },
    el('p', { text: STATUS_TEXT[entry.status] ?? '' }),
    entry.quote ? el('blockquote', { text: entry.quote }) : null,
    el('p', { text: where }),
    entry.verified === false
      ? el('p', { class: 'unverified', text: 'Not verified by this service: the claim of whoever saved it.' })
      : null);
  return el('details', { class: 'grounding' }, el('summary', {}, label), detail);
}

function renderCard() {
  const { persona, grounding } = state.data;
  const fields = grounding?.fields ?? {};
  const card = $('card');
  const title = el('h2', { id: 'card-name', class: 'card-name' },
    el('span', { class: 'name-text', text: persona.name }));
  const head = el('header', { class: 'card-head' }, title, badge(fields['/name']));
  const facts = el('dl', { class: 'facts' });
  for (const name of ['age', 'occupation', 'location', 'communication_style']) {
    const value = persona[name];
    facts.append(el('div', { class: 'fact', 'data-field': name },
      el('dt', { text: LABELS[name] }),
      el('dd', {},
        value == null
          ? el('span', { class: 'missing', text: 'not given' })
          : el('span', { class: 'value', text: String(value) }),
        value == null ? null : badge(fields[`/${name}`]))));
  }
  card.replaceChildren(head, facts);
  if (persona.background) {
    card.append(el('section', { class: 'card-section' },
      el('h3', { text: LABELS.background }),
      el('p', { class: 'background', text: persona.background })));
  }
  for (const name of ['traits', 'interests', 'skills', 'values', 'goals', 'languages']) {
    const items = persona[name] ?? [];
    if (items.length === 0) continue;
    card.append(el('section', { class: 'card-section', 'data-field': name },
      el('h3', { text: LABELS[name] }),
      el('ul', { class: 'chips' }, ...items.map((item, index) => el('li', { class: 'chip' },
        el('span', { class: 'value', text: item }), badge(fields[`/${name}/${index}`]))))));
  }
  if ((persona.quotes ?? []).length > 0) {
    card.append(el('section', { class: 'card-section', 'data-field': 'quotes' },
      el('h3', { text: LABELS.quotes }),
      el('ul', { class: 'quotes' }, ...persona.quotes.map((quote, index) => el('li', {},
        el('q', { class: 'value', text: quote }), ' ', badge(fields[`/quotes/${index}`]))))));
  }
  if (grounding?.counts) {
    const c = grounding.counts;
    card.append(el('p', { class: 'counts' },
      `Grounding (${grounding.mode}): ${c.quoted} quoted, ${c.stated} stated, ${c.inferred} inferred` +
      (c.fabricated_quotes ? `; ${c.fabricated_quotes} invented quote(s) dropped.` : '.')));
  } else if (state.shared) {
    card.append(el('p', { class: 'counts', text: 'Saved without grounding.' }));
  }
}

function renderWarnings() {
  const warnings = state.data.warnings ?? [];
  $('warnings').hidden = warnings.length === 0;
  $('warning-list').replaceChildren(...warnings.map((w) => el('li', {},
    el('code', { text: w.field }), ` ${w.message} `, el('span', { class: 'code', text: `(${w.code})` }))));
}

function showReview() {
  renderCard();
  renderWarnings();
  $('raw-json').textContent = JSON.stringify(state.data, null, 2);
  $('review-actions').hidden = state.shared;
  $('compose').hidden = state.shared;
  $('new-persona').hidden = !state.shared;
  $('share').hidden = !state.savedId;
  $('approve').disabled = Boolean(state.savedId);
  $('result').hidden = false;
  $('review').hidden = false;
  $('edit-form').hidden = true;
  $('card').focus();
}

// ---- Editing ----

function openEditor() {
  const { persona } = state.data;
  const form = $('edit-form');
  for (const name of FIELDS) {
    const value = persona[name];
    form.elements[name].value = LISTS.has(name) ? (value ?? []).join('\n') : (value ?? '');
  }
  $('review').hidden = true;
  form.hidden = false;
  form.elements.name.focus();
}

function readEditor() {
  const form = $('edit-form');
  const persona = {};
  for (const name of FIELDS) {
    const raw = form.elements[name].value;
    if (LISTS.has(name)) {
      persona[name] = tidyList(raw);
    } else if (name === 'age') {
      const age = raw.trim();
      if (age !== '' && !/^\d+$/.test(age)) {
        throw new ShownError('Age must be a whole number of years, or left empty.');
      }
      persona.age = age === '' ? null : Number(age);
    } else if (name === 'name' || name === 'background') {
      persona[name] = tidy(raw);
    } else {
      persona[name] = tidy(raw) || null;
    }
  }
  return persona;
}

function applyEdit(event) {
  event.preventDefault();
  clearError();
  let edited;
  try {
    edited = readEditor();
  } catch (error) {
    showError(error);
    return;
  }
  const persona = { ...state.data.persona, ...edited };
  state.data = {
    ...state.data,
    persona,
    grounding: regrounded(state.original.persona, persona, state.original.grounding),
  };
  state.savedId = null;
  say('Changes applied. Approve to save them.');
  showReview();
}

function discardEdit() {
  say('');
  showReview();
}

// ---- Saving and sharing ----

function shareUrl(id) {
  return new URL(`/?id=${encodeURIComponent(id)}`, window.location.origin).href;
}

async function approve() {
  if (state.saving) return;
  clearError();
  state.saving = true;
  $('approve').disabled = true;
  try {
    const { persona, grounding } = state.data;
    const saved = await postJson('/api/save-persona', { persona, source: state.source, grounding });
    state.savedId = saved.id;
    const url = shareUrl(saved.id);
    $('share-url').value = url;
    $('share-open').href = url;
    $('share').hidden = false;
    say('Saved. The share link opens this persona.');
    $('share').focus();
  } catch (error) {
    $('approve').disabled = false;
    showError(error);
  } finally {
    state.saving = false;
  }
}

async function copyLink() {
  const input = $('share-url');
  try {
    await navigator.clipboard.writeText(input.value);
    say('Link copied.');
  } catch {
    input.focus();
    input.select();
    say('Could not copy by itself: the link is selected, press Ctrl+C (or ⌘C) to copy it.');
  }
}

async function showSaved(id) {
  state.shared = true;
  $('compose').hidden = true;
  $('result').hidden = false;
  try {
    const data = await call(`/api/get-persona?id=${encodeURIComponent(id)}`);
    state.data = data;
    showReview();
  } catch (error) {
    $('new-persona').hidden = false;
    $('review').hidden = false;
    $('card').replaceChildren(el('p', { text: 'No persona to show.' }));
    $('review-actions').hidden = true;
    $('raw').hidden = true;
    showError(error);
  }
}

async function showMode() {
  try {
    const health = await call('/api/health');
    $('mode').textContent = `Service mode: ${health.mode}`;
    $('mode').dataset.mode = health.mode;
    state.mock = health.mode === 'mock';
    $('simulate-row').hidden = !state.mock;
  } catch {
    $('mode').textContent = 'Service mode: unknown (the health check failed)';
  }
}

function start() {
  $('add-block').addEventListener('click', () => addEntry('block', true));
  $('add-link').addEventListener('click', () => addEntry('link', true));
  $('compose-form').addEventListener('submit', processMaterial);
  $('cancel').addEventListener('click', cancelProcessing);
  $('edit').addEventListener('click', openEditor);
  $('edit-form').addEventListener('submit', applyEdit);
  $('discard').addEventListener('click', discardEdit);
  $('approve').addEventListener('click', approve);
  $('copy').addEventListener('click', copyLink);
  addEntry('block', false);
  showMode();
  const id = new URLSearchParams(window.location.search).get('id');
  if (id !== null) showSaved(id);
  const job = new URLSearchParams(window.location.search).get('job');
  if (job !== null && id === null) resumeJob(job);
}

if (typeof document !== 'undefined') start();
