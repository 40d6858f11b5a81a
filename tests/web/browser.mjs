// SPDX-License-Identifier: MIT
// The dashboard in headless Chromium (Debian's), driven by playwright-core.
//   node browser.mjs live URL ARTIFACT_DIR IFACES -- a running daemon capturing on IFACES
//                                                    (comma-separated, the first gets the
//                                                    traffic); prints JSON findings
//   node browser.mjs report FILE ARTIFACT_DIR -- a --report file, with the network cut off
// Steps that need the test's help (traffic, a DNS name) are signalled on stdout
// ("STEP name") and waited for on stdin ("GO"). Exit status 0 when every check held;
// failures are printed as "FAIL: ...".
import { createRequire } from 'node:module';
import readline from 'node:readline';

const require = createRequire(import.meta.url);
const { chromium } = require('../../web/node_modules/playwright-core');

const [mode, target, artifacts, ifaceArg] = process.argv.slice(2);
const ifaces = (ifaceArg || '').split(',').filter(Boolean);
const failures = [];
const findings = {};
const check = (ok, what) => { if (!ok) failures.push(what); };

const rl = readline.createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
async function step(name) {
  console.log(`STEP ${name}`);
  const { value } = await lines.next();
  if (value !== 'GO') throw new Error(`step ${name}: test said ${value}`);
}

