// The pstore page: polls the JSON API and redraws a part only when its answer changed.
'use strict';

const API = 'api/';
const POLL_MS = 1500;
const TYPE_COLOURS = { dmesg: '#1e88e5', pmsg: '#43a047', console: '#fb8c00', ftrace: '#8e24aa' };
const last = {};
let token = null;
let selectedZone = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function bytes(n) {
  if (n >= 1048576 && n % 1048576 === 0) return (n / 1048576) + ' MiB';
  if (n >= 1024 && n % 1024 === 0) return (n / 1024) + ' KiB';
  return n + ' B';
}

/** The answer's status and JSON, or null when it did not change since the last poll. */
async function poll(path) {
  const r = await fetch(API + path, { cache: 'no-store' });
  const text = await r.text();
  const key = r.status + ' ' + text;
  if (last[path] === key) return null;
  last[path] = key;
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

let shownBackend;
function renderStatus(s) {
  token = s.token;
  const name = s.active ? s.active.name : null;
  // a record shown from the previous backend is not on this one
  if (shownBackend !== undefined && shownBackend !== name) document.getElementById('viewer').hidden = true;
  shownBackend = name;
  const box = document.getElementById('status');
  box.replaceChildren();
  const a = s.active;
  box.append(a
    ? el('div', { class: 'backend' }, 'active: ', el('span', { class: 'active', id: 'active-backend' }, a.name),
        ` · ${a.records} record(s) · ${a.kmsgZones} kmsg zones · ${a.dirtyZones} dirty · oops ${a.oopsCount} · panic ${a.panicCount}`)
    : el('div', { class: 'backend' }, el('span', { class: 'none', id: 'active-backend' }, 'no active backend')));
  box.append(el('div', { class: 'backend' }, 'standbys: ' + (s.standbys.length ? s.standbys.join(', ') : 'none')));
  box.append(el('div', { class: 'backend' }, `swaps: ${s.swaps}`));
  const l = s.layout;
  box.append(el('div', { class: 'muted' }, `layout: kmsg ${bytes(l.kmsgSize)}, pmsg ${bytes(l.pmsgSize)}, `
      + `console ${bytes(l.consoleSize)}, ftrace ${bytes(l.ftraceSize)} over ${l.cpus} CPU(s), max reason ${l.maxReason}`
      + (s.bufferedWrites ? ` · ${s.bufferedWrites} write(s) waiting for a backend` : '')));
  if (a && a.device) {
    const figures = a.device.figures.map(f => f.name + '=' + f.value).join(' ');
    if (figures) box.append(el('div', { class: 'muted' }, 'device: ' + figures));
  }
  for (const p of s.problems) box.append(el('div', { class: 'problem' }, p));
}

function zoneText(z) {
  return `${z.type} ${z.index} · offset ${z.offset} · ${bytes(z.size)} · ${z.state}${z.dirty ? ' · dirty' : ''}`
      + (z.detail ? ' · ' + z.detail : '');
}

function renderZones(answer) {
  const box = document.getElementById('partition');
  box.replaceChildren();
  if (answer.status !== 200) {
    box.append(el('div', { class: 'muted' }, answer.body.error));
    return;
  }
  const zones = answer.body;
  const end = zones.reduce((m, z) => Math.max(m, z.offset + z.size), 0) || 1;
  const selected = zones.find(z => z.offset === selectedZone);
  document.getElementById('zone-detail').textContent = selected ? 'selected: ' + zoneText(selected)
      : 'Point at a zone, or click it, for its details.';
  const picture = svg('svg', { viewBox: '0 0 1000 60', preserveAspectRatio: 'none', id: 'partition-svg' });
  for (const z of zones) {
    const colour = TYPE_COLOURS[z.type] || '#757575';
    const damaged = z.state === 'damaged' || z.state === 'unreadable';
    const rect = svg('rect', {
      x: (z.offset / end * 1000).toFixed(3), y: 0, width: (z.size / end * 1000).toFixed(3), height: 60,
      fill: damaged ? '#e53935' : z.state === 'skipped' ? '#9e9e9e' : colour,
      'fill-opacity': z.state === 'record' ? 1 : z.state === 'erased' ? 0.45 : damaged ? 0.9 : 0.18,
      class: [z.state, z.dirty ? 'dirty' : '', selectedZone === z.offset ? 'selected' : ''].join(' ').trim(),
      'data-type': z.type, 'data-state': z.state
    });
    const title = svg('title');
    title.textContent = zoneText(z);
    rect.append(title);
    rect.addEventListener('mouseenter', () => { document.getElementById('zone-detail').textContent = zoneText(z); });
    rect.addEventListener('click', () => {
      selectedZone = z.offset;
      document.querySelectorAll('#partition rect.selected').forEach(r => r.classList.remove('selected'));
      rect.classList.add('selected');
      document.getElementById('zone-detail').textContent = 'selected: ' + zoneText(z);
    });
    picture.append(rect);
  }
  box.append(picture);
  const legend = document.getElementById('legend');
  legend.replaceChildren('types:');
  for (const [type, colour] of Object.entries(TYPE_COLOURS)) {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = colour;
    legend.append(swatch, type);
  }
  legend.append(' · full colour: a record; pale: empty; half: erased; red: damaged; dashed outline: dirty');
}

function renderRecords(answer) {
  const body = document.querySelector('#records tbody');
  body.replaceChildren();
  if (answer.status !== 200) {
    body.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, answer.body.error)));
    return;
  }
  if (!answer.body.length) body.append(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'no records')));
  for (const r of answer.body) {
    const open = el('a', { class: 'open', 'data-name': r.name }, r.name);
    open.addEventListener('click', () => view(r.name));
    const erase = el('button', { class: 'erase', 'data-name': r.name }, 'erase');
    erase.addEventListener('click', () => eraseRecord(r.name));
    body.append(el('tr', { 'data-name': r.name }, el('td', {}, open), el('td', {}, r.type),
        el('td', {}, r.time || ''), el('td', { class: 'num' }, String(r.size)), el('td', {}, erase)));
  }
}

