// addp-stream console: plain JavaScript polling the status service's JSON (no build step).
'use strict';
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  children.forEach(c => e.append(c));
  return e;
};
const enc = encodeURIComponent;
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

async function getJson(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(url + ': ' + r.status);
  return r.json();
}

// ---- operator session: cancelling needs a login (viewing does not)
async function showSession() {
  const s = await getJson('/console/api/session');
  const box = $('#session');
  box.replaceChildren();
  if (s.operator) {
    const out = el('form', { method: 'post', action: '/console/logout' }, el('button', { type: 'submit', textContent: 'Log out' }));
    box.append(el('span', { class: 'muted', textContent: 'operator ' }), out);
  } else if (s.login_enabled) {
    box.append(el('a', { href: '/console/login', id: 'login-link', textContent: 'Operator login' }));
  } else {
    box.append(el('span', { class: 'muted', textContent: 'read-only (no operator token configured)' }));
  }
}
showSession().catch(() => {});

// ---- generation jobs: progress, live preview, result grid, cancel
const jobCards = new Map();

function jobCard(job) {
  let card = jobCards.get(job.job_id);
  if (card) return card;
  card = el('div', { class: 'job', 'data-job-id': job.job_id },
    el('div', { class: 'head' },
      el('b', { class: 'id' }, job.job_id),
      el('span', { class: 'kind muted' }),
      el('span', { class: 'state' }),
      el('span', { class: 'step' }),
      el('progress', { max: 1, value: 0 }),
      el('span', { class: 'images muted' }),
      el('button', { class: 'cancel', type: 'button', textContent: 'Cancel' })),
    el('div', { class: 'reason muted' }),
    el('div', { class: 'body' },
      el('img', { class: 'preview', alt: 'preview' }),
      el('figure', { class: 'source', hidden: true }, el('img', { alt: 'edit source' }), el('figcaption', { class: 'muted' }, 'source')),
      el('div', { class: 'results' })));
  $('.cancel', card).addEventListener('click', async () => {
    $('.cancel', card).disabled = true;
    $('.cancel', card).textContent = 'Cancelling…';
    const r = await fetch('/console/api/jobs/' + enc(job.job_id) + '/cancel', { method: 'POST', credentials: 'same-origin' });
    if (!r.ok) {
      const why = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
      $('.reason', card).textContent = 'cancel refused: ' + why.error;
      $('.cancel', card).textContent = 'Cancel';
      $('.cancel', card).disabled = false;
    }
  });
  jobCards.set(job.job_id, card);
  return card;
}

async function showResults(job, card) {
  const grid = $('.results', card);
  if (grid.children.length >= job.count || card.dataset.loading) return;
  card.dataset.loading = '1';
  try {
    const images = await getJson('/console/api/jobs/' + enc(job.job_id) + '/images');
    const source = $('figure.source', card);
    if (images.length && images[0].source_url && source.hidden) { // an edit: its source beside the results
      $('img', source).src = images[0].source_url;
      source.hidden = false;
    }
    for (const im of images.slice(grid.children.length)) {
      grid.append(el('img', { src: im.url, alt: 'image ' + im.index, title: job.job_id + ' #' + im.index, 'data-index': im.index }));
    }
  } finally {
    delete card.dataset.loading;
  }
}

