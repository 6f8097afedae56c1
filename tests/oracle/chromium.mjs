// One converted file in a real browser: a headless Chromium (Debian's `chromium`, whose
// resources contain the DevTools frontend) opens devtools://devtools/bundled/devtools_app.html,
// shows the Memory panel, loads the .heapsnapshot written by `heapdiff convert` through the
// panel's own loadFromFile (what its Load button calls), opens the snapshot's Summary view and
// reads the rows of its class grid. Every row (class, count, shallow size, retained size, as the
// grid holds them) must equal `heapdiff stat` of the same input, and every stat row with objects
// must be in the grid.
//
// Driven over the Chrome DevTools Protocol with Node's WebSocket (Node 22+, or Node 20 with
// --experimental-websocket): no npm package. It uses DevTools internals (module paths,
// HeapProfilerPanel.instance(), the view's data grid), which may change between Chromium
// versions: a failure to find them is reported as such.
//
// Usage: node [--experimental-websocket] chromium.mjs --heapdiff BIN --input FILE [--chromium PATH]
// Skips (exit 0) when chromium is not installed. Closes with "N passed, N failed, N skipped".

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn, spawnSync} from 'node:child_process';

const opt = {heapdiff: './heapdiff', input: null, chromium: null};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i], v = process.argv[i + 1];
  if (a === '--heapdiff') opt.heapdiff = v, i++;
  else if (a === '--input') opt.input = v, i++;
  else if (a === '--chromium') opt.chromium = v, i++;
  else { console.error(`chromium.mjs: unknown argument ${a}`); process.exit(2); }
}
const done = (p, f, s) => { console.log(`${p} passed, ${f} failed, ${s} skipped`); process.exit(f ? 1 : 0); };
const browserPath = opt.chromium ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => fs.existsSync(p));
if (!browserPath) { console.log('skip chromium: not installed (Debian: apt-get install chromium)'); done(0, 0, 1); }
if (typeof WebSocket !== 'function') { console.log('skip chromium: this node has no WebSocket (use --experimental-websocket)'); done(0, 0, 1); }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'heapdiff-chromium-'));
const out = path.join(tmp, `${path.basename(opt.input)}.heapsnapshot`);
let browser;
const fail = (msg) => { console.log(`FAIL chromium: ${msg}`); cleanup(); done(0, 1, 0); };
function cleanup() {
  if (browser && browser.exitCode === null) browser.kill('SIGKILL');
  // The browser's children may still be writing its profile for a moment.
  try { fs.rmSync(tmp, {recursive: true, force: true, maxRetries: 10, retryDelay: 200}); } catch { /* left in tmp */ }
}

const conv = spawnSync(opt.heapdiff, ['convert', opt.input, '-o', out], {encoding: 'utf8'});
if (conv.status !== 0) fail(`heapdiff convert: exit ${conv.status}: ${conv.stderr}`);
const st = spawnSync(opt.heapdiff, ['stat', opt.input, '--format', 'json', '--top', '0'], {encoding: 'utf8', maxBuffer: 1 << 28});
if (st.status !== 0) fail(`heapdiff stat: exit ${st.status}: ${st.stderr}`);
const stat = JSON.parse(st.stdout);

// Start the browser; it writes its debugging port to DevToolsActivePort in the profile.
browser = spawn(browserPath, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--remote-debugging-port=0', `--user-data-dir=${path.join(tmp, 'profile')}`, 'about:blank'],
  {stdio: ['ignore', 'ignore', 'pipe']});
let stderr = '';
browser.stderr.on('data', d => { stderr += d; });
const timer = setTimeout(() => fail(`timed out; browser stderr: ${stderr.slice(-500)}`), 120000);
const portFile = path.join(tmp, 'profile', 'DevToolsActivePort');
let wsPath = null;
for (let i = 0; i < 300 && !wsPath; i++) {
  if (browser.exitCode !== null) fail(`chromium exited ${browser.exitCode}: ${stderr.slice(-500)}`);
  if (fs.existsSync(portFile)) {
    const [port, p] = fs.readFileSync(portFile, 'utf8').split('\n');
    if (port && p) wsPath = `ws://127.0.0.1:${port}${p}`;
  }
  if (!wsPath) await new Promise(r => setTimeout(r, 100));
}
if (!wsPath) fail('no DevToolsActivePort');

// Minimal CDP client (flattened sessions).
const ws = new WebSocket(wsPath);
await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('websocket error')); });
let nextId = 1;
const pending = new Map(), waiters = [];
ws.onmessage = (ev) => {
  const m = JSON.parse(ev.data);
  if (m.id && pending.has(m.id)) {
    const {res, rej} = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) rej(new Error(`${m.error.message} ${m.error.data ?? ''}`)); else res(m.result);
  } else if (m.method) {
    for (const w of waiters.splice(0)) if (!w(m)) waiters.push(w);
  }
};
const send = (method, params = {}, sessionId) => new Promise((res, rej) => {
  const id = nextId++;
  pending.set(id, {res, rej});
  ws.send(JSON.stringify({id, method, params, ...(sessionId ? {sessionId} : {})}));
});
const waitEvent = (pred) => new Promise(res => waiters.push(m => pred(m) && (res(m), true)));

