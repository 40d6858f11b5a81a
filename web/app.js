/* wirelens dashboard.
 *
 * Plain browser JavaScript, no build step. Two modes:
 *  - live:   talks to the daemon (/api/v1/*, Server-Sent Events on /api/v1/events);
 *  - report: renders the JSON embedded by the report generator in
 *            <script type="application/json" id="wl-report">, with no network at all.
 *
 * Every string that comes from the network or the server is inserted with
 * textContent / createTextNode, never as HTML (CSP forbids inline code anyway).
 */
'use strict';

/* ------------------------------------------------------------------ */
/* Pure helpers (also exported for node tests at the bottom)           */
/* ------------------------------------------------------------------ */

/** RFC 7386 JSON Merge Patch: objects merge, null deletes, anything else
 *  (arrays included) replaces. Mutates and returns target when possible. */
function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return patch;
  }
  const out = (target !== null && typeof target === 'object' && !Array.isArray(target)) ? target : {};
  for (const key of Object.keys(patch)) {
    // A "__proto__" key from JSON.parse is an own property; assigning it would
    // change the prototype instead, so it is ignored.
    if (key === '__proto__') continue;
    const value = patch[key];
    if (value === null) {
      delete out[key];
    } else {
      out[key] = mergePatch(out[key], value);
    }
  }
  return out;
}

/** Integer with thousands separators ("1,234,567"). */
function fmtInt(n) {
  if (n === null || n === undefined || n === '' || !isFinite(Number(n))) return '–';
  return Math.round(Number(n)).toLocaleString('en-US');
}

/** Value with SI prefix: fmtSI(3783342, 'bit/s') -> "3.78 Mbit/s". */
function fmtSI(v, unit) {
  v = Number(v);
  if (!isFinite(v)) return '–';
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P'];
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < prefixes.length - 1) { x /= 1000; i++; }
  let s;
  if (i === 0) s = (Number.isInteger(x) ? String(x) : x.toFixed(x < 10 ? 2 : 1));
  else s = x.toFixed(x < 10 ? 2 : (x < 100 ? 1 : 0));
  return (v < 0 ? '-' : '') + s + ' ' + prefixes[i] + unit;
}

function fmtBytes(n) { return fmtSI(n, 'B'); }
function fmtBps(n) { return fmtSI(n, 'bit/s'); }
function fmtPps(n) { return fmtSI(n, 'pps'); }

/** Duration in seconds -> "0.496 s", "12.3 s", "4 m 05 s", "2 h 03 m". */
function fmtDuration(s) {
  s = Number(s);
  if (!isFinite(s)) return '–';
  if (s < 10) return s.toFixed(3) + ' s';
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' m ' + String(Math.floor(s % 60)).padStart(2, '0') + ' s';
  const h = Math.floor(m / 60);
  if (h < 48) return h + ' h ' + String(m % 60).padStart(2, '0') + ' m';
  return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
}

/** Percent with one decimal. */
function fmtPct(part, whole) {
  if (!whole) return '0.0%';
  return (100 * part / whole).toFixed(1) + '%';
}

/** "2023-11-14T22:13:20.001000000Z" -> "22:13:20.001" (UTC, from the string so
 *  sub-millisecond digits never go through a Date). */
function fmtPacketTime(iso) {
  if (typeof iso !== 'string') return '';
  const m = /T(\d\d:\d\d:\d\d)(\.\d{1,3})?/.exec(iso);
  if (!m) return iso;
  return m[1] + (m[2] ? m[2].padEnd(4, '0') : '.000');
}

/** Unix seconds -> "HH:MM:SS" local time (timeline labels). */
function fmtClock(t, withDate) {
  const d = new Date(t * 1000);
  const p = (x) => String(x).padStart(2, '0');
  const hm = p(d.getHours()) + ':' + p(d.getMinutes());
  if (withDate) return p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + hm;
  return hm + ':' + p(d.getSeconds());
}

/** Human description of a packet record's decoded payload (record.info) and
 *  its TCP flags / ICMP type. */
function packetInfo(r) {
  const parts = [];
  const i = r && r.info;
  const qt = (q) => q === undefined || q === null ? '' : (typeof q === 'number' ? ' type ' + q : ' ' + q);
  if (i && typeof i === 'object') {
    switch (i.kind) {
      case 'dns_query':
        parts.push('DNS query ' + (i.name || '') + qt(i.qtype));
        break;
      case 'dns_response': {
        let s = 'DNS response ' + (i.name || '') + qt(i.qtype);
        if (i.rcode !== undefined) s += ' rcode ' + i.rcode;
        if (i.answers !== undefined) s += ', ' + i.answers + ' answer' + (i.answers === 1 ? '' : 's');
        parts.push(s);
        break;
      }
      case 'tls_client_hello':
        parts.push(i.sni ? 'TLS SNI ' + i.sni : 'TLS ClientHello (no SNI)');
        break;
      case 'http_request':
        parts.push('HTTP ' + (i.method || '?') + (i.host ? ' ' + i.host : ''));
        break;
      case 'http_response':
        parts.push('HTTP ' + (i.status !== undefined ? i.status : '?'));
        break;
      default:
        if (i.kind) parts.push(String(i.kind));
    }
    if (i.truncated) parts.push('(truncated)');
  }
  if (r && r.tcp_flags) parts.push('[' + r.tcp_flags + ']');
  if (r && r.icmp_type !== undefined && r.icmp_type !== null) parts.push('type ' + r.icmp_type);
  if (r && r.vlan !== undefined && r.vlan !== null) parts.push('vlan ' + r.vlan);
  return parts.join(' ');
}

/** Value of one packet table column for display and sorting. */
function packetCell(r, key) {
  switch (key) {
    case 'seq': return fmtPacketTime(r.time);
    case 'info': return packetInfo(r);
    case 'src': return r.src !== undefined ? String(r.src) : (r.l3 || '');
    case 'dst': return r.dst !== undefined ? String(r.dst) : '';
    case 'sport': case 'dport':
      return (r[key] === undefined || r[key] === null) ? '' : String(r[key]);
    case 'len': return fmtInt(r.len);
    default: return r[key] === undefined || r[key] === null ? '' : String(r[key]);
  }
}

/** Comparator for the packet table. Numeric columns compare as numbers. */
function packetCompare(key, dir) {
  const numeric = key === 'seq' || key === 'sport' || key === 'dport' || key === 'len';
  const sign = dir === 'asc' ? 1 : -1;
  return function (a, b) {
    let x, y;
    if (numeric) {
      x = Number(a[key]); y = Number(b[key]);
      if (!isFinite(x)) x = -1;
      if (!isFinite(y)) y = -1;
      if (x !== y) return (x - y) * sign;
    } else {
      x = packetCell(a, key); y = packetCell(b, key);
      if (x !== y) return (x < y ? -1 : 1) * sign;
    }
    return (Number(a.seq) - Number(b.seq)) * sign;
  };
}

/** Packets and bytes of a {packets, bytes} counter, tolerant to missing parts. */
function cnt(c, field) {
  return (c && typeof c === 'object' && isFinite(Number(c[field]))) ? Number(c[field]) : 0;
}

/** Safe deep property read: get(obj, 'a.b.c'). */
function get(obj, path) {
  let o = obj;
  for (const k of path.split('.')) {
    if (o === null || o === undefined || typeof o !== 'object') return undefined;
    o = o[k];
  }
  return o;
}

/** Sorting key for talker entries in report mode (the server sorts in live mode). */
function talkerKey(e, dir, sort) {
  if (dir === 'in' || dir === 'out') return cnt(e[dir], sort);
  if (e.tx || e.rx) return cnt(e.tx, sort) + cnt(e.rx, sort);
  return cnt(e.a_to_b, sort) + cnt(e.b_to_a, sort);
}

/** Milliseconds with a precision that suits the size: "0.045", "5.01", "12.3", "1,234". */
function fmtMs(v) {
  if (v === null || v === undefined || v === '') return '–';
  v = Number(v);
  if (!isFinite(v)) return '–';
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return fmtInt(v);
}

/** A histogram bucket bound in ms as a label: 0.25 -> "≤0.25 ms", 2500 -> "≤2.5 s". */
function fmtLe(ms, above) {
  const v = Number(ms);
  const t = v >= 1000 ? String(v / 1000) + ' s' : String(v) + ' ms';
  return (above ? '>' : '≤') + t;
}

/** Labels of a histogram with bounds le_ms: one per bound and one for above the last. */
function latencyLabels(le) {
  if (!Array.isArray(le) || !le.length) return [];
  return le.map((v) => fmtLe(v)).concat([fmtLe(le[le.length - 1], true)]);
}

/** A per-second rate: "0.5", "12", "5,200". */
function fmtRate(v) {
  if (v === null || v === undefined || v === '') return '–';
  v = Number(v);
  if (!isFinite(v)) return '–';
  if (v > 0 && v < 10 && !Number.isInteger(v)) return v.toFixed(1);
  return fmtInt(v);
}

/** A ratio (0.012) as a percentage ("1.2%"), keeping small non-zero ratios visible. */
function fmtRatioPct(r) {
  if (r === null || r === undefined || r === '') return '–';
  const p = 100 * Number(r);
  if (!isFinite(p)) return '–';
  if (p === 0) return '0%';
  if (p < 0.01) return '<0.01%';
  if (p < 1) return p.toFixed(2) + '%';
  return p.toFixed(1) + '%';
}

/** ISO 8601 UTC time -> local "HH:MM:SS.mmm", with the date in front when it is not
 *  the day of `now` (a Date; default the current time). */
function fmtLocalTime(iso, now) {
  if (typeof iso !== 'string' || !iso) return '–';
  const ms = Date.parse(iso);
  if (!isFinite(ms)) return iso;
  const d = new Date(ms);
  const n = now || new Date();
  const p = (x, w) => String(x).padStart(w || 2, '0');
  const t = p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? t : d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + t;
}

/** A link target from the server, if it is a path on this origin ("/api/..."); else null. */
function sameOriginPath(url) {
  if (typeof url !== 'string' || !/^\/(?![\/\\])/.test(url) || /[\\\s]/.test(url)) return null;
  return url;
}

const ANOMALY_TYPES = { port_scan: 'Port scan', syn_flood: 'SYN flood' };
const SCAN_METHODS = { syn: 'SYN', connect: 'connect()', fin: 'FIN', null: 'NULL', xmas: 'Xmas', udp: 'UDP' };

/** "Port scan", "SYN flood", or the type with spaces for one this page does not know. */
function anomalyTitle(a) {
  const t = a && typeof a.type === 'string' ? a.type : '';
  return ANOMALY_TYPES[t] || (t ? t.replace(/_/g, ' ') : 'anomaly');
}

/** "vertical, SYN" for a scan; '' when neither is given. */
function anomalyKind(a) {
  if (!a) return '';
  const parts = [];
  if (a.scan) parts.push(String(a.scan));
  if (a.method) parts.push(SCAN_METHODS[a.method] || String(a.method));
  return parts.join(', ');
}