function hexDump(data) {
  const lines = [];
  for (let i = 0; i < data.length; i += 16) {
    const row = Array.from(data.subarray(i, i + 16));
    lines.push(i.toString(16).padStart(8, '0') + '  ' + row.map(b => b.toString(16).padStart(2, '0')).join(' ').padEnd(48)
        + '  ' + row.map(b => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join(''));
  }
  return lines.join('\n');
}

async function view(name) {
  const r = await fetch(API + 'records/' + encodeURIComponent(name), { cache: 'no-store' });
  const viewer = document.getElementById('viewer');
  document.getElementById('viewer-title').textContent = name;
  const text = document.getElementById('viewer-text');
  if (!r.ok) {
    text.textContent = (await r.json()).error;
  } else {
    const data = new Uint8Array(await r.arrayBuffer());
    text.textContent = name.endsWith('.enc.z') ? hexDump(data) : new TextDecoder('utf-8').decode(data);
  }
  viewer.hidden = false;
}

async function eraseRecord(name) {
  if (!confirm('Erase ' + name + '?')) return;
  const r = await fetch(API + 'records/' + encodeURIComponent(name), { method: 'DELETE', headers: { 'X-Pstore-Token': token } });
  if (!r.ok) alert('not erased: ' + (await r.json()).error);
  if (document.getElementById('viewer-title').textContent === name) document.getElementById('viewer').hidden = true;
  refresh();
}

function renderCrashes(answer) {
  const body = document.querySelector('#crashes tbody');
  body.replaceChildren();
  if (answer.status !== 200) {
    body.append(el('tr', {}, el('td', { colspan: 4, class: 'muted' }, answer.body.error)));
    return;
  }
  if (!answer.body.length) body.append(el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'no archived crashes')));
  for (const c of answer.body) {
    body.append(el('tr', { 'data-id': c.id }, el('td', {}, c.time || ''), el('td', {}, c.reason + (c.counter ? ' #' + c.counter : '')),
        el('td', {}, c.summary || ''), el('td', { class: 'muted' }, c.id)));
  }
}

let running = false;
async function refresh() {
  if (running) return;
  running = true;
  try {
    const s = await poll('status');
    if (s) renderStatus(s.body);
    const z = await poll('zones');
    if (z) renderZones(z);
    const r = await poll('records');
    if (r) renderRecords(r);
    const c = await poll('crashes');
    if (c) renderCrashes(c);
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById('updated').textContent = 'cannot reach the gateway: ' + e;
  } finally {
    running = false;
  }
}

refresh();
setInterval(refresh, POLL_MS);