// In the DevTools page: show the Memory panel, load the file, open its Summary, read the grid.
async function inPage(text, name) {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const UI = await import('./ui/legacy/legacy.js');
  // The app finishes starting (locale data, views) after the load event: retry until it has.
  for (let i = 0;; i++) {
    try {
      await UI.ViewManager.ViewManager.instance().showView('heap-profiler');
      break;
    } catch (e) {
      if (i >= 300) return {error: `the Memory panel did not open: ${e.message}`};
      await sleep(100);
    }
  }
  const Profiler = await import('./panels/profiler/profiler.js');
  const panel = Profiler.HeapProfilerPanel.HeapProfilerPanel.instance();
  await panel.loadFromFile(new File([text], name));
  const header = panel.findProfileTypeByExtension(name).getProfiles().at(-1);
  for (let i = 0; i < 600 && !header.snapshotProxy; i++) await sleep(100);
  if (!header.snapshotProxy) return {error: 'the snapshot did not load'};
  panel.showProfile(header);
  const view = panel.visibleView;
  if (!view || !view.constructorsDataGrid) return {error: 'no Summary view (constructorsDataGrid)'};
  const grid = view.constructorsDataGrid;
  let rows = [], stable = 0, last = -1;
  for (let i = 0; i < 600 && stable < 10; i++) {
    rows = typeof grid.topLevelNodes === "function" ? grid.topLevelNodes() : grid.rootNode().children;
    stable = rows.length && rows.length === last ? stable + 1 : 0;
    last = rows.length;
    await sleep(100);
  }
  // The first rows as the grid's cells show them (formatted text).
  const shown = rows.slice(0, 5).map(r => ['object', 'count', 'distance', 'shallowSize', 'retainedSize']
      .map(k => String(r.data?.[k] ?? '').replace(/\s+/g, ' ')).join(' | '));
  return {
    perspective: view.currentPerspective?.title?.() ?? null,
    rows: rows.map(r => ({name: r.name, count: r.count, shallow: r.shallowSize, retained: r.retainedSize})),
    shown, totalSize: header.snapshotProxy.staticData?.totalSize,
  };
}

let result;
try {
  const {targetId} = await send('Target.createTarget', {url: 'about:blank'});
  const {sessionId} = await send('Target.attachToTarget', {targetId, flatten: true});
  await send('Page.enable', {}, sessionId);
  const loaded = waitEvent(m => m.method === 'Page.loadEventFired' && m.sessionId === sessionId);
  await send('Page.navigate', {url: 'devtools://devtools/bundled/devtools_app.html'}, sessionId);
  await loaded;
  const text = fs.readFileSync(out, 'utf8');
  const r = await send('Runtime.evaluate', {
    expression: `(${inPage.toString()})(${JSON.stringify(text)}, ${JSON.stringify(path.basename(out))})`,
    awaitPromise: true, returnByValue: true}, sessionId);
  if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails).slice(0, 800));
  result = r.result.value;
  const v = await send('Browser.getVersion');
  console.log(`browser ${v.product}`);
} catch (e) {
  fail(`${e.message}; browser stderr: ${stderr.slice(-300)}`);
}
clearTimeout(timer);
ws.close();
if (result.error) fail(result.error);

const problems = [];
const grid = new Map();
for (const r of result.rows) grid.set(r.name === '(string)' ? 'System.String' : r.name.replace(/^\u2060/, ''), r);
const seen = new Set();
for (const row of stat.types) {
  seen.add(row.name);
  const g = grid.get(row.name);
  if (!g) { if (row.count > 0) problems.push(`row ${JSON.stringify(row.name)}: not in the Summary grid`); continue; }
  if (g.count !== row.count || g.shallow !== row.shallow || g.retained !== row.retained)
    problems.push(`${JSON.stringify(row.name)}: Summary count ${g.count} shallow ${g.shallow} retained ${g.retained}; heapdiff ${row.count} ${row.shallow} ${row.retained}`);
}
for (const name of grid.keys()) if (!seen.has(name)) problems.push(`Summary class ${JSON.stringify(name)}: no heapdiff row`);
if (result.totalSize !== stat.totals.retained) problems.push(`total ${result.totalSize}, heapdiff totals.retained ${stat.totals.retained}`);
console.log(`${result.perspective} view, first rows as shown (class | count | distance | shallow | retained):\n  ${result.shown.join('\n  ')}`);
cleanup();
if (problems.length) {
  console.log(`FAIL chromium Memory panel Summary = heapdiff stat: ${problems.length} problem(s):`);
  for (const p of problems.slice(0, 10)) console.log(`       ${p}`);
  done(0, 1, 0);
}
console.log(`ok   chromium Memory panel Summary = heapdiff stat (${path.basename(opt.input)}: ${result.rows.length} classes, total ${result.totalSize})`);
done(1, 0, 0);