/** "198.18.0.1, 198.18.0.3 +5 more": at most `max` targets, and how many hosts are left. */
function anomalyTargets(a, max) {
  const list = Array.isArray(a && a.targets) ? a.targets.map(String) : [];
  const total = Math.max(list.length, Number(a && a.hosts) || 0);
  const shown = list.slice(0, max || 5);
  const more = total - shown.length;
  return shown.join(', ') + (more > 0 ? (shown.length ? ' ' : '') + '+' + fmtInt(more) + ' more' : '');
}

if (typeof module !== 'undefined' && module.exports) {
  module.exports = { mergePatch, fmtInt, fmtSI, fmtBytes, fmtBps, fmtPps, fmtDuration, fmtPct,
    fmtPacketTime, packetInfo, packetCell, packetCompare, talkerKey, fmtMs, fmtLe, latencyLabels,
    fmtRate, fmtRatioPct, fmtLocalTime, sameOriginPath, anomalyTitle, anomalyKind, anomalyTargets };
}

/* ------------------------------------------------------------------ */
/* Browser part                                                        */
/* ------------------------------------------------------------------ */

if (typeof document !== 'undefined') (function () {

  const MAX_PACKETS = 2000;
  const L4_ORDER = ['tcp', 'udp', 'icmp', 'icmpv6', 'other'];
  // Palette readable on both the light and the dark background.
  const PALETTE = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#06b6d4',
    '#ec4899', '#84cc16', '#f97316', '#14b8a6', '#a855f7', '#eab308', '#64748b',
    '#22c55e', '#e11d48', '#0ea5e9', '#d946ef', '#78716c'];
  const L4_COLORS = { tcp: '#3b82f6', udp: '#f59e0b', icmp: '#10b981', icmpv6: '#8b5cf6', other: '#64748b' };

  const $ = (id) => document.getElementById(id);

  /* ---------- state ---------- */

  const S = {
    mode: 'live',
    report: null,          // parsed report JSON in report mode
    token: null,
    status: null,
    stats: null,
    packets: [],           // live packet store, oldest first, at most MAX_PACKETS
    filtered: null,        // display-filter results (array) or null for live
    filterExpr: '',
    paused: false,
    packetsDirty: true,
    sortKey: 'seq',
    sortDir: 'desc',
    search: '',
    protoLayer: 'l4',
    tlUnit: 'pps',
    tlWindow: 300,
    tlResolution: 1,
    tlPoints: [],
    tlSpikes: [],
    tlDirty: true,
    talkMode: 'txrx',
    talkDir: '',
    talkSort: 'bytes',
    pairs: [],
    flows: [],
    bpfShown: false,
    es: null,
    esRetryTimer: null,
    started: false,
    userTouched: { iface: false, backend: false, filter: false },
    rendered: false,
    renderQueued: false,
    charts: {},
    latencyApi: null,      // last /api/v1/latency answer {data, err} (the snapshot's wins)
    anomalyApi: null,      // last /api/v1/anomalies answer {data, err}
    drawn: {},             // JSON of what each panel shows now (skip unchanged re-renders)
  };

  /* ---------- small DOM helpers ---------- */

  function setText(id, text) {
    const el = typeof id === 'string' ? $(id) : id;
    if (el) el.textContent = text === undefined || text === null ? '' : String(text);
  }

  /** createElement with class and text (text via textContent). */
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function td(text, cls) { return el('td', cls, text); }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function emptyRow(tbody, cols, text) {
    const tr = el('tr');
    const c = td(text, 'empty');
    c.colSpan = cols;
    tr.appendChild(c);
    tbody.appendChild(tr);
  }

  function setPressed(onId, offIds) {
    $(onId).setAttribute('aria-pressed', 'true');
    for (const id of offIds) $(id).setAttribute('aria-pressed', 'false');
  }

  /* ---------- theme ---------- */

  function isDark() {
    const root = document.documentElement;
    if (root.classList.contains('theme-dark')) return true;
    if (root.classList.contains('theme-light')) return false;
    return !!(window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches);
  }

  function applyTheme(name) {
    const root = document.documentElement;
    root.classList.remove('theme-dark', 'theme-light');
    if (name === 'dark' || name === 'light') root.classList.add('theme-' + name);
    $('theme-toggle').textContent = isDark() ? 'Light' : 'Dark';
    applyChartTheme();
  }

  function initTheme() {
    let saved = null;
    try { saved = localStorage.getItem('wl-theme'); } catch (e) { /* storage off */ }
    applyTheme(saved);
    $('theme-toggle').addEventListener('click', () => {
      const next = isDark() ? 'light' : 'dark';
      try { localStorage.setItem('wl-theme', next); } catch (e) { /* storage off */ }
      applyTheme(next);
    });
    if (window.matchMedia) {
      const mq = window.matchMedia('(prefers-color-scheme: dark)');
      const onChange = () => applyTheme(document.documentElement.classList.contains('theme-dark') ? 'dark'
        : document.documentElement.classList.contains('theme-light') ? 'light' : null);
      if (mq.addEventListener) mq.addEventListener('change', onChange);
    }
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /* ---------- charts ---------- */

  const hasChart = typeof window.Chart === 'function';

  // Paints the card colour behind each chart so PNG exports are not transparent.
  const backgroundPlugin = {
    id: 'wlBackground',
    beforeDraw(chart) {
      const ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = 'destination-over';
      ctx.fillStyle = cssVar('--card') || '#ffffff';
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  function applyChartTheme() {
    if (!hasChart) return;
    Chart.defaults.color = cssVar('--fg') || '#333';
    Chart.defaults.borderColor = cssVar('--grid') || 'rgba(0,0,0,0.1)';
    for (const c of Object.values(S.charts)) {
      for (const sc of Object.values(c.options.scales || {})) {
        if (sc.grid) sc.grid.color = Chart.defaults.borderColor;
        if (sc.ticks) sc.ticks.color = Chart.defaults.color;
        if (sc.title) sc.title.color = Chart.defaults.color;
      }
      if (c.options.plugins && c.options.plugins.legend && c.options.plugins.legend.labels) {
        c.options.plugins.legend.labels.color = Chart.defaults.color;
      }
      c.update('none');
    }
  }

  function makeCharts() {
    if (!hasChart) {
      for (const id of ['chart-protocols', 'chart-timeline', 'chart-talkers', 'latency-chart']) {
        const p = el('p', 'muted', 'Chart library not loaded.');
        $(id).parentNode.appendChild(p);
      }
      return;
    }
    Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.responsive = true;

    S.charts.protocols = new Chart($('chart-protocols'), {
      type: 'doughnut',
      data: { labels: [], datasets: [{ data: [], backgroundColor: [], borderWidth: 1 }] },
      options: {
        plugins: {
          legend: { position: 'right', labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: (c) => ' ' + c.label + ': ' + fmtInt(c.raw) + ' packets' } },
        },
      },
      plugins: [backgroundPlugin],
    });

    S.charts.timeline = new Chart($('chart-timeline'), {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        interaction: { mode: 'index', intersect: false },
        elements: { point: { radius: 0 }, line: { borderWidth: 1.5, tension: 0.2 } },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
          y: { stacked: true, beginAtZero: true,
            ticks: { callback: (v) => S.tlUnit === 'bps' ? fmtBps(v) : fmtSI(v, '') } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: (c) => ' ' + c.dataset.label + ': ' +
            (c.raw === null ? '' : (S.tlUnit === 'bps' ? fmtBps(c.raw) : fmtPps(c.raw))) } },
        },
      },
      plugins: [backgroundPlugin],
    });

    S.charts.talkers = new Chart($('chart-talkers'), {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        indexAxis: 'y',
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6, callback: (v) => fmtBytes(v) } },
          y: { stacked: true, ticks: { autoSkip: false } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: { callbacks: {
            title: (items) => items.length ? (S.talkFull[items[0].dataIndex] || '') : '',
            label: (c) => ' ' + c.dataset.label + ': ' + fmtBytes(c.raw) + ' (' + fmtInt(c.raw) + ' B)',
          } },
        },
      },
      plugins: [backgroundPlugin],
    });
    S.talkFull = [];

    S.charts.latency = new Chart($('latency-chart'), {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true } },
          y: { beginAtZero: true, title: { display: true, text: 'samples' },
            ticks: { precision: 0, callback: (v) => fmtSI(v, '') } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: (c) => ' ' + c.dataset.label + ': ' + fmtInt(c.raw) + ' samples' } },
        },
      },
      plugins: [backgroundPlugin],
    });
    applyChartTheme();
  }

  /** PNG buttons: download the canvas as an image. */
  function initPngButtons() {
    for (const b of document.querySelectorAll('button[data-png]')) {
      b.addEventListener('click', () => {
        const canvas = $(b.dataset.png);
        if (!canvas) return;
        const a = document.createElement('a');
        a.href = canvas.toDataURL('image/png');
        a.download = 'wirelens-' + b.dataset.png.replace(/^chart-/, '') + '.png';
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
    }
  }

  /* ---------- API access ---------- */

  function authHeaders(extra) {
    const h = Object.assign({}, extra || {});
    if (S.token) h.Authorization = 'Bearer ' + S.token;
    return h;
  }

  /** fetch JSON. Resolves {ok, status, data}; a 401 opens the token prompt.
   *  Network failures resolve with status 0. */
  async function api(path, opts) {
    opts = opts || {};
    const init = { method: opts.method || 'GET', headers: authHeaders(opts.headers), cache: 'no-store' };
    if (opts.body !== undefined) {
      init.body = JSON.stringify(opts.body);
      init.headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      return { ok: false, status: 0, data: { error: 'network error: ' + (e && e.message ? e.message : e) } };
    }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (res.status === 401) showAuth(data && data.error);
    if (!res.ok && (!data || typeof data.error !== 'string')) {
      data = { error: 'HTTP ' + res.status };
    }
    return { ok: res.ok, status: res.status, data };
  }

  /** Text for an error answer, with the position of a bad filter if given. */
  function errorText(r) {
    let s = (r.data && r.data.error) ? String(r.data.error) : ('HTTP ' + r.status);
    if (r.data && r.data.position !== undefined && r.data.position !== null) s += ' (at position ' + r.data.position + ')';
    return s;
  }

  /* ---------- auth prompt ---------- */

  function showAuth(msg) {
    $('auth-box').hidden = false;
    setText('auth-error', S.token ? (msg || 'token refused') : '');
    setConn('offline');
  }

  function initAuth() {
    try { S.token = sessionStorage.getItem('wl-token') || null; } catch (e) { S.token = null; }
    $('auth-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = $('auth-token').value.trim();
      if (!v) return;
      S.token = v;
      try { sessionStorage.setItem('wl-token', v); } catch (e) { /* storage off */ }
      $('auth-box').hidden = true;
      $('auth-token').value = '';
      startLive();
    });
  }

  /* ---------- connection badge ---------- */

  function setConn(state) {
    const b = $('conn-state');
    const text = { live: 'live', reconnecting: 'reconnecting…', offline: 'offline' }[state] || state;
    b.dataset.conn = state;
    b.textContent = text;
  }

  /* ---------- bpftool hints ---------- */

  /** Commands for the pinned BPF maps, or null when status.bpf is null (pcap). */
  function bpfCommands() {
    const bpf = S.status && S.status.bpf;
    if (!bpf || typeof bpf !== 'object' || !bpf.pin_path) return null;
    const maps = bpf.maps || {};
    const cmd = (m) => m ? 'bpftool map dump pinned ' + String(bpf.pin_path).replace(/\/+$/, '') + '/' + m : null;
    return { stats: cmd(maps.stats), flows: cmd(maps.flows), health: cmd(maps.health) };
  }

  function renderBpfHints() {
    const cmds = bpfCommands();
    $('bpf-toggle').hidden = !cmds;
    for (const node of document.querySelectorAll('[data-bpf]')) {
      const c = cmds && cmds[node.dataset.bpf];
      if (node.classList.contains('bpf-hint')) {
        node.textContent = c || '';
        node.hidden = !(c && S.bpfShown);
      } else if (c) {
        node.title = c;
      } else {
        node.removeAttribute('title');
      }
    }
  }

  function initBpfToggle() {
    $('bpf-toggle').addEventListener('click', () => {
      S.bpfShown = !S.bpfShown;
      $('bpf-toggle').setAttribute('aria-pressed', String(S.bpfShown));
      renderBpfHints();
    });
  }

  /* ---------- header / overview ---------- */

  function renderHeader() {
    const st = S.stats || {};
    const src = st.source || (S.status && S.status.source) || {};
    let backend = src.backend || (S.status && S.status.capture && S.status.capture.backend) || '–';
    if (src.ingress) {
      // Which hook counts received frames (native/generic XDP, or TC) and how TC attaches.
      const hook = src.ingress === 'xdp' ? 'xdp ' + (src.xdp_mode || '') : 'tc';
      backend += ' (' + hook + ' ingress' + (src.tc_attach ? ', ' + src.tc_attach : '') + ')';
    }
    setText('source-backend', backend);
    $('source-backend').title = src.backend_reason ? 'backend: ' + src.backend_reason : 'capture backend';
    const where = src.interface || (S.status && S.status.capture && S.status.capture.interface) || src.file || '–';
    setText('source-iface', where);
    setText('version', st.version || (S.status && S.status.version) ? 'v' + (st.version || S.status.version) : '');

    const totals = st.totals || {};
    setText('total-packets', fmtInt(totals.packets));
    setText('total-bytes', fmtInt(totals.bytes) + ' B');
    setText('total-bytes-human', totals.bytes !== undefined ? fmtBytes(totals.bytes) : '');

    const r = st.rates || {};
    setText('rate-pps', fmtPps(r.pps));
    setText('rate-bps', fmtBps(r.bps));
    setText('rate-pps-sub', 'avg ' + fmtPps(r.avg_pps) + ' · peak ' + fmtPps(r.peak_pps));
    setText('rate-bps-sub', 'avg ' + fmtBps(r.avg_bps) + ' · peak ' + fmtBps(r.peak_bps));

    const f = st.filter || {};
    let line = fmtInt(cnt(f.matched, 'packets')) + ' of ' + fmtInt(cnt(f.seen, 'packets')) + ' frames matched';
    line += f.expression ? ' the capture filter: ' + f.expression : ' (no capture filter)';
    if (st.duration_s !== undefined) line += ' · duration ' + fmtDuration(st.duration_s);
    if (src.started) line += ' · started ' + src.started;
    setText('filter-line', line);
  }

  function renderState() {
    const state = S.mode === 'report' ? reportState() : (S.status && S.status.state) || '';
    document.body.dataset.state = state;
    const chip = $('capture-state');
    chip.dataset.state = state;
    chip.textContent = state || '–';
  }

  function reportState() {
    const src = (S.stats && S.stats.source) || {};
    return src.kind === 'file' ? 'finished' : 'stopped';
  }

  /* ---------- sensor health ---------- */

  function renderHealth() {
    // The loss counters (ring buffer, pcap, flow table, rate limit) are in the self-loss panel.
    const st = S.stats || {};
    const tables = get(st, 'talkers.tables') || {};
    const rows = [];
    for (const name of ['hosts', 'pairs', 'flows']) {
      const t = tables[name];
      if (t) rows.push(['Talker table ' + name + ' full (' + fmtInt(t.entries) + ' / ' + fmtInt(t.cap) + ')', t.cap_hits, 'flows']);
    }
    rows.push(['Parse errors: truncated', cnt(get(st, 'parse_errors.truncated'), 'packets'), null]);
    rows.push(['Parse errors: malformed', cnt(get(st, 'parse_errors.malformed'), 'packets'), null]);
    if (get(st, 'bandwidth.late_packets') !== undefined) rows.push(['Late packets (timeline)', st.bandwidth.late_packets, null]);

    const cmds = bpfCommands();
    const dl = $('health-list');
    clear(dl);
    for (const [label, value, map] of rows) {
      const dt = el('dt', null, label);
      const dd = el('dd', null, value === undefined ? '–' : fmtInt(value));
      if (Number(value) > 0) dd.classList.add('warn');
      if (cmds && map && cmds[map]) { dd.title = cmds[map]; dd.classList.add('bpf-src'); }
      dl.appendChild(dt);
      dl.appendChild(dd);
    }
  }

  /* ---------- protocols ---------- */

  function renderProtocols() {
    const layer = S.protoLayer;
    const src = get(S.stats, 'protocols.' + layer) || {};
    let names = Object.keys(src).filter((k) => cnt(src[k], 'packets') > 0);
    if (layer === 'l4') names.sort((a, b) => L4_ORDER.indexOf(a) - L4_ORDER.indexOf(b));
    else names.sort((a, b) => cnt(src[b], 'packets') - cnt(src[a], 'packets'));
    const totalP = names.reduce((s, k) => s + cnt(src[k], 'packets'), 0);
    const colors = names.map((n, i) => layer === 'l4' && L4_COLORS[n] ? L4_COLORS[n] : PALETTE[i % PALETTE.length]);

    const c = S.charts.protocols;
    if (c) {
      c.data.labels = names;
      c.data.datasets[0].data = names.map((k) => cnt(src[k], 'packets'));
      c.data.datasets[0].backgroundColor = colors;
      c.data.datasets[0].borderColor = cssVar('--card') || '#fff';
      c.update('none');
    }

    const tbody = $('proto-table').tBodies[0];
    clear(tbody);
    if (!names.length) { emptyRow(tbody, 4, 'no packets yet'); return; }
    names.forEach((k, i) => {
      const tr = el('tr');
      const name = td('');
      const sw = el('span', 'swatch');
      sw.style.background = colors[i];
      name.appendChild(sw);
      name.appendChild(document.createTextNode(k));
      tr.appendChild(name);
      tr.appendChild(td(fmtInt(cnt(src[k], 'packets')), 'num'));
      tr.appendChild(td(fmtInt(cnt(src[k], 'bytes')), 'num'));
      tr.appendChild(td(fmtPct(cnt(src[k], 'packets'), totalP), 'num'));
      tbody.appendChild(tr);
    });
  }

  function initProtocolToggle() {
    $('proto-l4').addEventListener('click', () => { S.protoLayer = 'l4'; setPressed('proto-l4', ['proto-app']); renderProtocols(); });
    $('proto-app').addEventListener('click', () => { S.protoLayer = 'app'; setPressed('proto-app', ['proto-l4']); renderProtocols(); });
  }

  /* ---------- timeline ---------- */

  /** Spike timestamps from a spikes array whose entries may be numbers or
   *  objects with t / time / start. */
  function spikeTimes(spikes) {
    const out = new Set();
    if (!Array.isArray(spikes)) return out;
    for (const s of spikes) {
      let t = null;
      if (typeof s === 'number') t = s;
      else if (s && typeof s === 'object') t = s.t !== undefined ? s.t : (s.time !== undefined ? s.time : s.start);
      if (typeof t === 'string') { const ms = Date.parse(t); t = isFinite(ms) ? Math.floor(ms / 1000) : null; }
      if (typeof t === 'number' && isFinite(t)) out.add(Math.floor(t));
    }
    return out;
  }

  function withQuietBuckets(points, res) {
    if (points.length < 2) return points;
    const first = points[0].t;
    const last = points[points.length - 1].t;
    if ((last - first) / res > 5000) return points;
    const out = [];
    let i = 0;
    for (let t = first; t <= last; t += res) {
      if (i < points.length && points[i].t === t) out.push(points[i++]);
      else out.push({ t, packets: 0, bytes: 0, l4: {}, app: {} });
      while (i < points.length && points[i].t <= t) i++; // duplicates, unaligned
    }
    return out;
  }

  function renderTimeline() {
    S.tlDirty = false;
    const c = S.charts.timeline;
    const res = S.tlResolution || 1;
    // The server leaves quiet seconds (minutes) out: put them back as zeros, so that the
    // line drops to zero instead of bridging the gap.
    const pts = withQuietBuckets(S.tlPoints, res);
    const bps = S.tlUnit === 'bps';
    const value = (cntObj) => bps ? cnt(cntObj, 'bytes') * 8 / res : cnt(cntObj, 'packets') / res;

    // L4 classes present in the window, in the usual order.
    const present = new Set();
    for (const p of pts) for (const k of Object.keys(p.l4 || {})) present.add(k);
    const names = L4_ORDER.filter((n) => present.has(n)).concat([...present].filter((n) => !L4_ORDER.includes(n)));

    const longWindow = S.tlWindow > 3600 || res >= 60;
    const spikes = spikeTimes(S.tlSpikes);
    for (const p of pts) if (p.spike) spikes.add(p.t);

    const span = pts.length ? pts[pts.length - 1].t - pts[0].t : 0;
    const resText = res >= 60 ? 'per-minute points' : 'per-second points';
    setText('tl-note', pts.length
      ? pts.length + ' ' + resText + ' over ' + fmtDuration(span + res) + (spikes.size ? ' · ' + spikes.size + ' spike(s) marked' : '')
      : 'no traffic in this window yet');

    if (!c) return;
    c.data.labels = pts.map((p) => fmtClock(p.t, longWindow && span > 86000));
    const ds = names.map((n, i) => ({
      label: n,
      data: pts.map((p) => value((p.l4 || {})[n])),
      borderColor: L4_COLORS[n] || PALETTE[i % PALETTE.length],
      backgroundColor: (L4_COLORS[n] || PALETTE[i % PALETTE.length]) + '55',
      fill: true,
      stack: 'l4',
      pointRadius: pts.length < 20 ? 3 : 0,
    }));
    if (!names.length && pts.length) {
      ds.push({ label: 'total', data: pts.map((p) => value(p)), borderColor: PALETTE[0], backgroundColor: PALETTE[0] + '55', fill: true, stack: 'l4' });
    }
    if (spikes.size) {
      // Separate stack so the marker sits at the total height of the point.
      ds.push({
        label: 'spike', stack: 'spikes', showLine: false, fill: false,
        data: pts.map((p) => spikes.has(p.t) ? value(p) : null),
        pointRadius: 5, pointStyle: 'triangle', borderColor: '#ef4444', backgroundColor: '#ef4444',
      });
    }
    c.data.datasets = ds;
    c.update('none');
  }

  /** Keeps only points within the window ending at the newest point. */
  function trimTimeline() {
    const pts = S.tlPoints;
    if (!pts.length) return;
    const last = pts[pts.length - 1].t;
    let i = 0;
    while (i < pts.length && pts[i].t <= last - S.tlWindow) i++;
    if (i) pts.splice(0, i);
  }

  /** A live point from a delta event (per second). */
  function appendPoint(p) {
    if (!p || typeof p !== 'object' || S.tlWindow > 3600 || S.tlResolution !== 1) return;
    const pts = S.tlPoints;
    const last = pts[pts.length - 1];
    if (last && p.t < last.t) return;
    if (last && p.t === last.t) pts[pts.length - 1] = p;  // the server revised the same second
    else pts.push(p);
    trimTimeline();
    S.tlDirty = true;
  }

  async function loadTimeseries() {
    if (S.mode === 'report') { loadReportTimeline(); return; }
    const w = S.tlWindow;
    const r = await api('/api/v1/timeseries?window=' + w);
    if (!r.ok || !r.data) { setText('tl-note', 'timeline: ' + errorText(r)); return; }
    if (w !== S.tlWindow) return;  // the window changed while this was in flight
    S.tlResolution = Number(r.data.resolution) || (w > 3600 ? 60 : 1);
    S.tlPoints = Array.isArray(r.data.points) ? r.data.points.slice() : [];
    S.tlSpikes = r.data.spikes || get(S.stats, 'bandwidth.spikes') || [];
    S.tlDirty = true;
    scheduleRender();
  }

  /** Report mode: the embedded snapshot has the full per-second / per-minute
   *  history; keep the part within the chosen window before its newest point. */
  function loadReportTimeline() {
    const bw = (S.stats && S.stats.bandwidth) || {};
    const perMin = S.tlWindow > 3600;
    const pts = (perMin ? bw.per_minute : bw.per_second) || [];
    S.tlResolution = perMin ? 60 : 1;
    S.tlPoints = pts.slice();
    trimTimeline();
    S.tlSpikes = bw.spikes || [];
    S.tlDirty = true;
    scheduleRender();
  }

  function initTimelineControls() {
    $('tl-pps').addEventListener('click', () => { S.tlUnit = 'pps'; setPressed('tl-pps', ['tl-bps']); renderTimeline(); });
    $('tl-bps').addEventListener('click', () => { S.tlUnit = 'bps'; setPressed('tl-bps', ['tl-pps']); renderTimeline(); });
    $('tl-window').addEventListener('change', () => {
      S.tlWindow = Number($('tl-window').value) || 300;
      loadTimeseries();
    });
  }

  /* ---------- top talkers chart ---------- */

  function hostLabel(h) {
    const addr = String(h.addr || '?');
    return h.name ? String(h.name) + ' (' + addr + ')' : addr;
  }

  function shorten(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  function renderTalkers() {
    const c = S.charts.talkers;
    let hosts = (get(S.stats, 'talkers.hosts') || []).slice();
    const inout = S.talkMode === 'inout';
    const k1 = inout ? 'in' : 'tx';
    const k2 = inout ? 'out' : 'rx';
    hosts.sort((a, b) => (cnt(b[k1], 'bytes') + cnt(b[k2], 'bytes')) - (cnt(a[k1], 'bytes') + cnt(a[k2], 'bytes')));
    hosts = hosts.slice(0, 10);
    S.talkFull = hosts.map(hostLabel);
    if (!c) return;
    c.data.labels = S.talkFull.map((s) => shorten(s, 36));
    c.data.datasets = [
      { label: inout ? 'in (bytes)' : 'tx (sent, bytes)', data: hosts.map((h) => cnt(h[k1], 'bytes')), backgroundColor: PALETTE[0] },
      { label: inout ? 'out (bytes)' : 'rx (received, bytes)', data: hosts.map((h) => cnt(h[k2], 'bytes')), backgroundColor: PALETTE[1] },
    ];
    c.update('none');
  }

  function initTalkerControls() {
    $('talk-txrx').addEventListener('click', () => { S.talkMode = 'txrx'; setPressed('talk-txrx', ['talk-inout']); renderTalkers(); });
    $('talk-inout').addEventListener('click', () => { S.talkMode = 'inout'; setPressed('talk-inout', ['talk-txrx']); renderTalkers(); });
    const onChange = () => {
      S.talkDir = $('talk-dir').value;
      S.talkSort = $('talk-sort').value;
      if (S.mode === 'report') renderReportTalkerTables(); else loadTalkerTables();
    };
    $('talk-dir').addEventListener('change', onChange);
    $('talk-sort').addEventListener('change', onChange);
  }

  /* ---------- conversations and flows ---------- */

  function renderPairs() {
    const tbody = $('pair-table').tBodies[0];
    clear(tbody);
    if (!S.pairs.length) { emptyRow(tbody, 7, 'no conversations yet'); return; }
    const frag = document.createDocumentFragment();
    for (const p of S.pairs) {
      const tr = el('tr');
      tr.appendChild(td(p.a, 'mono'));
      tr.appendChild(td(p.b, 'mono'));
      tr.appendChild(td(fmtInt(cnt(p.a_to_b, 'packets')), 'num'));
      tr.appendChild(td(fmtInt(cnt(p.a_to_b, 'bytes')), 'num'));
      tr.appendChild(td(fmtInt(cnt(p.b_to_a, 'packets')), 'num'));
      tr.appendChild(td(fmtInt(cnt(p.b_to_a, 'bytes')), 'num'));
      tr.appendChild(td(fmtDuration(p.duration_s), 'num'));
      frag.appendChild(tr);
    }
    tbody.appendChild(frag);
  }

  function endpoint(addr, port) {
    const a = String(addr === undefined || addr === null ? '?' : addr);
    if (!port) return a;
    return (a.includes(':') ? '[' + a + ']' : a) + ':' + port;
  }

  function renderFlows() {
    const tbody = $('flow-table').tBodies[0];
    clear(tbody);
    if (!S.flows.length) { emptyRow(tbody, 8, 'no flows yet'); return; }
    const frag = document.createDocumentFragment();
    for (const f of S.flows) {
      const tr = el('tr');
      let proto = String(f.l4 || '');
      if (f.l4 === 'other' && f.proto !== undefined) proto += ' (' + f.proto + ')';
      tr.appendChild(td(proto));
      tr.appendChild(td(endpoint(f.a, f.port_a) + ' ⇄ ' + endpoint(f.b, f.port_b), 'mono'));
      tr.appendChild(td(f.app || ''));
      tr.appendChild(td(fmtInt(cnt(f.a_to_b, 'bytes')), 'num'));
      tr.appendChild(td(fmtInt(cnt(f.b_to_a, 'bytes')), 'num'));
      const flags = [f.tcp_flags_a_to_b, f.tcp_flags_b_to_a].some((x) => x)
        ? (f.tcp_flags_a_to_b || '-') + ' / ' + (f.tcp_flags_b_to_a || '-') : '';
      const fc = td(flags, 'mono');
      const issues = flowTcpIssues(f.tcp);
      if (issues) { fc.title = issues; fc.classList.add('warn'); }
      tr.appendChild(fc);
      const rtt = f.rtt && Number(f.rtt.samples) > 0 ? f.rtt : null;
      const rc = td(rtt ? fmtMs(rtt.last_ms) + ' ms' : '', 'num');
      if (rtt) rc.title = 'last ' + fmtMs(rtt.last_ms) + ' ms, min ' + fmtMs(rtt.min_ms) + ' ms, ' + fmtInt(rtt.samples) + ' samples';
      tr.appendChild(rc);
      tr.appendChild(td(fmtDuration(f.duration_s), 'num'));
      frag.appendChild(tr);
    }
    tbody.appendChild(frag);
  }

  /** "A→B: 3 retransmissions; B→A: 1 reset" from flows[i].tcp, or '' when clean. */
  function flowTcpIssues(t) {
    if (!t || typeof t !== 'object') return '';
    const names = { retransmissions: 'retransmissions', out_of_order: 'out of order', duplicate_acks: 'duplicate ACKs',
      zero_windows: 'zero windows', resets: 'resets' };
    const out = [];
    for (const [side, label] of [['a_to_b', 'A→B'], ['b_to_a', 'B→A']]) {
      const x = t[side] || {};
      const parts = Object.keys(names).filter((k) => Number(x[k]) > 0).map((k) => fmtInt(x[k]) + ' ' + names[k]);
      if (parts.length) out.push(label + ': ' + parts.join(', '));
    }
    return out.join('; ');
  }

  let talkerTablesBusy = false;
  async function loadTalkerTables() {
    if (talkerTablesBusy) return;
    talkerTablesBusy = true;
    try {
      const q = (by) => '/api/v1/talkers?by=' + by + '&limit=25' + (S.talkDir ? '&dir=' + S.talkDir : '') + '&sort=' + S.talkSort;
      const [p, f] = await Promise.all([api(q('pair')), api(q('flow'))]);
      if (p.ok && p.data && Array.isArray(p.data.entries)) { S.pairs = p.data.entries; renderPairs(); }
      if (f.ok && f.data && Array.isArray(f.data.entries)) { S.flows = f.data.entries; renderFlows(); }
    } finally {
      talkerTablesBusy = false;
    }
  }

  function renderReportTalkerTables() {
    const sortBy = (list) => (list || []).slice()
      .sort((a, b) => talkerKey(b, S.talkDir, S.talkSort) - talkerKey(a, S.talkDir, S.talkSort))
      .slice(0, 25);
    S.pairs = sortBy(get(S.stats, 'talkers.pairs'));
    S.flows = sortBy(get(S.stats, 'talkers.flows'));
    renderPairs();
    renderFlows();
  }

  /* ---------- packet table ---------- */

  const PACKET_KEYS = ['seq', 'dir', 'src', 'sport', 'dst', 'dport', 'l4', 'app', 'len', 'info'];
  const PACKET_NUM = new Set(['sport', 'dport', 'len']);

  function addPackets(list) {
    if (!Array.isArray(list) || !list.length) return;
    const lastSeq = S.packets.length ? Number(S.packets[S.packets.length - 1].seq) : -Infinity;
    for (const r of list) {
      if (r && typeof r === 'object' && !(Number(r.seq) <= lastSeq)) S.packets.push(r);
    }
    if (S.packets.length > MAX_PACKETS) S.packets.splice(0, S.packets.length - MAX_PACKETS);
    S.packetsDirty = true;
  }

  function renderPackets(force) {
    if (S.paused && !force) return;
    S.packetsDirty = false;
    const source = S.filtered || S.packets;
    const needle = S.search.toLowerCase();
    let rows = source.map((r) => ({ r, cells: PACKET_KEYS.map((k) => packetCell(r, k)) }));
    if (needle) rows = rows.filter((x) => x.cells.join(' ').toLowerCase().includes(needle));
    const cmp = packetCompare(S.sortKey, S.sortDir);
    rows.sort((x, y) => cmp(x.r, y.r));

    const tbody = $('packet-table').tBodies[0];
    const frag = document.createDocumentFragment();
    for (const x of rows) {
      const tr = document.createElement('tr');
      x.cells.forEach((text, i) => {
        const k = PACKET_KEYS[i];
        const c = document.createElement('td');
        c.textContent = text;
        if (PACKET_NUM.has(k)) c.className = 'num';
        else if (k === 'src' || k === 'dst') c.className = 'mono';
        else if (k === 'info') c.className = 'wrap';
        tr.appendChild(c);
      });
      frag.appendChild(tr);
    }
    clear(tbody);
    if (!rows.length) {
      emptyRow(tbody, PACKET_KEYS.length, source.length ? 'no rows match the search' : (S.filtered ? 'no records match the display filter' : 'no packet records yet'));
    } else {
      tbody.appendChild(frag);
    }
    const what = S.filtered ? 'filtered records' : 'records';
    setText('packet-count', fmtInt(rows.length) + (rows.length !== source.length ? ' of ' + fmtInt(source.length) : '') + ' ' + what + (S.paused ? ' · paused' : ''));
    renderSortMarks();
  }

  function renderSortMarks() {
    for (const th of $('packet-table').tHead.querySelectorAll('th[data-key]')) {
      th.classList.toggle('sorted-asc', th.dataset.key === S.sortKey && S.sortDir === 'asc');
      th.classList.toggle('sorted-desc', th.dataset.key === S.sortKey && S.sortDir === 'desc');
      th.setAttribute('aria-sort', th.dataset.key === S.sortKey ? (S.sortDir === 'asc' ? 'ascending' : 'descending') : 'none');
    }
  }

  /** Display filter: evaluated by the server on its packet buffer. */
  async function applyDisplayFilter() {
    const expr = $('display-filter').value.trim();
    setText('display-filter-error', '');
    $('display-filter').classList.remove('invalid');
    if (!expr) { clearDisplayFilter(); return; }
    if (S.mode === 'report') {
      setText('display-filter-error', 'The display filter is evaluated by the live server; not available in a report.');
      return;
    }
    setText('display-filter-info', 'filtering…');
    const r = await api('/api/v1/packets?limit=500&filter=' + encodeURIComponent(expr));
    if (!r.ok) {
      $('display-filter').classList.add('invalid');
      setText('display-filter-error', errorText(r));
      setText('display-filter-info', '');
      return;
    }
    S.filtered = Array.isArray(r.data && r.data.records) ? r.data.records : [];
    S.filterExpr = expr;
    setText('display-filter-info', 'Showing ' + fmtInt(S.filtered.length) + ' record(s) matching "' + expr + '" (server-side); clear the filter to go back to live.');
    renderPackets(true);
  }

  function clearDisplayFilter() {
    S.filtered = null;
    S.filterExpr = '';
    $('display-filter').value = '';
    $('display-filter').classList.remove('invalid');
    setText('display-filter-error', '');
    setText('display-filter-info', '');
    renderPackets(true);
  }

  function initPacketControls() {
    for (const th of $('packet-table').tHead.querySelectorAll('th[data-key]')) {
      th.tabIndex = 0;
      const sortBy = () => {
        const k = th.dataset.key;
        if (S.sortKey === k) S.sortDir = S.sortDir === 'asc' ? 'desc' : 'asc';
        else { S.sortKey = k; S.sortDir = k === 'seq' ? 'desc' : 'asc'; }
        renderPackets(true);
      };
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sortBy(); } });
    }
    $('packet-search').addEventListener('input', () => {
      S.search = $('packet-search').value;
      renderPackets(true);
    });
    $('packet-pause').addEventListener('click', () => {
      S.paused = !S.paused;
      $('packet-pause').textContent = S.paused ? 'Resume' : 'Pause';
      $('packet-pause').setAttribute('aria-pressed', String(S.paused));
      renderPackets(true);
    });
    $('display-filter').addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') { ev.preventDefault(); applyDisplayFilter(); }
      else if (ev.key === 'Escape') { clearDisplayFilter(); }
    });
    $('display-filter').addEventListener('input', () => {
      if (!$('display-filter').value && S.filtered) clearDisplayFilter();
    });
    $('display-filter-clear').addEventListener('click', clearDisplayFilter);
  }

  /* ---------- capture controls ---------- */

  function renderCaptureControls() {
    const st = S.status || {};
    const state = st.state;
    const finished = state === 'finished';
    $('capture-start').hidden = finished;
    $('capture-stop').hidden = finished;
    $('capture-start').disabled = state !== 'stopped';
    $('capture-stop').disabled = state !== 'capturing';
    $('iface-select').disabled = finished;
    $('backend-select').disabled = finished;
    const cap = st.capture || {};
    if (!S.userTouched.backend && cap.backend && ['auto', 'xdp', 'pcap'].includes(cap.backend)) {
      $('backend-select').value = cap.backend;
    }
    if (!S.userTouched.iface && cap.interface) selectIface(cap.interface);
    if (!S.userTouched.filter && document.activeElement !== $('capture-filter')) {
      $('capture-filter').value = cap.filter || '';
    }
    setText('capture-filter-current', 'In force: ' + (cap.filter ? cap.filter : get(S.stats, 'filter.expression') || 'none'));
  }

  function selectIface(name) {
    const sel = $('iface-select');
    if (![...sel.options].some((o) => o.value === name)) {
      sel.appendChild(el('option', null, name)).value = name;
    }
    sel.value = name;
  }

  async function loadInterfaces() {
    const r = await api('/api/v1/interfaces');
    if (!r.ok || !r.data || !Array.isArray(r.data.interfaces)) return;
    const sel = $('iface-select');
    const keep = sel.value;
    clear(sel);
    for (const i of r.data.interfaces) {
      const name = String(i.name);
      const bits = [];
      if (i.up === false) bits.push('down');
      if (i.loopback) bits.push('loopback');
      if (i.default_route) bits.push('default route');
      if (i.capturing) bits.push('capturing');
      if (Array.isArray(i.addresses) && i.addresses.length) bits.push(String(i.addresses[0]));
      const o = el('option', null, name + (bits.length ? ' — ' + bits.join(', ') : ''));
      o.value = name;
      sel.appendChild(o);
    }
    const cur = keep || get(S.status, 'capture.interface');
    if (cur) selectIface(cur);
  }

  async function captureAction(kind) {
    setText('capture-error', '');
    const body = kind === 'start' ? {
      interface: $('iface-select').value || undefined,
      backend: $('backend-select').value,
      filter: $('capture-filter').value.trim(),
    } : {};
    $('capture-start').disabled = true;
    $('capture-stop').disabled = true;
    const r = await api('/api/v1/capture/' + kind, { method: 'POST', body });
    if (!r.ok) setText('capture-error', errorText(r));
    if (r.ok && r.data && r.data.state) applyStatus(r.data);
    else loadStatus();
  }

  async function applyCaptureFilter() {
    const text = $('capture-filter').value.trim();
    setText('capture-filter-error', '');
    $('capture-filter').classList.remove('invalid');
    const r = await api('/api/v1/filter', { method: 'POST', body: { filter: text } });
    if (!r.ok) {
      $('capture-filter').classList.add('invalid');
      setText('capture-filter-error', errorText(r));
      return;
    }
    S.userTouched.filter = false;
    const f = r.data && r.data.filter;
    setText('capture-filter-current', 'In force: ' + (f ? f : 'none') + (r.data && r.data.previous ? ' (was: ' + r.data.previous + ')' : ''));
    loadStatus();
  }

  function initCaptureControls() {
    $('capture-start').addEventListener('click', () => captureAction('start'));
    $('capture-stop').addEventListener('click', () => captureAction('stop'));
    $('capture-filter-apply').addEventListener('click', applyCaptureFilter);
    $('capture-filter').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); applyCaptureFilter(); } });
    $('capture-filter').addEventListener('input', () => { S.userTouched.filter = true; });
    $('iface-select').addEventListener('change', () => { S.userTouched.iface = true; });
    $('backend-select').addEventListener('change', () => { S.userTouched.backend = true; });
  }

  /* ---------- latency ---------- */

  const LAT_METHODS = {
    handshake: ['TCP handshake', 'SYN to SYN-ACK (or SYN-ACK to ACK) of new TCP connections'],
    timestamp: ['TCP timestamps', 'a TCP timestamp (TSval) to the segment that echoes it'],
    icmp: ['ICMP echo', 'an ICMP echo request (ping) to its reply'],
  };
  const LAT_COLORS = { handshake: PALETTE[0], timestamp: PALETTE[1], icmp: PALETTE[2] };

  /** The newest object for `key`: the snapshot's (live every second), else the last
   *  answer of the API route (fetched every 30 s). {data, err}. */
  function section(key, fromApi) {
    const v = S.stats && S.stats[key];
    if (v && typeof v === 'object') return { data: v, err: null };
    return fromApi || { data: null, err: null };
  }

  /** True when `value` differs from what was rendered last under `name` (re-rendering
   *  unchanged lists every second would reset hover, focus and selection). */
  function changed(name, value) {
    const key = JSON.stringify(value === undefined ? null : value);
    if (S.drawn[name] === key) return false;
    S.drawn[name] = key;
    return true;
  }

  /** Shows the reason paragraph (data missing or not available) or the content. */
  function showAvailability(prefix, src, notYet) {
    let reason = null;
    if (src.err) reason = src.err;
    else if (!src.data) reason = notYet;
    else if (src.data.available === false) {
      reason = 'Not measured yet' + (src.data.reason ? ': ' + src.data.reason : '.');
    }
    setText(prefix + '-reason', reason || '');
    $(prefix + '-reason').hidden = !reason;
    $(prefix + '-content').hidden = !!reason;
    return !reason;
  }

  function latencyMethodNames(methods) {
    const known = Object.keys(LAT_METHODS);
    return known.concat(Object.keys(methods || {}).filter((m) => !known.includes(m)));
  }

  function renderLatency() {
    const src = section('latency', S.latencyApi);
    if (!changed('latency', src)) return;
    const ok = showAvailability('latency', src, S.mode === 'report' ? 'Not part of this report.' : 'loading…');
    setText('latency-summary', '');
    $('latency-png').hidden = true;
    if (!ok) { clearLatencyChart(); return; }
    const d = src.data;
    const methods = (d.methods && typeof d.methods === 'object') ? d.methods : {};
    const names = latencyMethodNames(methods);

    const tbody = $('latency-table').tBodies[0];
    clear(tbody);
    let total = 0;
    for (const m of names) {
      const x = methods[m] || { samples: 0 };
      const n = Number(x.samples) || 0;
      total += n;
      const tr = el('tr', n ? null : 'idle');
      tr.dataset.method = m;
      tr.dataset.testid = 'latency-row-' + m;
      const name = td(LAT_METHODS[m] ? LAT_METHODS[m][0] : m);
      if (LAT_METHODS[m]) name.title = 'Round trip from ' + LAT_METHODS[m][1];
      tr.appendChild(name);
      tr.appendChild(td(fmtInt(n), 'num samples'));
      for (const f of ['min_ms', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms']) tr.appendChild(td(n ? fmtMs(x[f]) : '–', 'num'));
      if (n && x.mean_ms !== undefined) tr.title = 'mean ' + fmtMs(x.mean_ms) + ' ms';
      tbody.appendChild(tr);
    }
    setText('latency-summary', fmtInt(total) + ' sample' + (total === 1 ? '' : 's'));
    renderLatencyChart(d.histogram, names);
    // An empty histogram is just axes: say so instead.
    const drawn = !!S.charts.latency && S.charts.latency.data.datasets.length > 0;
    $('latency-chart').parentNode.hidden = !drawn;
    $('latency-png').hidden = !drawn;
    $('latency-nochart').hidden = drawn || !S.charts.latency;
    renderLatencyHosts(d);
  }

  function clearLatencyChart() {
    const c = S.charts.latency;
    if (!c) return;
    c.data.labels = [];
    c.data.datasets = [];
    c.update('none');
  }

  function renderLatencyChart(h, names) {
    const c = S.charts.latency;
    if (!c) return;
    const labels = latencyLabels(h && h.le_ms);
    c.data.labels = labels;
    c.data.datasets = [];
    if (labels.length) {
      names.forEach((m, i) => {
        const counts = h[m];
        if (!Array.isArray(counts) || !counts.some((v) => Number(v) > 0)) return;
        const color = LAT_COLORS[m] || PALETTE[(i + 3) % PALETTE.length];
        c.data.datasets.push({
          label: LAT_METHODS[m] ? LAT_METHODS[m][0] : m,
          data: labels.map((_, k) => Number(counts[k]) || 0),
          backgroundColor: color,
          borderColor: color,
        });
      });
    }
    c.update('none');
  }

  function renderLatencyHosts(d) {
    const tbody = $('latency-hosts').tBodies[0];
    clear(tbody);
    const hosts = Array.isArray(d.hosts) ? d.hosts : [];
    if (!hosts.length) emptyRow(tbody, 6, 'no host measured yet');
    for (const h of hosts) {
      if (!h || typeof h !== 'object') continue;
      const tr = el('tr');
      tr.dataset.testid = 'latency-host';
      tr.appendChild(td(String(h.addr === undefined ? '?' : h.addr), 'mono'));
      tr.appendChild(td(fmtInt(h.samples), 'num'));
      tr.appendChild(td(fmtMs(h.p50_ms), 'num'));
      tr.appendChild(td(fmtMs(h.p90_ms), 'num'));
      tr.appendChild(td(fmtMs(h.max_ms), 'num'));
      const parts = [];
      const tips = [];
      for (const [m, x] of Object.entries(h.methods || {})) {
        if (!x || !Number(x.samples)) continue;
        parts.push(m + ' ' + fmtInt(x.samples));
        tips.push((LAT_METHODS[m] ? LAT_METHODS[m][0] : m) + ': ' + fmtInt(x.samples) + ' samples, median ' + fmtMs(x.p50_ms) + ' ms');
      }
      const c = td(parts.join(' · '));
      if (tips.length) c.title = tips.join('\n');
      tr.appendChild(c);
      if (h.min_ms !== undefined) tr.title = 'min ' + fmtMs(h.min_ms) + ' ms';
      tbody.appendChild(tr);
    }
    const tracked = Number(d.hosts_tracked);
    setText('latency-hosts-note', isFinite(tracked) && d.hosts_tracked !== undefined
      ? fmtInt(tracked) + ' host' + (tracked === 1 ? '' : 's') + ' measured' +
        (hosts.length < tracked ? '; the ' + fmtInt(hosts.length) + ' slowest by median shown' : '') +
        (Number(d.hosts_forgotten) > 0 ? '; ' + fmtInt(d.hosts_forgotten) + ' forgotten to make room' : '') + '. Times in ms.'
      : 'Times in ms, slowest median first.');
  }

  /* ---------- TCP health ---------- */

  const TCP_COUNTERS = [
    ['segments', 'Segments', 'TCP segments analysed'],
    ['retransmissions', 'Retransmissions', 'segments whose sequence range was already seen'],
    ['out_of_order', 'Out of order', 'segments filling a hole right after a later one'],
    ['duplicate_acks', 'Duplicate ACKs', 'ACKs repeating the previous acknowledgement with no data'],
    ['zero_windows', 'Zero windows', 'segments advertising a zero receive window (the receiver is full)'],
    ['resets', 'Resets', 'segments with RST'],
    ['syns', 'SYNs', 'connection attempts (SYN without ACK)'],
    ['synacks', 'SYN-ACKs', 'answers to connection attempts'],
    ['handshakes', 'Handshakes', 'completed three-way handshakes (the opener acknowledged the SYN-ACK)'],
  ];
  const TCP_TROUBLE = ['retransmissions', 'out_of_order', 'duplicate_acks', 'zero_windows', 'resets'];

  function renderTcp() {
    // The snapshot has "tcp"; the latency answer carries it too.
    let src = section('tcp', null);
    if (!src.data) {
      const l = S.latencyApi;
      src = l && l.data && typeof l.data.tcp === 'object' && l.data.tcp ? { data: l.data.tcp, err: null }
        : { data: null, err: null };
    }
    const hosts = (get(S.stats, 'talkers.hosts') || []).map((h) => [h && h.addr, h && h.tcp]);
    if (!changed('tcp', [src, hosts])) return;
    if (!showAvailability('tcp', src, S.mode === 'report' ? 'Not part of this report.'
      : (S.stats ? 'Not measured yet.' : 'loading…'))) return;
    const t = src.data;
    const per = t.per_s || {};
    const num = (v) => (v === undefined || v === null) ? NaN : Number(v);
    // A file has no directions and no "last second": those columns would be all zeros.
    const file = get(S.stats, 'source.kind') === 'file';
    $('tcp-table').classList.toggle('no-dirs', file);

    setText('tcp-retrans', fmtRatioPct(t.retransmission_rate));
    const segs = num(t.segments);
    let sub = segs > 0 ? fmtInt(t.retransmissions) + ' of ' + fmtInt(segs) + ' segments' : 'no TCP segments yet';
    if (!file && num(per.segments) > 0) sub += ' · last second ' + fmtRatioPct(num(per.retransmissions) / num(per.segments));
    setText('tcp-retrans-sub', sub);
    $('tcp-retrans').classList.toggle('warn', num(t.retransmissions) > 0);
    setText('tcp-segments-label', file ? 'Segments' : 'Segments/s');
    setText('tcp-segments-rate', file ? fmtInt(t.segments) : fmtRate(per.segments));
    setText('tcp-segments-rate-sub', file ? 'in the file' : 'total ' + fmtInt(t.segments));
    setText('tcp-handshakes', fmtInt(t.handshakes));
    setText('tcp-handshakes-sub', 'of ' + fmtInt(t.syns) + ' SYNs, ' + fmtInt(t.synacks) + ' SYN-ACKs');

    const tbody = $('tcp-table').tBodies[0];
    clear(tbody);
    for (const [key, label, tip] of TCP_COUNTERS) {
      const tr = el('tr');
      tr.dataset.counter = key;
      tr.dataset.testid = 'tcp-row-' + key;
      const name = td(label);
      name.title = tip;
      tr.appendChild(name);
      const total = td(fmtInt(t[key]), 'num');
      if (TCP_TROUBLE.includes(key) && num(t[key]) > 0) total.classList.add('warn');
      tr.appendChild(total);
      tr.appendChild(td(key in per ? fmtRate(per[key]) : '', 'num'));
      tr.appendChild(td(fmtInt(get(t, 'in.' + key)), 'num'));
      tr.appendChild(td(fmtInt(get(t, 'out.' + key)), 'num'));
      tbody.appendChild(tr);
    }
    renderTcpHosts(hosts);
  }

  function renderTcpHosts(hosts) {
    const tbody = $('tcp-hosts').tBodies[0];
    clear(tbody);
    const trouble = (x) => TCP_TROUBLE.reduce((s, k) => s + (Number(x[k]) || 0), 0);
    const list = hosts.filter(([, x]) => x && typeof x === 'object' && trouble(x) > 0)
      .sort((a, b) => (Number(b[1].retransmissions) || 0) - (Number(a[1].retransmissions) || 0) || trouble(b[1]) - trouble(a[1]))
      .slice(0, 5);
    if (!list.length) { emptyRow(tbody, 6, 'none among the top talkers'); return; }
    for (const [addr, x] of list) {
      const tr = el('tr');
      tr.appendChild(td(String(addr === undefined || addr === null ? '?' : addr), 'mono'));
      for (const k of TCP_TROUBLE) tr.appendChild(td(fmtInt(x[k]), 'num'));
      tbody.appendChild(tr);
    }
  }

  /* ---------- anomalies ---------- */

  const OUTCOMES = {
    rst: ['RST', 'the port answered with a reset: closed'],
    unreachable: ['unreachable', 'ICMP port unreachable: closed'],
    half_open: ['half-open', 'SYN-ACK answered by the prober\'s RST: an open port found'],
    empty: ['empty', 'connected and closed without a byte'],
    no_reply: ['no reply', 'sent again before any answer'],
    sent: ['probe segments', 'FIN, NULL or Xmas segments: the segment itself is the probe'],
  };

  function fact(dl, label, value, tip) {
    const d = el('div', 'fact');
    if (tip) d.title = tip;
    d.appendChild(el('dt', null, label));
    d.appendChild(el('dd', null, value));
    dl.appendChild(d);
  }

  function anomalyItem(a) {
    const li = el('li', 'anomaly');
    li.dataset.testid = 'anomaly-row';
    if (a.id !== undefined) li.dataset.id = String(a.id);
    li.dataset.type = String(a.type || '');
    li.dataset.active = String(!!a.active);

    const head = el('div', 'anomaly-head');
    const badge = el('span', a.active ? 'badge alert' : 'badge ended', a.active ? 'active' : 'ended');
    badge.dataset.testid = 'anomaly-active';
    head.appendChild(badge);
    head.appendChild(el('strong', 'anomaly-type', anomalyTitle(a)));
    const kind = anomalyKind(a);
    if (kind) head.appendChild(el('span', 'muted', kind));
    if (a.id !== undefined) head.appendChild(el('span', 'muted small anomaly-id', '#' + a.id));
    li.appendChild(head);

    const who = el('div', 'anomaly-who mono');
    who.appendChild(el('span', 'src', a.source ? String(a.source) : 'many sources'));
    who.appendChild(document.createTextNode(' → '));
    const tg = el('span', 'dst', anomalyTargets(a, 5) || '?');
    if (Array.isArray(a.targets) && a.targets.length > 5) tg.title = a.targets.map(String).join('\n');
    who.appendChild(tg);
    li.appendChild(who);

    const dl = el('dl', 'facts');
    if (a.ports !== undefined && a.ports !== null) fact(dl, 'ports', fmtInt(a.ports), 'distinct ports probed');
    if (a.hosts !== undefined && a.hosts !== null) fact(dl, 'hosts', fmtInt(a.hosts), 'distinct target hosts');
    if (a.probes !== undefined && a.probes !== null) fact(dl, 'probes', fmtInt(a.probes), 'connection attempts seen');
    if (a.rate !== undefined && a.rate !== null) fact(dl, 'rate', fmtRate(a.rate) + '/s', 'half-open connections per second now');
    if (a.peak_rate !== undefined && a.peak_rate !== null) fact(dl, 'peak', fmtRate(a.peak_rate) + '/s', 'highest rate of half-open connections');
    if (Array.isArray(a.sample_ports) && a.sample_ports.length) {
      fact(dl, 'sample ports', a.sample_ports.map(String).join(', '), 'some of the ports probed');
    }
    if (a.outcomes && typeof a.outcomes === 'object') {
      for (const [k, v] of Object.entries(a.outcomes)) {
        if (!(Number(v) > 0)) continue;
        const o = OUTCOMES[k] || [k.replace(/_/g, ' '), null];
        fact(dl, o[0], fmtInt(v), o[1]);
      }
    }
    li.appendChild(dl);

    const when = el('div', 'anomaly-when small');
    when.appendChild(el('span', null, 'first seen ' + fmtLocalTime(a.first_seen)));
    when.appendChild(el('span', null, 'last seen ' + fmtLocalTime(a.last_seen)));
    const t0 = Date.parse(a.first_seen);
    const t1 = Date.parse(a.last_seen);
    if (isFinite(t0) && isFinite(t1) && t1 >= t0) when.appendChild(el('span', 'muted', 'over ' + fmtDuration((t1 - t0) / 1000)));
    if (a.detected) when.appendChild(el('span', 'muted', 'raised ' + fmtLocalTime(a.detected)));
    li.appendChild(when);

    const rec = a.recording;
    if (rec && typeof rec === 'object') {
      const box = el('div', 'anomaly-rec small');
      // The server gives a url once the recording is complete (a report has no server).
      const href = S.mode === 'live' ? sameOriginPath(rec.url) : null;
      const pk = rec.packets !== undefined && rec.packets !== null ? fmtInt(rec.packets) + ' packets' : '';
      if (href) {
        const link = el('a', 'btn small', 'Download pcap' + (pk ? ', ' + pk : ''));
        link.href = href;
        link.setAttribute('download', rec.file ? String(rec.file) : 'wirelens-anomaly.pcap');
        link.dataset.testid = 'anomaly-pcap';
        box.appendChild(link);
      } else if (rec.complete) {
        box.appendChild(el('span', 'muted', 'Recorded' + (pk ? ': ' + pk : '')));
      } else {
        box.appendChild(el('span', 'muted', 'Recording…' + (pk ? ' ' + pk + ' so far' : '') + ' (download when complete)'));
      }
      if (rec.file) box.appendChild(el('span', 'muted mono', String(rec.file)));
      li.appendChild(box);
    }
    return li;
  }

  function renderAnomalies() {
    const src = section('anomalies', S.anomalyApi);
    if (!changed('anomalies', src)) return;
    const ok = showAvailability('anomaly', src, S.mode === 'report' ? 'Not part of this report.' : 'loading…');
    const count = $('anomaly-count');
    count.hidden = true;
    if (!ok) return;
    const d = src.data;
    const list = Array.isArray(d.list) ? d.list.filter((a) => a && typeof a === 'object') : [];
    const active = Number(d.active) || 0;
    const total = Math.max(Number(d.total) || 0, list.length);
    count.hidden = false;
    count.textContent = active ? fmtInt(active) + ' active · ' + fmtInt(total) + ' total' : fmtInt(total) + ' total';
    count.classList.toggle('alert', active > 0);

    const ol = $('anomaly-list');
    clear(ol);
    const frag = document.createDocumentFragment();
    for (const a of list.slice(0, 100)) frag.appendChild(anomalyItem(a));
    ol.appendChild(frag);
    ol.hidden = !list.length;
    $('anomaly-empty').hidden = list.length > 0;
    if (list.length < total) {
      ol.appendChild(el('li', 'muted small', 'showing the newest ' + fmtInt(Math.min(list.length, 100)) + ' of ' + fmtInt(total)));
    }

    const th = d.thresholds || {};
    const ws = Number(th.window_s);
    const win = !isFinite(ws) ? '?' : (ws >= 60 && ws % 60 === 0 ? fmtInt(ws / 60) + ' min' : fmtInt(ws) + ' s');
    setText('anomaly-thresholds', 'Raised when one source probes ' + fmtInt(th.scan_ports) + ' or more ports of a host, or ' +
      fmtInt(th.scan_hosts) + ' or more hosts, within ' + win + '; or when SYNs to a host pass ' +
      fmtInt(th.synflood_rate) + ' per second.' +
      (d.probes !== undefined ? ' Failed connection attempts examined: ' + fmtInt(d.probes) + '.' : ''));
    const fr = d.flight_recorder;
    let frText = 'Flight recorder off: anomalies are not recorded to pcap.';
    if (fr && typeof fr === 'object') {
      frText = 'Flight recorder: ' + fmtInt(fr.files) + ' file' + (Number(fr.files) === 1 ? '' : 's') + ', ' +
        fmtBytes(fr.bytes) + ' of ' + fmtBytes(fr.max_bytes) + (fr.dir ? ' in ' + fr.dir : '') + '.';
    }
    setText('anomaly-recorder', frText);
  }

  async function loadLatencyAnomalies() {
    const [l, a] = await Promise.all([api('/api/v1/latency'), api('/api/v1/anomalies')]);
    S.latencyApi = { data: l.ok ? l.data : null, err: l.ok ? null : errorText(l) };
    S.anomalyApi = { data: a.ok ? a.data : null, err: a.ok ? null : errorText(a) };
    renderLatency();
    renderTcp();
    renderAnomalies();
  }

  /* ---------- sensor self-loss ---------- */

  function renderSelfLoss() {
    const st = S.stats || {};
    const h = (S.status && S.status.health) || {};
    const pick = (a, b) => (a !== undefined && a !== null) ? a : b;
    const backend = get(st, 'source.backend') || get(S.status, 'capture.backend');
    const file = get(st, 'source.kind') === 'file';
    const pcapOnly = file ? 'live capture only' : (backend === 'xdp' ? 'pcap backend only' : null);
    const kf = get(st, 'talkers.tables.kernel_flows');
    const maxps = get(st, 'samples.max_per_sec');
    const of = (n, what) => n !== undefined && n !== null ? 'of ' + fmtInt(n) + ' ' + what : '';
    const tiles = [
      ['selfloss-ring', pick(get(st, 'samples.lost'), h.samples_lost), of(get(st, 'samples.taken'), 'records')],
      ['selfloss-events', pick(get(st, 'drops.events_lost'), h.events_lost),
        backend === 'xdp' && !file ? of(get(st, 'drops.events'), 'events') : 'XDP backend only'],
      ['selfloss-pcap-kernel', pick(get(st, 'drops.pcap_kernel'), h.pcap_kernel),
        pcapOnly || of(get(st, 'drops.pcap_received'), 'frames received')],
      ['selfloss-pcap-ifdrop', pick(get(st, 'drops.pcap_ifdrop'), h.pcap_ifdrop), pcapOnly || ''],
      ['selfloss-flow-insert', pick(get(st, 'drops.flow_insert_failed'), h.flow_insert_failed),
        kf ? 'table ' + fmtInt(kf.entries) + ' / ' + fmtInt(kf.cap) + ' flows' : ''],
      ['selfloss-limited', pick(get(st, 'samples.limited'), h.samples_limited),
        maxps === undefined ? '' : (Number(maxps) ? 'limit ' + fmtInt(maxps) + ' records/s' : 'no limit set')],
    ];
    let nonzero = 0;
    let known = 0;
    for (const [id, value, sub] of tiles) {
      const tile = $(id);
      const missing = value === undefined || value === null;
      const bad = !missing && Number(value) > 0;
      if (!missing) known++;
      if (bad) nonzero++;
      tile.classList.toggle('nonzero', bad);
      tile.classList.toggle('unknown', missing);
      tile.dataset.value = missing ? '' : String(value);
      setText(tile.querySelector('.loss-value'), missing ? '–' : fmtInt(value));
      setText(tile.querySelector('.loss-sub'), missing ? (S.stats ? 'not reported by this daemon' : '') : sub);
    }
    const badge = $('selfloss-state');
    badge.dataset.loss = !known ? '' : (nonzero ? 'yes' : 'no');
    badge.textContent = !known ? '' : (nonzero ? nonzero + ' counter' + (nonzero === 1 ? '' : 's') + ' not zero' : 'no loss');
    badge.hidden = !known;
  }

  /* ---------- interfaces ---------- */

  const IFACE_STATES = {
    up: 'capturing on it',
    down: 'the link is down: nothing to capture until it comes back up',
    gone: 'the interface was deleted: counting resumes if it is created again',
  };
  // Per-interface loss counters: short label and what it means (as in the self-loss panel).
  const IFACE_DROPS = [
    ['samples_lost', 'ring buffer', 'packet records lost because the BPF ring buffer was full (the packets were counted)'],
    ['pcap_kernel', 'pcap kernel', 'frames dropped because libpcap\'s capture buffer was full (missing from every count)'],
    ['pcap_ifdrop', 'interface', 'frames the interface or its driver dropped before capture'],
    ['flow_insert_failed', 'flow table', 'frames in no flow because the kernel flow table was full'],
  ];

  /** The capture's interfaces, or null when there are none to show (a file, an older daemon). */
  function captureInterfaces() {
    const st = S.stats || {};
    if (get(st, 'source.kind') === 'file' || !Array.isArray(st.interfaces)) return null;
    const list = st.interfaces.filter((f) => f && typeof f === 'object');
    return list.length ? list : null;
  }

  /** An interface's name as shown and as its row's key. */
  function ifaceName(f) {
    return String(f.name === undefined || f.name === null ? '?' : f.name);
  }

  /** Fills one row; rows are kept across updates so focus and hover survive the per-second refresh. */
  function fillInterfaceRow(tr, f) {
    const name = ifaceName(f);
    const state = typeof f.state === 'string' ? f.state : '';
    const c = tr.cells;
    tr.dataset.iface = name;
    tr.dataset.state = state;
    tr.classList.toggle('idle', state !== 'up');

    setText(c[0], name);
    if (f.ifindex !== undefined && f.ifindex !== null) c[0].title = 'ifindex ' + f.ifindex;
    else c[0].removeAttribute('title');

    const badge = c[1].querySelector('.iface-state');
    badge.dataset.state = state;
    badge.textContent = state || '?';
    const since = f.changed ? ' since ' + fmtLocalTime(f.changed) : '';
    badge.title = (state || 'state unknown') + since + (IFACE_STATES[state] ? ': ' + IFACE_STATES[state] : '');
    const att = c[1].querySelector('.iface-attaches');
    const n = Number(f.attaches) || 0;
    att.hidden = n <= 1;
    att.textContent = n > 1 ? 'attached ' + fmtInt(n) + '×' : '';
    att.title = n > 1 ? 'attached ' + fmtInt(n) + ' times since the capture started (the interface came back)' : '';

    const hook = f.ingress ? ' (' + f.ingress + (f.xdp_mode ? ' ' + f.xdp_mode : '') + ')' : '';
    setText(c[2], f.backend ? String(f.backend) + hook : '–');
    const dirs = f.directions || {};
    setText(c[3], fmtInt(cnt(dirs.in, 'packets')));
    setText(c[4], fmtInt(cnt(dirs.in, 'bytes')));
    setText(c[5], fmtInt(cnt(dirs.out, 'packets')));
    setText(c[6], fmtInt(cnt(dirs.out, 'bytes')));
    const r = f.rates || {};
    setText(c[7], fmtPps(r.pps));
    setText(c[8], fmtBps(r.bps));

    const drops = f.drops || {};
    const lost = IFACE_DROPS.filter(([k]) => Number(drops[k]) > 0);
    const cell = c[9];
    setText(cell, lost.map(([k, label]) => fmtInt(drops[k]) + ' ' + label).join(', '));
    cell.title = lost.map(([k, label, tip]) => label + ': ' + fmtInt(drops[k]) + ' ' + tip).join('\n');
    cell.classList.toggle('warn', lost.length > 0);
    if (lost.length) cell.tabIndex = 0; else cell.removeAttribute('tabindex');
    return lost.length;
  }

  function newInterfaceRow() {
    const tr = el('tr');
    tr.dataset.testid = 'interface-row';
    const name = el('th', 'mono iface-name');
    name.scope = 'row';
    tr.appendChild(name);
    const state = td(null, 'iface-state-cell');
    const badge = el('span', 'badge iface-state');
    badge.tabIndex = 0;
    badge.dataset.testid = 'interface-state';
    state.appendChild(badge);
    const att = el('span', 'muted small iface-attaches');
    att.dataset.testid = 'interface-attaches';
    state.appendChild(att);
    tr.appendChild(state);
    tr.appendChild(td(null, 'iface-backend'));
    for (const k of ['in-packets', 'in-bytes', 'out-packets', 'out-bytes', 'pps', 'bps']) {
      const c = td(null, 'num ' + k);
      c.dataset.testid = 'interface-' + k;
      tr.appendChild(c);
    }
    const drops = td(null, 'drops');
    drops.dataset.testid = 'interface-drops';
    tr.appendChild(drops);
    return tr;
  }

  function renderInterfaces() {
    const list = captureInterfaces();
    $('interfaces').hidden = !list;
    if (!changed('interfaces', list)) return;
    if (!list) return;
    const tbody = $('interfaces-table').tBodies[0];
    const old = new Map();
    for (const tr of [...tbody.rows]) {
      if (tr.dataset.iface !== undefined) old.set(tr.dataset.iface, tr);
      else tr.remove();
    }
    let withDrops = 0;
    const count = { up: 0, down: 0, gone: 0 };
    list.forEach((f, i) => {
      const key = ifaceName(f);
      let tr = old.get(key);
      if (tr) old.delete(key); else tr = newInterfaceRow();
      if (fillInterfaceRow(tr, f)) withDrops++;
      if (f.state in count) count[f.state]++;
      // Moving a row that holds the focus would drop it: move only rows out of place.
      if (tbody.rows[i] !== tr) tbody.insertBefore(tr, tbody.rows[i] || null);
    });
    for (const tr of old.values()) tr.remove();
    $('interfaces-table').classList.toggle('no-drops', !withDrops);

    const badge = $('interfaces-state');
    const parts = [fmtInt(list.length) + ' interface' + (list.length === 1 ? '' : 's')];
    if (count.down) parts.push(fmtInt(count.down) + ' down');
    if (count.gone) parts.push(fmtInt(count.gone) + ' gone');
    badge.textContent = parts.join(' · ');
    badge.classList.toggle('alert', count.down + count.gone > 0);
  }

  /* ---------- export ---------- */

  function filenameFrom(res, fallback) {
    const cd = res.headers.get('Content-Disposition') || '';
    const m = /filename="?([^";]+)"?/i.exec(cd);
    return m ? m[1].replace(/[\\/]/g, '_') : fallback;
  }

  /** With a token the link can't carry it, so fetch with the header and hand
   *  the blob to the browser. Without a token the plain link is used. */
  async function downloadWithToken(a, errId) {
    let res;
    try {
      res = await fetch(a.getAttribute('href'), { headers: authHeaders(), cache: 'no-store' });
    } catch (e) {
      setText(errId, 'network error');
      return;
    }
    if (!res.ok) {
      let msg = 'HTTP ' + res.status;
      try { const d = await res.json(); if (d && d.error) msg = String(d.error); } catch (e) { /* not JSON */ }
      if (res.status === 401) showAuth(msg);
      setText(errId, msg);
      return;
    }
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const tmp = document.createElement('a');
    tmp.href = url;
    tmp.download = filenameFrom(res, a.getAttribute('download') || 'wirelens-export');
    document.body.appendChild(tmp);
    tmp.click();
    tmp.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function initExport() {
    for (const a of document.querySelectorAll('#export a[data-format]')) {
      a.addEventListener('click', (ev) => {
        setText('export-error', '');
        if (!S.token) return;
        ev.preventDefault();
        downloadWithToken(a, 'export-error');
      });
    }
    // Recordings of anomalies: the list is re-rendered, so listen on the list.
    $('anomaly-list').addEventListener('click', (ev) => {
      const a = ev.target.closest && ev.target.closest('a[download]');
      if (!a) return;
      setText('anomaly-error', '');
      if (!S.token) return;
      ev.preventDefault();
      downloadWithToken(a, 'anomaly-error');
    });
  }

  /* ---------- rendering ---------- */

  function renderAll() {
    S.renderQueued = false;
    if (!S.stats) return;
    renderState();
    renderHeader();
    renderHealth();
    renderInterfaces();
    renderSelfLoss();
    renderProtocols();
    renderTalkers();
    if (S.tlDirty) renderTimeline();
    if (S.packetsDirty) renderPackets(false);
    if (S.mode === 'live') renderCaptureControls();
    renderLatency();
    renderTcp();
    renderAnomalies();
    renderBpfHints();
    setText('last-update', 'updated ' + new Date().toLocaleTimeString());
    if (!S.rendered) {
      S.rendered = true;
      window.wlReady = true;
    }
  }

  /** Coalesces bursts of events into one render per animation frame. */
  function scheduleRender() {
    if (S.renderQueued) return;
    S.renderQueued = true;
    const raf = window.requestAnimationFrame || ((f) => setTimeout(f, 16));
    // A hidden tab does not run animation frames; fall back to a timer there.
    if (document.hidden) setTimeout(renderAll, 50); else raf(renderAll);
  }

  /* ---------- live: status and events ---------- */

  function applyStatus(st) {
    if (!st || typeof st !== 'object') return;
    S.status = st;
    renderState();
    renderCaptureControls();
    renderSelfLoss();
    renderBpfHints();
    if (S.stats) renderHeader(); else {
      setText('source-backend', get(st, 'capture.backend') || get(st, 'source.backend') || '–');
      setText('source-iface', get(st, 'capture.interface') || get(st, 'source.file') || '–');
    }
  }

  async function loadStatus() {
    const r = await api('/api/v1/status');
    if (r.ok) applyStatus(r.data);
    return r;
  }

  function eventsUrl() {
    return '/api/v1/events' + (S.token ? '?token=' + encodeURIComponent(S.token) : '');
  }

  function parseEvent(ev) {
    try { return JSON.parse(ev.data); } catch (e) { return null; }
  }

  function onSnapshot(ev) {
    const d = parseEvent(ev);
    if (!d || !d.stats) return;
    const prevState = S.status && S.status.state;
    S.stats = d.stats;
    S.packets = [];
    addPackets(d.packets || []);
    S.packetsDirty = true;
    setConn('live');
    scheduleRender();
    // A snapshot follows a capture start/stop: refresh what depends on it.
    if (S.rendered) {
      loadStatus().then(() => {
        if (S.status && S.status.state !== prevState) loadTimeseries();
      });
      loadTalkerTables();
    }
  }

  function onDelta(ev) {
    const d = parseEvent(ev);
    if (!d) return;
    if (!S.stats) return;  // no base yet; the server sends a snapshot first
    if (d.patch) S.stats = mergePatch(S.stats, d.patch);
    if (Array.isArray(d.points)) d.points.forEach(appendPoint);
    addPackets(d.packets);
    setConn('live');
    scheduleRender();
  }

  function openEvents() {
    if (S.es) { S.es.close(); S.es = null; }
    clearTimeout(S.esRetryTimer);
    if (typeof EventSource !== 'function') { setConn('offline'); return; }
    const es = new EventSource(eventsUrl());
    S.es = es;
    setConn('reconnecting');
    es.addEventListener('open', () => setConn('live'));
    es.addEventListener('snapshot', onSnapshot);
    es.addEventListener('delta', onDelta);
    es.addEventListener('error', () => {
      if (S.es !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. 401 or a non-SSE answer): try again in 2 s,
        // after checking whether a token is needed.
        setConn('offline');
        es.close();
        S.es = null;
        S.esRetryTimer = setTimeout(async () => {
          const r = await loadStatus();
          if (r.status !== 401) openEvents();
        }, 2000);
      } else {
        setConn('reconnecting');
      }
    });
  }

  /** Starts (or restarts after a token was entered) the live data flow. */
  async function startLive() {
    const r = await loadStatus();
    if (r.status === 401) return;  // the token prompt is shown; startLive runs again on submit
    if (!r.ok) setConn('offline');
    loadInterfaces();
    loadTimeseries();
    loadTalkerTables();
    loadLatencyAnomalies();
    openEvents();
    if (!S.started) {
      S.started = true;
      setInterval(loadStatus, 5000);
      setInterval(() => { if (!document.hidden) loadTalkerTables(); }, 3000);
      setInterval(loadLatencyAnomalies, 30000);
      // Re-render the timeline at most once a second (points arrive each second).
      setInterval(() => { if (S.tlDirty && S.stats) scheduleRender(); }, 1000);
      // Per-minute windows get no live points; refetch them once a minute.
      setInterval(() => { if (S.tlWindow > 3600 && !document.hidden) loadTimeseries(); }, 60000);
    }
  }

  /* ---------- report mode ---------- */

  function startReport(node) {
    let rep = null;
    try { rep = JSON.parse(node.textContent); } catch (e) { rep = null; }
    S.mode = 'report';
    document.body.dataset.mode = 'report';
    document.documentElement.classList.add('mode-report');
    for (const n of document.querySelectorAll('.live-only')) n.hidden = true;
    for (const n of document.querySelectorAll('.report-only')) n.hidden = false;
    $('display-filter').disabled = true;
    $('display-filter').placeholder = 'display filter needs the live server';
    $('display-filter-clear').hidden = true;

    if (!rep || !rep.stats) {
      setText('report-info', 'Report data could not be read');
      document.body.dataset.state = '';
      window.wlReady = true;
      return;
    }
    S.report = rep;
    S.stats = rep.stats;
    setText('report-info', 'Report generated ' + (rep.generated ? rep.generated : '(unknown time)'));
    S.packets = [];
    addPackets(Array.isArray(rep.packets) ? rep.packets : []);
    // Keep the newest MAX_PACKETS; the report may hold more.
    loadReportTimeline();
    renderReportTalkerTables();
    // Latency, TCP health and anomalies come from the report's snapshot (rep.stats) when
    // the daemon that wrote it measured them.
    const na = { data: { available: false, reason: 'not part of this report' }, err: null };
    S.latencyApi = rep.latency ? { data: rep.latency, err: null } : na;
    S.anomalyApi = rep.anomalies ? { data: rep.anomalies, err: null } : na;
    renderAll();
  }

  /* ---------- boot ---------- */

  function boot() {
    initTheme();
    makeCharts();
    initPngButtons();
    initBpfToggle();
    initProtocolToggle();
    initTimelineControls();
    initTalkerControls();
    initPacketControls();
    renderSortMarks();

    const reportNode = document.getElementById('wl-report');
    if (reportNode) {
      startReport(reportNode);
      return;
    }
    document.body.dataset.mode = 'live';
    for (const n of document.querySelectorAll('.report-only')) n.hidden = true;
    initAuth();
    initCaptureControls();
    initExport();
    setConn('offline');
    startLive();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
