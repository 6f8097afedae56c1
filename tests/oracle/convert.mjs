// Checks of `heapdiff convert IN -o OUT.heapsnapshot`: heapdiff's own .heapsnapshot writer is
// read by Chrome DevTools' own heap-snapshot loader (the worker chrome-devtools-mcp ships, the
// code of the Memory panel), and DevTools' Summary must equal `heapdiff stat` for the same input.
//
// Per input (every .gcdump in --fixtures, the bundled real dumps and generated gcdumps in --data):
//  1. convert exits 0, writes OUT and leaves no temporary file beside it;
//  2. the file, parsed here with JSON.parse, follows DevTools' rules
//     (shared/research/heapsnapshot-format.md): V8's section order, exact node_count/edge_count,
//     sum of edge_count = edge_count, every number an integer in [0, 2^32), to_node a multiple
//     of 7 inside the node array, root first and synthetic, ids unique and odd, string indexes
//     in range, no string twice, element edges numeric, only the node and edge types we write;
//  3. DevTools loads the file and its Summary, per class, has the count, self size and retained
//     size of `heapdiff stat IN --format json --top 0`, row by row (DevTools' "(string)" class is
//     the System.String row; a leading U+2060 is dropped), every class has a row and every row
//     with objects a class; DevTools' total size = heapdiff's totals.retained.
//
// Usage: node --import ./polyfill.mjs convert.mjs --heapdiff BIN [--fixtures DIR] --data DIR
// Prints one line per check and closes with "N passed, N failed, N skipped"; exit 1 on failure.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {devtoolsSummary} from './devtools.mjs';

const opt = {heapdiff: './heapdiff', fixtures: null, data: null, tmp: null};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i], v = process.argv[i + 1];
  if (a === '--heapdiff') opt.heapdiff = v, i++;
  else if (a === '--fixtures') opt.fixtures = v, i++;
  else if (a === '--data') opt.data = v, i++;
  else if (a === '--tmp') opt.tmp = v, i++;
  else { console.error(`convert.mjs: unknown argument ${a}`); process.exit(2); }
}
const tmp = opt.tmp ?? fs.mkdtempSync(path.join(os.tmpdir(), 'heapdiff-convert-'));

let passed = 0, failed = 0, skipped = 0;
function report(name, problems, note = '') {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
    return;
  }
  failed++;
  console.log(`FAIL ${name}: ${problems.length} problem(s)${problems.length > 10 ? ', first 10' : ''}:`);
  for (const p of problems.slice(0, 10)) console.log(`       ${p}`);
}
function skip(name, why) { skipped++; console.log(`skip ${name}: ${why}`); }

const NODE_TYPES_WRITTEN = new Set(['synthetic', 'object', 'string']);
const EDGE_TYPES_WRITTEN = new Set(['element', 'property', 'weak']);
const SECTIONS = ['snapshot', 'nodes', 'edges', 'trace_function_infos', 'trace_tree', 'samples', 'locations', 'strings'];

// The file's structure, checked with JSON.parse (independent of DevTools' token scanner).
function structure(file) {
  const p = [];
  const text = fs.readFileSync(file, 'utf8');
  const j = JSON.parse(text);
  const keys = Object.keys(j);
  if (keys.join() !== SECTIONS.join()) p.push(`sections ${keys.join()} (expected ${SECTIONS.join()})`);
  const m = j.snapshot.meta, nf = m.node_fields.length, ef = m.edge_fields.length;
  if (nf !== 7 || ef !== 3) p.push(`node_fields ${nf}, edge_fields ${ef}`);
  const N = j.snapshot.node_count, E = j.snapshot.edge_count;
  if (j.nodes.length !== N * nf) p.push(`nodes: ${j.nodes.length} numbers for node_count ${N}`);
  if (j.edges.length !== E * ef) p.push(`edges: ${j.edges.length} numbers for edge_count ${E}`);
  for (const [what, arr] of [['nodes', j.nodes], ['edges', j.edges]])
    for (let i = 0; i < arr.length; i++)
      if (!Number.isInteger(arr[i]) || arr[i] < 0 || arr[i] >= 2 ** 32) { p.push(`${what}[${i}] = ${arr[i]}`); break; }
  const nt = m.node_types[0], et = m.edge_types[0], S = j.strings.length;
  const ids = new Set();
  let sumEdges = 0;
  const counts = {weak: 0, element: 0, property: 0};
  for (let k = 0; k < N; k++) {
    const o = k * nf, type = nt[j.nodes[o]], id = j.nodes[o + 2];
    if (!NODE_TYPES_WRITTEN.has(type)) p.push(`node ${k}: type ${type}`);
    if (k === 0 && type !== 'synthetic') p.push(`root (node 0) is ${type}`);
    if (j.nodes[o + 1] >= S) p.push(`node ${k}: name ${j.nodes[o + 1]} of ${S} strings`);
    if (id % 2 !== 1 || ids.has(id)) p.push(`node ${k}: id ${id} (${ids.has(id) ? 'repeated' : 'even'})`);
    ids.add(id);
    sumEdges += j.nodes[o + 4];
  }
  if (sumEdges !== E) p.push(`sum of edge_count ${sumEdges}, edge_count ${E}`);
  for (let k = 0; k < E; k++) {
    const o = k * ef, type = et[j.edges[o]], name = j.edges[o + 1], to = j.edges[o + 2];
    if (!EDGE_TYPES_WRITTEN.has(type)) { p.push(`edge ${k}: type ${type}`); continue; }
    counts[type]++;
    if (type !== 'element' && name >= S) p.push(`edge ${k}: name ${name} of ${S} strings`);
    if (to % nf !== 0 || to >= N * nf) p.push(`edge ${k}: to_node ${to}`);
  }
  if (new Set(j.strings).size !== S) p.push(`strings: ${S - new Set(j.strings).size} repeated`);
  return {problems: p, N, E, S, counts, bytes: text.length};
}

