// The Leo appliance dashboard: plain JavaScript over /api (see docs/dashboard.md). No framework, nothing fetched
// from anywhere but this appliance. Pages are hash routes: #/fleet, #/hpc/MAC, #/ledger.
'use strict';

(() => {
  const STAGES = ['OFF', 'DHCP', 'FILES', 'KERNEL', 'ENROLLED', 'ATTESTED'];
  const STAGE_LABEL = { OFF: 'off', DHCP: 'DHCP', FILES: 'files', KERNEL: 'kernel', ENROLLED: 'enrolled', ATTESTED: 'attested' };
  const LEDGER_PAGE = 50;
  const SEVERITY_RANK = { info: 0, warning: 1, error: 2, critical: 3 };
  const $ = (id) => document.getElementById(id);

  const state = {
    me: null, hpcs: new Map(), detail: null, audit: [], ledgerBefore: null,
    source: null, backoff: 1000, retry: null, startingRetry: null,
  };
  // For the browser tests and the curious: each live event's time at the appliance and when the page showed it.
  window.leoLive = { updates: [] };

  // ---- helpers -------------------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const svgNs = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function millis(t) {
    if (t === null || t === undefined) return NaN;
    if (typeof t === 'number') return t > 1e11 ? t : t * 1000; // Jackson writes epoch seconds as a decimal
    return Date.parse(t);
  }
  function time(t) {
    const m = millis(t);
    return Number.isNaN(m) ? '' : new Date(m).toLocaleTimeString([], { hour12: false });
  }
  function dateTime(t) {
    const m = millis(t);
    return Number.isNaN(m) ? '' : new Date(m).toLocaleString([], { hour12: false });
  }
  function severity(s) {
    return (s || 'info').toLowerCase();
  }
  function isOperator() {
    return !!state.me && state.me.roles.includes('operator');
  }
  function detailLines(detail) {
    return (detail || '').split('\n').filter((l) => l.trim() !== '').map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
    });
  }
  function notice(text) {
    $('notice').textContent = text || '';
  }

  // ---- API -----------------------------------------------------------------------------------------------------
  class Unauthorized extends Error {}
  class Starting extends Error {}

  async function api(path, options) {
    const res = await fetch(path, Object.assign({ credentials: 'same-origin', headers: { Accept: 'application/json' } }, options || {}));
    if (res.status === 401) throw new Unauthorized();
    if (res.status === 503) throw new Starting();
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok && res.status !== 409) {
      throw new Error((body && (body.error || body.message)) || ('HTTP ' + res.status));
    }
    return { status: res.status, body };
  }

  // Runs a load, turning 401 into the login form and 503 into the "starting" page.
  async function guarded(load) {
    try {
      await load();
      return true;
    } catch (e) {
      if (e instanceof Unauthorized) showLogin();
      else if (e instanceof Starting) showStarting();
      else notice('Error: ' + e.message);
      return false;
    }
  }

  // ---- pages ---------------------------------------------------------------------------------------------------
  const PAGES = ['login', 'starting', 'fleet', 'hpc', 'ledger'];
  function show(page) {
    for (const p of PAGES) $(p).hidden = p !== page;
    const signedIn = page !== 'login';
    $('nav').hidden = !signedIn || page === 'starting';
    $('who').hidden = !signedIn;
    for (const a of $('nav').querySelectorAll('a')) {
      if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  function showLogin() {
    closeLive();
    state.me = null;
    show('login');
    document.title = 'Sign in - Leo appliance';
    $('j_username').focus();
  }

  function showStarting() {
    show('starting');
    notice('');
    document.title = 'Starting - Leo appliance';
    clearTimeout(state.startingRetry);
    state.startingRetry = setTimeout(route, 3000);
  }

  async function route() {
    clearTimeout(state.startingRetry);
    if (!state.me) {
      const ok = await guarded(async () => {
        state.me = (await api('/api/me')).body;
      });
      if (!ok) return;
      $('user').textContent = state.me.user + ' (' + state.me.roles.join(', ') + ')';
    }
    const hash = location.hash || '#/fleet';
    const m = hash.match(/^#\/hpc\/([0-9a-fA-F:]{17})$/);
    let ok;
    if (m) ok = await guarded(() => loadHpc(m[1].toLowerCase()));
    else if (hash === '#/ledger') ok = await guarded(loadLedger);
    else ok = await guarded(loadFleet);
    if (ok) openLive();
  }

  // ---- fleet ---------------------------------------------------------------------------------------------------
  async function loadFleet() {
    const [appliance, fleet, hpcs] = await Promise.all([api('/api/appliance'), api('/api/fleet'), api('/api/hpcs')]);
    state.detail = null;
    renderAppliance(appliance.body);
    renderPeers(fleet.body);
    const before = state.hpcs;
    state.hpcs = new Map();
    for (const h of hpcs.body) {
      const seen = before.get(h.mac);
      state.hpcs.set(h.mac, seen && seen.seq > h.seq ? seen : h);
    }
    renderHpcList();
    $('operator-card').hidden = !isOperator();
    show('fleet');
    document.title = 'Fleet - Leo appliance';
  }

  function renderAppliance(a) {
    const facts = $('pi');
    facts.replaceChildren();
    const add = (k, v) => facts.append(el('dt', { text: k }), el('dd', { text: v }));
    add('Host', a.host);
    add('Version', a.version);
    add('Started', dateTime(a.started));
    add('Fleet member', a.member ? a.member.slice(0, 16) + '...' : 'not in a fleet');
    $('components').replaceChildren(...Object.entries(a.components).map(([name, st]) =>
      el('li', { class: 'chip ' + (st === 'UP' ? 'up' : st === 'OFF' ? 'off' : 'wait') }, name + ': ' + st)));
    $('defaults-count').textContent = a.inUse.length;
    $('defaults').replaceChildren(...a.inUse.map((d) => el('li', { text: d })));
  }

  function renderPeers(f) {
    const body = $('peers').tBodies[0];
    body.replaceChildren(...f.peers.map((p) => el('tr', p.self ? { class: 'self' } : {},
      el('td', { class: 'mono', title: p.member }, p.member.slice(0, 12) + '...', p.self ? el('span', { class: 'tag', text: 'this Pi' }) : null),
      el('td', { class: 'mono', text: p.address || '-' }),
      el('td', { class: 'mono', text: p.hpcs.join(', ') || '-' }),
      el('td', { class: 'num', text: String(p.credit) }))));
    $('credit-total').textContent = f.peers.length ? 'Total credit: ' + f.totalCredit : 'This Pi is not in a fleet.';
  }

  function progressBar(h, labelId) {
    const value = STAGES.indexOf(h.stage);
    const wrap = el('div', { class: 'progress' });
    const bar = el('progress', { max: String(STAGES.length - 1), value: String(Math.max(0, value)), 'aria-labelledby': labelId,
      'aria-valuetext': stageText(h), 'data-stage': h.stage });
    const steps = el('ol', { class: 'steps', 'aria-hidden': 'true' }, ...STAGES.slice(1).map((s, i) =>
      el('li', { class: i + 1 <= value ? 'done' : '' }, STAGE_LABEL[s])));
    wrap.append(bar, steps);
    return wrap;
  }

  function stageText(h) {
    const label = STAGE_LABEL[h.stage];
    return h.stageMeaning.startsWith(label) ? h.stageMeaning : label + ': ' + h.stageMeaning;
  }

  function hpcFacts(h) {
    const pair = (k, v, cls) => [el('dt', { class: cls && cls.includes('wide') ? 'wide' : null, text: k }), el('dd', { class: cls || null, text: v })];
    const last = h.lastVerdict ? h.lastVerdict + (h.lastVerdictAt ? ' (' + time(h.lastVerdictAt) + ')' : '') : '-';
    return el('dl', { class: 'facts inline' },
      ...pair('Stage', stageText(h), 'stage wide'),
      ...pair('Address', h.address || '-', 'mono'),
      ...pair('Connected', h.connected ? 'yes' : 'no'),
      ...pair('Challenges', String(h.challenges)),
      ...pair('Verdicts', String(h.verdicts)),
      ...pair('Findings', String(h.findings), h.findings > 0 ? 'bad' : null),
      ...pair('Quarantined', h.quarantined ? 'yes, network cut' : 'no', h.quarantined ? 'bad' : null),
      ...pair('Last verdict', last, 'wide'));
  }

  function hpcItem(h) {
    const id = 'hpc-' + h.mac.replaceAll(':', '');
    const label = id + '-label';
    return el('li', { class: 'card hpc-card' + (h.quarantined ? ' quarantined' : ''), id, 'data-mac': h.mac },
      el('h4', { id: label }, el('a', { href: '#/hpc/' + h.mac }, 'HPC ' + h.mac), el('span', { class: 'sr-only' }, ' boot stage')),
      progressBar(h, label), hpcFacts(h));
  }

  function renderHpcList() {
    const list = [...state.hpcs.values()];
    $('hpcs').replaceChildren(...list.map(hpcItem));
    $('hpcs-empty').hidden = list.length > 0;
  }

  // ---- one HPC -------------------------------------------------------------------------------------------------
  async function loadHpc(mac) {
    const [detail, ledger] = await Promise.all([api('/api/hpcs/' + mac), api('/api/ledger?limit=200')]);
    state.detail = detail.body;
    state.detail.certificates = ledger.body.entries.filter((e) => /certificate/i.test(e.type + ' ' + e.sentence) && e.sentence.includes(mac));
    state.detail.hpc = keep(detail.body.hpc); // a live event during the fetch may have brought a later view
    show('hpc'); // first, so the chart is drawn at the width it is shown at
    renderHpc();
    document.title = 'HPC ' + mac + ' - Leo appliance';
  }

  function renderHpc() {
    const d = state.detail;
    const h = d.hpc;
    $('hpc-h').textContent = 'HPC ' + h.mac;
    const label = 'hpc-detail-label';
    $('hpc-summary').replaceChildren(el('p', { id: label, class: 'sr-only', text: 'Boot stage of HPC ' + h.mac }), progressBar(h, label), hpcFacts(h));
    $('actions').hidden = !isOperator();
    renderChart();
    renderFindings();
    renderAudit();
    renderBootLog();
    renderTimelineTable();
  }

  function renderBootLog() {
    const rows = [...state.detail.bootEvents].sort((a, b) => b.id - a.id);
    $('bootlog').tBodies[0].replaceChildren(...rows.map((e) => el('tr', {},
      el('td', { text: time(e.at) }), el('td', { text: e.stage }), el('td', { text: e.protocol }),
      el('td', { class: 'mono', text: e.file || '' }), el('td', { class: 'num', text: e.bytes ? String(e.bytes) : '' }),
      el('td', { text: e.detail || '' }))));
  }

  function renderTimelineTable() {
    const rows = [...state.detail.timeline].sort((a, b) => b.seq - a.seq);
    $('timeline').tBodies[0].replaceChildren(...rows.map((e) => el('tr', {},
      el('td', { class: 'num', text: String(e.seq) }), el('td', { text: time(e.at) }), el('td', { text: e.kind }),
      el('td', {}, el('span', { class: 'sev sev-' + severity(e.severity), text: severity(e.severity) })),
      el('td', { class: 'mono', text: e.eventId }), el('td', { text: e.message }))));
  }

  function evidence(detail) {
    const lines = detailLines(detail);
    if (!lines.length) return null;
    return el('details', {}, el('summary', {}, 'Evidence (' + lines.length + ')'),
      el('dl', { class: 'evidence' }, ...lines.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { class: 'mono', text: v })])));
  }

  // Findings newest first; the same finding seen again (same event and sentence) is one item with its count.
  function renderFindings() {
    const groups = new Map();
    const findings = state.detail.timeline.filter((e) => e.kind === 'FINDING').sort((a, b) => b.seq - a.seq);
    for (const f of findings) {
      const key = f.eventId + '\n' + f.message;
      if (groups.has(key)) {
        const g = groups.get(key);
        g.count++;
        g.first = f;
      } else {
        groups.set(key, { latest: f, first: f, count: 1 });
      }
    }
    $('findings').replaceChildren(...[...groups.values()].map(({ latest: f, first, count }) => el('li', { class: 'finding sev-border-' + severity(f.severity) },
      el('p', {}, el('span', { class: 'sev sev-' + severity(f.severity), text: severity(f.severity) }), ' ',
        el('span', { class: 'sentence', text: f.message })),
      el('p', { class: 'muted' }, (count > 1 ? 'seen ' + count + ' times, ' + time(first.at) + ' to ' + time(f.at) : time(f.at)) + ' - ',
        el('code', { text: f.eventId })),
      evidence(f.detail))));
    $('findings-none').hidden = findings.length > 0;
  }

  function renderAudit() {
    const mac = state.detail ? state.detail.hpc.mac : null;
    const mine = state.audit.filter((a) => a.hpc === mac);
    $('audit').replaceChildren(...mine.map((a) => el('li', {}, el('span', { class: 'muted', text: time(a.at) + ' ' }), a.message)));
    $('audit-none').hidden = mine.length > 0;
  }

  // The attestation timeline: verdicts, findings by severity and markers for actions, enrollments and quotes over
  // time, with a cumulative count of verdicts; the figcaption says the same in words.
  function renderChart() {
    const entries = state.detail.timeline.filter((e) => !Number.isNaN(millis(e.at)));
    const box = $('chart');
    const caption = $('chart-text');
    const verdicts = entries.filter((e) => e.kind === 'VERDICT');
    const findings = entries.filter((e) => e.kind === 'FINDING');
    const markers = entries.filter((e) => ['ACTION', 'ENROLLMENT', 'TPM_QUOTE', 'TASK'].includes(e.kind));
    const certs = state.detail.certificates || [];
    const h = state.detail.hpc;
    const worst = findings.reduce((w, f) => Math.max(w, SEVERITY_RANK[severity(f.severity)] || 0), -1);
    caption.textContent = 'Attestation timeline of HPC ' + h.mac + ': ' + h.challenges + ' challenge(s) sent, ' + verdicts.length
      + ' verdict(s) logged, ' + findings.length + ' finding(s)'
      + (worst >= 0 ? ', worst severity ' + Object.keys(SEVERITY_RANK)[worst] : '') + ', ' + markers.length + ' action/enrollment marker(s)'
      + (certs.length ? ', ' + certs.length + ' certificate(s) on the ledger (latest: ' + certs[0].sentence + ')' : '') + '.';
    if (!entries.length) {
      box.replaceChildren(el('p', { class: 'muted', text: 'No attestation entries yet.' }));
      return;
    }
    // drawn at the width it is shown at (text stays readable on a phone), within bounds
    const W = Math.max(300, Math.min(960, Math.round(box.clientWidth || 720))), H = 200, L = 74, R = 12, T = 14;
    const t0 = Math.min(...entries.map((e) => millis(e.at)));
    const t1 = Math.max(t0 + 1000, ...entries.map((e) => millis(e.at)));
    const x = (t) => L + (W - L - R) * (millis(t) - t0) / (t1 - t0);
    const lanes = { verdicts: T + 30, findings: T + 80, actions: T + 130 };
    const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title chart-text', class: 'timeline-chart' });
    s.append(svg('title', { id: 'chart-title' }, 'Attestation timeline chart'));
    for (const [name, y] of Object.entries(lanes)) {
      s.append(svg('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'lane' }));
      s.append(svg('text', { x: 4, y: y + 4, class: 'lane-label' }, name));
    }
    s.append(svg('text', { x: L, y: H - 8, class: 'axis' }, time(t0)));
    s.append(svg('text', { x: W - R, y: H - 8, class: 'axis', 'text-anchor': 'end' }, time(t1)));
    // cumulative verdicts, a step line above the verdict lane
    if (verdicts.length > 1) {
      const top = T, bottom = lanes.verdicts - 6;
      let d = '';
      verdicts.forEach((v, i) => {
        const y = bottom - (bottom - top) * (i + 1) / verdicts.length;
        d += (i === 0 ? 'M' : 'H') + x(v.at).toFixed(1) + (i === 0 ? ' ' + bottom + 'V' : ' V') + y.toFixed(1) + ' ';
      });
      s.append(svg('path', { d, class: 'cumulative' }));
    }
    for (const v of verdicts) {
      const c = svg('circle', { cx: x(v.at), cy: lanes.verdicts, r: 5, class: 'dot sev-fill-' + (/clean/.test(v.eventId) ? 'clean' : severity(v.severity)) });
      c.append(svg('title', {}, time(v.at) + ' ' + v.message));
      s.append(c);
    }
    for (const f of findings) {
      const c = svg('rect', { x: x(f.at) - 5, y: lanes.findings - 5, width: 10, height: 10, class: 'dot sev-fill-' + severity(f.severity) });
      c.append(svg('title', {}, time(f.at) + ' ' + severity(f.severity) + ': ' + f.message));
      s.append(c);
    }
    for (const a of markers) {
      const X = x(a.at), Y = lanes.actions;
      const c = svg('path', { d: `M${X} ${Y - 7} L${X + 6} ${Y} L${X} ${Y + 7} L${X - 6} ${Y} Z`, class: 'marker kind-' + a.kind.toLowerCase() });
      c.append(svg('title', {}, time(a.at) + ' ' + a.kind.toLowerCase() + ': ' + a.message));
      s.append(c);
    }
    box.replaceChildren(s, el('ul', { class: 'legend', 'aria-hidden': 'true' },
      el('li', {}, el('span', { class: 'key sev-fill-clean' }), 'clean verdict'),
      ...['warning', 'error', 'critical'].map((k) => el('li', {}, el('span', { class: 'key sev-fill-' + k }), k)),
      el('li', {}, el('span', { class: 'key marker' }), 'action, enrollment, quote')));
  }

  // ---- actions (operator) --------------------------------------------------------------------------------------
  const ACTION_TEXT = {
    'power-cycle': 'Power-cycle HPC %s? It resets at once and boots again.',
    quarantine: 'Quarantine HPC %s? Its network is cut until it is released.',
    release: 'Release HPC %s from quarantine? Its network is restored.',
    'rotate-key': 'Rotate the agent key of HPC %s? Its certificates are revoked and it is power-cycled; it is attested again, '
      + 'with a new key, once it has booted.',
  };

  function confirmAction(text) {
    const dialog = $('confirm');
    $('confirm-text').textContent = text;
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
      dialog.returnValue = '';
      dialog.showModal();
      $('confirm-ok').focus();
    });
  }

  async function act(action) {
    const mac = state.detail.hpc.mac;
    if (!await confirmAction(ACTION_TEXT[action].replace('%s', mac))) {
      $('action-outcome').textContent = action + ' cancelled.';
      return;
    }
    $('action-outcome').textContent = action + ': sending...';
    await guarded(async () => {
      const r = await api('/api/hpcs/' + mac + '/' + action, { method: 'POST' });
      const b = r.body || {};
      $('action-outcome').textContent = (b.ok ? 'Done: ' : 'Failed: ') + action + ' of ' + mac + ' - ' + (b.message || 'HTTP ' + r.status);
      $('action-outcome').className = b.ok ? 'ok' : 'bad';
    });
  }

  // ---- ledger --------------------------------------------------------------------------------------------------
  async function loadLedger(older) {
    const before = older && state.ledgerBefore !== null ? '&before=' + state.ledgerBefore : '';
    const l = (await api('/api/ledger?limit=' + LEDGER_PAGE + before)).body;
    state.detail = null;
    const chain = $('chain');
    if (l.head === null || l.head === undefined) {
      chain.textContent = 'The ledger is empty or off.';
      chain.className = 'chain';
    } else {
      chain.textContent = (l.chainIntact ? 'Hash chain intact' : 'Hash chain BROKEN: ' + (l.chainProblem || '')) + ' - head #' + l.head
        + ' ' + (l.headHash || '').slice(0, 16) + '...';
      chain.className = 'chain ' + (l.chainIntact ? 'ok' : 'bad');
    }
    const rows = l.entries.map((e) => el('tr', {}, el('td', { class: 'num', text: String(e.seq) }), el('td', { text: e.type }),
      el('td', { text: e.sentence }), el('td', { class: 'mono', title: e.hash, text: e.hash.slice(0, 12) + '...' })));
    if (older) $('ledger-table').tBodies[0].append(...rows);
    else $('ledger-table').tBodies[0].replaceChildren(...rows);
    const oldest = l.entries.length ? l.entries[l.entries.length - 1].seq : 0;
    state.ledgerBefore = oldest;
    $('ledger-older').hidden = l.entries.length < LEDGER_PAGE || oldest <= 0;
    show('ledger');
    document.title = 'Ledger - Leo appliance';
  }

  // ---- live updates --------------------------------------------------------------------------------------------
  function openLive() {
    if (state.source) return;
    const source = new EventSource('/api/events');
    state.source = source;
    source.onopen = () => {
      $('live').textContent = 'live';
      $('live').className = 'live on';
      state.backoff = 1000;
      // what happened while the stream was down, or, the first time, between loading this view and the stream opening
      refresh();
    };
    source.onmessage = (m) => {
      try {
        onEvent(JSON.parse(m.data));
      } catch (e) {
        console.warn('live event', e);
      }
    };
    source.onerror = () => {
      closeLive();
      $('live').textContent = 'reconnecting';
      $('live').className = 'live off';
      reconnectLater();
    };
  }

  // Tries again after 1 s, 2 s, 4 s ... 30 s. Why the stream broke shows on the API, not on the stream: a lost session
  // (the sign-in form), an appliance starting again (the "starting" page, which carries on from there), or no answer at
  // all (network down, appliance stopped: try again later).
  function reconnectLater() {
    const wait = state.backoff;
    state.backoff = Math.min(state.backoff * 2, 30000);
    state.retry = setTimeout(async () => {
      try {
        await api('/api/appliance');
        openLive();
      } catch (e) {
        if (e instanceof Unauthorized) showLogin();
        else if (e instanceof Starting) showStarting();
        else reconnectLater();
      }
    }, wait);
  }

  function closeLive() {
    clearTimeout(state.retry);
    if (state.source) state.source.close();
    state.source = null;
  }

  async function refresh() {
    const hash = location.hash || '#/fleet';
    const m = hash.match(/^#\/hpc\/([0-9a-fA-F:]{17})$/);
    if (m) await guarded(() => loadHpc(m[1].toLowerCase()));
    else if (hash === '#/ledger') await guarded(() => loadLedger(false));
    else await guarded(loadFleet);
  }

  // Of an HPC's view just got and the one the page has, the later (by seq): kept in state.hpcs and returned.
  function keep(h) {
    const seen = state.hpcs.get(h.mac);
    const later = seen && seen.seq > h.seq ? seen : h;
    state.hpcs.set(h.mac, later);
    return later;
  }

  function onEvent(ev) {
    const mac = ev.mac || null;
    const d = state.detail && state.detail.hpc.mac === mac ? state.detail : null;
    if (ev.kind === 'hpc' && ev.hpc) {
      const known = state.hpcs.has(ev.hpc.mac);
      if (keep(ev.hpc) !== ev.hpc) return; // a fetch already brought a later view
      if (!$('fleet').hidden) {
        const old = document.getElementById('hpc-' + ev.hpc.mac.replaceAll(':', ''));
        if (old && known) old.replaceWith(hpcItem(ev.hpc));
        else renderHpcList();
      }
      if (d) {
        d.hpc = ev.hpc;
        const label = 'hpc-detail-label';
        $('hpc-summary').replaceChildren(el('p', { id: label, class: 'sr-only', text: 'Boot stage of HPC ' + ev.hpc.mac }),
          progressBar(ev.hpc, label), hpcFacts(ev.hpc));
        renderChart();
      }
    } else if (ev.kind === 'boot' && ev.boot && d) {
      d.bootEvents.push(ev.boot);
      renderBootLog();
    } else if (ev.kind === 'log' && ev.log && d) {
      d.timeline.push(ev.log);
      renderTimelineTable();
      renderFindings();
      renderChart();
    } else if (ev.kind === 'audit' && ev.log) {
      state.audit.unshift({ hpc: ev.log.hpc, at: ev.log.at, message: ev.log.message });
      state.audit.length = Math.min(state.audit.length, 100);
      if (state.detail) renderAudit();
    } else {
      return;
    }
    window.leoLive.updates.push({ kind: ev.kind, mac, stage: ev.hpc ? ev.hpc.stage : null, at: millis(ev.at), shown: Date.now() });
    if (window.leoLive.updates.length > 1000) window.leoLive.updates.shift();
  }

  // ---- wiring --------------------------------------------------------------------------------------------------
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').textContent = '';
    const form = new URLSearchParams({ j_username: $('j_username').value, j_password: $('j_password').value });
    try {
      const res = await fetch('/j_security_check', { method: 'POST', body: form, credentials: 'same-origin' });
      if (res.status === 200 || res.status === 204 || res.status === 302) {
        $('j_password').value = '';
        notice('Signed in.');
        await route();
      } else if (res.status === 429) {
        $('login-error').textContent = 'Too many attempts: wait a minute and try again.';
      } else {
        $('login-error').textContent = 'Wrong user or password.';
        $('j_password').select();
      }
    } catch (err) {
      $('login-error').textContent = 'The appliance did not answer: ' + err.message;
    }
  });

  $('logout').addEventListener('click', async () => {
    closeLive();
    await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => null);
    state.me = null;
    state.hpcs.clear();
    state.detail = null;
    notice('Signed out.');
    showLogin();
  });

  $('enroll-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { mac: $('enroll-mac').value.trim(), address: $('enroll-address').value.trim(), hostname: $('enroll-hostname').value.trim() };
    $('operator-outcome').textContent = 'enroll: sending...';
    await guarded(async () => {
      const r = await fetch('/api/enrollments', { method: 'POST', credentials: 'same-origin',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status === 401) throw new Unauthorized();
      const b = await r.json().catch(() => ({}));
      $('operator-outcome').textContent = (b.ok ? 'Done: enroll of ' + b.hpc + ' - ' + b.message : 'Failed: enroll - ' + (b.message || b.error || 'HTTP ' + r.status));
      $('operator-outcome').className = b.ok ? 'ok' : 'bad';
      if (b.ok) {
        $('enroll-form').reset();
        await loadFleet();
      }
    });
  });

  $('rotate-session-key').addEventListener('click', async () => {
    if (!await confirmAction('Rotate the session key? Every dashboard session ends at once, yours too: everyone signs in again.')) {
      $('operator-outcome').textContent = 'rotate-session-key cancelled.';
      return;
    }
    await guarded(async () => {
      const r = await api('/api/session-key/rotate', { method: 'POST' });
      const b = r.body || {};
      if (!b.ok) {
        $('operator-outcome').textContent = 'Failed: rotate-session-key - ' + (b.message || 'HTTP ' + r.status);
        $('operator-outcome').className = 'bad';
        return;
      }
      state.hpcs.clear();
      state.detail = null;
      notice('The session key was rotated: every session ended. Sign in again.');
      showLogin();
    });
  });

  for (const b of document.querySelectorAll('#actions button[data-action]')) {
    b.addEventListener('click', () => act(b.dataset.action));
  }
  $('ledger-older').addEventListener('click', () => guarded(() => loadLedger(true)));

  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (state.detail && !$('hpc').hidden) renderChart(); }, 200);
  });
  window.addEventListener('hashchange', () => {
    notice('');
    route().then(() => {
      window.scrollTo(0, 0);
      $('main').focus({ preventScroll: true }); // a screen reader starts at the new page's content
    });
  });
  route();
})();