async function refreshJobs() {
  const jobs = await getJson('/jobs');
  jobs.sort((a, b) => b.updated_at_ms - a.updated_at_ms || a.job_id.localeCompare(b.job_id));
  const box = $('#jobs');
  if (jobs.length) $('p.muted', box)?.remove();
  jobs.forEach((job, i) => {
    const card = jobCard(job);
    if (box.children[i] !== card) box.insertBefore(card, box.children[i] || null);
    card.dataset.state = job.state;
    $('.kind', card).textContent = [job.edit ? 'edit' : '', job.label ? 'label ' + job.label + (job.guidance != null ? ' (guidance ' + job.guidance + ')' : '') : ''].filter(Boolean).join(' · ');
    $('.state', card).textContent = job.state;
    $('.step', card).textContent = 'step ' + job.step + ' of ' + job.total_steps;
    $('progress', card).max = Math.max(1, job.total_steps);
    $('progress', card).value = job.step;
    $('.images', card).textContent = job.images_done + ' / ' + job.count + ' images';
    $('.reason', card).textContent = job.reason ? (job.error_type ? job.error_type + ': ' : '') + job.reason : '';
    const cancel = $('.cancel', card);
    if (ENDED.has(job.state)) { cancel.disabled = true; cancel.hidden = true; }
    const preview = $('.preview', card);
    if (job.has_preview && !ENDED.has(job.state) && preview.dataset.step !== String(job.step)) {
      preview.dataset.step = String(job.step);
      preview.src = '/jobs/' + enc(job.job_id) + '/preview.png?step=' + job.step;
    }
    if (ENDED.has(job.state)) preview.hidden = !preview.getAttribute('src');
    if (job.state === 'SUCCEEDED') showResults(job, card);
  });
}

// ---- recognition results drawn over their images
let lastResults = '';
async function refreshRecognition() {
  const results = await getJson('/console/api/recognition');
  const key = results.map(r => r.request_id).join('|');
  if (key === lastResults) return;
  lastResults = key;
  const grid = $('#recognition');
  grid.replaceChildren(...results.slice(0, 24).map(r => el('div', { class: 'result', 'data-request-id': r.request_id },
    r.has_image ? el('img', { src: r.overlay, alt: r.request_id }) : el('div', { class: 'muted' }, '(image not kept)'),
    el('div', {}, r.labels.slice(0, 3).map(l => l.label + ' ' + l.score.toFixed(2)).join(' · ')),
    el('div', { class: 'muted' }, r.request_id + (r.boxes ? ' · ' + r.boxes + ' boxes' : '') + (r.masks ? ' · ' + r.masks + ' masks' : '')))));
  if (!results.length) grid.replaceChildren(el('p', { class: 'muted' }, 'no results yet'));
}

// ---- dead letters with their typed reasons
let lastDead = '';
async function refreshDeadLetters() {
  const rows = await getJson('/console/api/deadletters');
  const key = rows.map(d => d.source).join('|');
  if (key === lastDead) return;
  lastDead = key;
  $('#deadletters tbody').replaceChildren(...rows.map(d => el('tr', { 'data-error-type': d.error_type, 'data-key': d.key },
    el('td', {}, new Date(d.failed_at_ms).toLocaleTimeString()),
    el('td', { class: 'reason' }, el('b', {}, d.error_type)),
    el('td', {}, d.stage),
    el('td', {}, d.key),
    el('td', {}, d.source),
    el('td', {}, d.message))));
}

// ---- a few figures
async function refreshFigures() {
  const f = await getJson('/console/api/figures');
  $('#fig-throughput').textContent = f.results_per_second.toFixed(1);
  $('#fig-batch').textContent = f.mean_batch_size ? f.mean_batch_size.toFixed(1) : '–';
  let records = 0, seconds = 0;
  const rows = [el('tr', {}, el('th', {}, 'consumer group'), el('th', {}, 'partitions'), el('th', {}, 'lag (records)'), el('th', {}, 'oldest (s)'))];
  for (const [group, g] of Object.entries(f.lag)) {
    records += g.records; seconds = Math.max(seconds, g.max_seconds);
    rows.push(el('tr', { 'data-group': group }, el('td', {}, group), el('td', {}, String(g.partitions)),
      el('td', { class: 'records' }, String(g.records)), el('td', {}, g.max_seconds.toFixed(1))));
  }
  $('#fig-lag').textContent = String(records);
  $('#fig-lag-s').textContent = seconds.toFixed(1);
  $('#lag').replaceChildren(...rows);
}

function every(ms, fn) {
  const run = async () => {
    try {
      await fn();
      $('#updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      $('#updated').textContent = 'error: ' + e.message;
    }
    setTimeout(run, ms);
  };
  run();
}
every(500, refreshJobs);
every(1500, refreshRecognition);
every(1500, refreshDeadLetters);
every(2000, refreshFigures);