function stat(input) {
  const r = spawnSync(opt.heapdiff, ['stat', input, '--format', 'json', '--top', '0'], {encoding: 'utf8', maxBuffer: 1 << 29});
  if (r.status !== 0) throw new Error(`heapdiff stat ${input}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function checkInput(input) {
  const name = path.basename(input);
  const out = path.join(tmp, `${name}.heapsnapshot`);
  const r = spawnSync(opt.heapdiff, ['convert', input, '-o', out], {encoding: 'utf8'});
  const left = fs.readdirSync(tmp).filter(f => f.startsWith(`${name}.heapsnapshot.tmp`));
  if (r.status !== 0 || !fs.existsSync(out) || left.length) {
    report(`convert ${name}`, [`exit ${r.status}, file ${fs.existsSync(out) ? 'written' : 'missing'}, temporaries ${left.join(' ') || 'none'}; stderr: ${r.stderr.trim().slice(0, 300)}`]);
    return;
  }
  report(`convert ${name}`, []);
  let st;
  try { st = structure(out); } catch (e) { report(`${name}: structure`, [`exception: ${e.stack ?? e}`]); return; }
  report(`${name}: structure`, st.problems,
         `${st.N} nodes, ${st.E} edges (${st.counts.element} element, ${st.counts.property} property, ${st.counts.weak} weak), ${st.S} strings, ${st.bytes} bytes`);

  const p = [];
  try {
    const [dt, js] = [await devtoolsSummary(out), stat(input)];
    const classes = new Map();
    for (const [cls, v] of dt.classes) classes.set(cls === '(string)' ? 'System.String' : cls.replace(/^\u2060/, ''), v);
    const seen = new Set();
    for (const row of js.types) {
      seen.add(row.name);
      const c = classes.get(row.name);
      if (!c) { if (row.count > 0) p.push(`row ${JSON.stringify(row.name)}: no DevTools class`); continue; }
      if (c.count !== row.count || c.self !== row.shallow || c.retained !== row.retained)
        p.push(`${JSON.stringify(row.name)}: DevTools count ${c.count} self ${c.self} retained ${c.retained}; ` +
               `heapdiff ${row.count} ${row.shallow} ${row.retained}`);
    }
    for (const cls of classes.keys()) if (!seen.has(cls)) p.push(`DevTools class ${JSON.stringify(cls)}: no heapdiff row`);
    if (dt.totalSize !== js.totals.retained) p.push(`DevTools total ${dt.totalSize}, heapdiff totals.retained ${js.totals.retained}`);
    report(`${name}: DevTools Summary = heapdiff stat`, p, `${classes.size} classes, retained ${dt.totalSize}`);
  } catch (e) {
    report(`${name}: DevTools Summary = heapdiff stat`, [`exception: ${e.stack ?? e}`]);
  }
}

const inputs = [];
if (opt.fixtures && fs.existsSync(opt.fixtures)) {
  for (const f of fs.readdirSync(opt.fixtures).sort()) if (f.endsWith('.gcdump')) inputs.push(path.join(opt.fixtures, f));
} else {
  skip('third-party .gcdump fixtures', `${opt.fixtures ?? '--fixtures'} is absent`);
}
if (opt.data)
  for (const f of fs.readdirSync(opt.data).sort()) if (/\.(gcdump|core\.xz)$/.test(f)) inputs.push(path.join(opt.data, f));
for (const f of inputs) await checkInput(f);
if (!opt.tmp) fs.rmSync(tmp, {recursive: true, force: true});
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