// How many canvas pixels are not fully transparent (a rendered chart has many).
async function inkedPixels(page, id) {
  return page.evaluate((cid) => {
    const c = document.getElementById(cid);
    if (!c || !c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
    return n;
  }, id);
}

const num = (s) => Number(String(s).replace(/[^0-9]/g, ''));
const cellNum = (s) => Number(String(s).replace(/[^0-9.]/g, ''));

// Latency, TCP health, anomalies and self-loss after the test pinged B from A and sent the mix.
async function analysisPanels(page) {
  // The pings' round trips: the ICMP row counts samples and has a median.
  const icmp = '[data-testid="latency-table"] tr[data-method="icmp"]';
  await page.waitForFunction((sel) => {
    const c = document.querySelector(sel + ' td.samples');
    return c && Number(c.textContent.replace(/[^0-9]/g, '')) > 0;
  }, icmp, { timeout: 15000 }).catch(() => {});
  const row = await page.locator(`${icmp} td`).allTextContents();
  findings.latency_icmp = row;
  check(row.length === 7 && cellNum(row[1]) > 0, `no ICMP latency samples: ${row.join(' | ') ||
    await page.textContent('[data-testid="latency-reason"]')}`);
  check(row.length === 7 && cellNum(row[3]) > 0, `ICMP p50 is not a time: ${row[3]}`);
  findings.latency_chart = await inkedPixels(page, 'latency-chart');
  check(findings.latency_chart > 100, `latency-chart is blank (${findings.latency_chart} inked pixels)`);

  // TCP health has numbers: the mix has TCP segments, and a retransmission percentage.
  findings.tcp_retrans = (await page.textContent('[data-testid="tcp-retrans"]')).trim();
  check(/^(<)?[0-9.]+%$/.test(findings.tcp_retrans), `tcp-retrans is "${findings.tcp_retrans}"`);
  const seg = await page.locator('[data-testid="tcp-table"] tr[data-counter="segments"] td').allTextContents();
  findings.tcp_segments = seg;
  check(seg.length === 5 && num(seg[1]) > 0, `TCP segments: ${seg.join(' | ')}`);
  // A count over the last second is at most the count since the start.
  const rates = await page.locator('[data-testid="tcp-table"] tbody tr').evaluateAll((rs) =>
    rs.map((r) => [...r.cells].map((c) => c.textContent)));
  for (const [name, total, perS] of rates) {
    check(perS === '' || cellNum(perS) <= num(total), `TCP ${name}: ${perS} per second of ${total}`);
  }

  // A normal test raises no alarm: the empty state, with the thresholds.
  findings.anomaly_rows = await page.locator('[data-testid="anomaly-row"]').count();
  findings.anomaly_empty = await page.locator('[data-testid="anomaly-empty"]').isVisible()
    ? (await page.textContent('[data-testid="anomaly-empty"]')).trim() : null;
  check(findings.anomaly_rows === 0, `${findings.anomaly_rows} anomalies raised: ` +
    (await page.locator('[data-testid="anomaly-list"]').innerText()).slice(0, 300));
  check(findings.anomaly_empty === 'No anomalies', `anomaly empty state: ${findings.anomaly_empty}`);
  findings.anomaly_thresholds = (await page.textContent('[data-testid="anomaly-thresholds"]')).trim();
  check(/\d/.test(findings.anomaly_thresholds), 'the anomaly thresholds are not shown');

  // Self-loss: every counter is there, a number, and explained in a tooltip.
  const tiles = await page.locator('[data-testid="selfloss-panel"] .loss').evaluateAll((ns) =>
    ns.map((n) => ({ id: n.dataset.testid, value: n.querySelector('.loss-value').textContent,
      tip: n.title.length })));
  findings.selfloss = Object.fromEntries(tiles.map((t) => [t.id, t.value]));
  for (const id of ['ring', 'events', 'pcap-kernel', 'pcap-ifdrop', 'flow-insert', 'limited']) {
    const t = tiles.find((x) => x.id === `selfloss-${id}`);
    check(t && /^[0-9,]+$/.test(t.value), `self-loss ${id}: ${t ? t.value : 'missing'}`);
    check(t && t.tip > 20, `self-loss ${id} has no explanation`);
  }

  // Latency, TCP health and anomalies (below the packets); self-loss (below the overview).
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await page.evaluate(() => {
    const r = ['latency', 'tcp', 'anomalies'].map((id) =>
      document.getElementById(id).getBoundingClientRect());
    const top = Math.min(...r.map((x) => x.top)) + window.scrollY;
    const bottom = Math.max(...r.map((x) => x.bottom)) + window.scrollY;
    return { x: 0, y: top - 8, width: document.documentElement.clientWidth, height: bottom - top + 16 };
  });
  await page.screenshot({ path: `${artifacts}/dashboard-latency.png`, fullPage: true, clip: box });
  await page.locator('#selfloss').screenshot({ path: `${artifacts}/dashboard-selfloss.png` });
}

// The interfaces panel: one row per capture interface, in order, each with a state; the one
// the test sends to has counted frames in.
async function interfacesPanel(page) {
  const panel = page.locator('[data-testid="interfaces-panel"]');
  check(await panel.isVisible(), 'the interfaces panel is hidden in a live capture');
  const rowsOf = () => page.locator('[data-testid="interface-row"]').evaluateAll((rs) => rs.map((r) => ({
    name: r.cells[0].textContent,
    state: r.dataset.state,
    badge: r.querySelector('[data-testid="interface-state"]').textContent,
    focusable: r.querySelector('[data-testid="interface-state"]').tabIndex === 0,
    tip: r.querySelector('[data-testid="interface-state"]').title,
    in: r.querySelector('[data-testid="interface-in-packets"]').textContent,
    pps: r.querySelector('[data-testid="interface-pps"]').textContent,
    bps: r.querySelector('[data-testid="interface-bps"]').textContent,
  })));
  const rows = await rowsOf();
  findings.interfaces = rows.map(({ name, badge, in: n, pps, bps }) => ({ name, badge, in: n, pps, bps }));
  check(rows.map((r) => r.name).join(',') === ifaces.join(','),
    `interface rows ${rows.map((r) => r.name).join(',')}, capturing on ${ifaces.join(',')}`);
  for (const r of rows) {
    check(['up', 'down', 'gone'].includes(r.state) && r.badge === r.state,
      `interface ${r.name}: state "${r.state}", badge "${r.badge}"`);
    check(r.focusable && r.tip.startsWith(r.state), `interface ${r.name}: state not focusable or unexplained`);
    check(/^[0-9.]+ [kMG]?pps$/.test(r.pps) && /bit\/s$/.test(r.bps), `interface ${r.name}: rates ${r.pps} ${r.bps}`);
  }
  const first = rows.find((r) => r.name === ifaces[0]);
  check(first && first.state === 'up', `interface ${ifaces[0]} is not up`);
  check(first && num(first.in) > 0, `interface ${ifaces[0]} counted no frame in: ${first && first.in}`);
  const heads = await page.locator('#interfaces-table thead th').allTextContents();
  check(heads.includes('Interface') && heads.includes('In pkts'), `interfaces table headers: ${heads.join(' | ')}`);
  findings.interfaces_badge = (await page.textContent('[data-testid="interfaces-state"]')).trim();
  await panel.screenshot({ path: `${artifacts}/dashboard-interfaces.png` });
  return first ? num(first.in) : 0;
}

async function live(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // (Chromium also logs every 4xx answer as an error: the bad filter below gets one on purpose.)
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  await page.goto(target);
  await page.waitForFunction(() => window.wlReady === true, null, { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('conn-state').dataset.conn === 'live',
    null, { timeout: 10000 });
  const before = num(await page.textContent('#total-packets'));
  findings.before = before;
  await step('traffic');
  await page.waitForFunction((b) =>
    Number(document.getElementById('total-packets').textContent.replace(/[^0-9]/g, '')) > b,
  before, { timeout: 15000 });
  findings.after = num(await page.textContent('#total-packets'));
  await page.waitForTimeout(2500);
  for (const id of ['chart-protocols', 'chart-timeline', 'chart-talkers']) {
    findings[id] = await inkedPixels(page, id);
    check(findings[id] > 100, `${id} is blank (${findings[id]} inked pixels)`);
  }
  const rows = await page.locator('#packet-table tbody tr').count();
  findings.packet_rows = rows;
  check(rows > 0, 'the packet table is empty');
  await page.screenshot({ path: `${artifacts}/dashboard-live.png`, fullPage: true });
  const ifaceIn = await interfacesPanel(page);
  await analysisPanels(page);

  // The name of a DNS query made of HTML stays text.
  await step('xss');
  await page.waitForFunction(() =>
    document.querySelector('#packet-table tbody').textContent.includes('onerror'), null,
  { timeout: 15000 });
  findings.xss_img_elements = await page.locator('#packet-table img').count();
  findings.xss_ran = await page.evaluate(() => window.__wlxss === 1);
  check(findings.xss_img_elements === 0, 'a DNS name became an <img> element');
  check(!findings.xss_ran, 'script in a DNS name ran');
  // The interface's row follows the events: the query is one more frame in.
  const inCell = `[data-testid="interface-row"][data-iface="${ifaces[0]}"] [data-testid="interface-in-packets"]`;
  findings.interface_in_after_xss = await page.waitForFunction(([sel, n]) => {
    const c = document.querySelector(sel);
    const v = c ? Number(c.textContent.replace(/[^0-9]/g, '')) : 0;
    return v > n ? v : false;
  }, [inCell, ifaceIn], { timeout: 10000 }).then((h) => h.jsonValue()).catch(() => null);
  check(findings.interface_in_after_xss !== null, `the row of ${ifaces[0]} stayed at ${ifaceIn} frames in`);
  await page.screenshot({ path: `${artifacts}/dashboard-xss.png`, fullPage: true });

  // Stop and start the capture from the page.
  await page.click('#capture-stop');
  await page.waitForFunction(() => document.body.dataset.state === 'stopped', null,
    { timeout: 15000 });
  findings.stopped = true;
  await page.click('#capture-start');
  await page.waitForFunction(() => document.body.dataset.state === 'capturing', null,
    { timeout: 15000 });
  findings.restarted = true;

  // A capture filter from the page.
  await page.fill('#capture-filter', 'udp or icmp');
  await page.click('#capture-filter-apply');
  await page.waitForFunction(async () => {
    const r = await fetch('/api/v1/filter');
    return (await r.json()).filter === 'udp or icmp';
  }, null, { timeout: 10000 });
  findings.filter_applied = true;
  // A bad one shows the server's error.
  await page.fill('#capture-filter', 'tcp port 99999');
  await page.click('#capture-filter-apply');
  await page.waitForFunction(() =>
    document.getElementById('capture-filter-error').textContent.trim().length > 0, null,
  { timeout: 10000 });
  findings.filter_error = (await page.textContent('#capture-filter-error')).trim();

  // Dark theme and a phone-sized screen.
  await page.click('#theme-toggle');
  await page.screenshot({ path: `${artifacts}/dashboard-toggled-theme.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(500);
  findings.phone_overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth - window.innerWidth);
  check(findings.phone_overflow <= 1, `the page scrolls sideways on a phone (${findings.phone_overflow} px)`);
  await page.screenshot({ path: `${artifacts}/dashboard-phone.png`, fullPage: true });
  findings.page_errors = errors;
  check(errors.length === 0, `page errors: ${errors.join(' | ')}`);
}

async function report(page) {
  const requests = [];
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
  await page.route(/^(?!file:|data:)/, (route) => route.abort());
  await page.goto(`file://${target}`);
  await page.waitForFunction(() => window.wlReady === true, null, { timeout: 15000 });
  await page.waitForTimeout(1000);
  findings.mode = await page.evaluate(() => document.body.dataset.mode);
  check(findings.mode === 'report', `mode is ${findings.mode}, not report`);
  findings.total_packets = num(await page.textContent('#total-packets'));
  // A file has no interfaces: no panel.
  findings.interfaces_panel = await page.locator('[data-testid="interfaces-panel"]').isVisible();
  findings.interface_rows = await page.locator('[data-testid="interface-row"]').count();
  check(!findings.interfaces_panel && findings.interface_rows === 0,
    `a file shows the interfaces panel (${findings.interface_rows} rows)`);
  for (const id of ['chart-protocols', 'chart-timeline', 'chart-talkers']) {
    findings[id] = await inkedPixels(page, id);
    check(findings[id] > 100, `${id} is blank in the report`);
  }
  findings.network_requests = requests;
  check(requests.length === 0, `the report asked the network for ${requests.join(', ')}`);
  await page.screenshot({ path: `${artifacts}/report.png`, fullPage: true });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let status = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(15000);
  if (mode === 'live') await live(page);
  else await report(page);
} catch (e) {
  failures.push(String(e && e.message ? e.message.split('\n')[0] : e));
} finally {
  await browser.close();
}
console.log(`FINDINGS ${JSON.stringify(findings)}`);
for (const f of failures) console.log(`FAIL: ${f}`);
if (failures.length) status = 1;
rl.close();
process.exit(status);
