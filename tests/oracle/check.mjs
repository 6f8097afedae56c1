// Oracle checks of `heapdiff stat` and `heapdiff diff` on the real .gcdump fixtures.
//
// Independent code on the other side of every comparison:
// - gcdump.mjs reads each .gcdump (written from the format note, not from heapdiff's reader);
//   its result is checked against the fixtures' README facts and PerfView's own XML dump;
// - to_heapsnapshot.mjs writes the reachable graph as a .heapsnapshot and Chrome DevTools' own
//   heap-snapshot worker (npm chrome-devtools-mcp) computes the Summary view: per class count,
//   self size and retained size, and the root's retained size;
// - ajv validates every JSON report against formats/report.schema.json.
//
// Usage: node --import ./polyfill.mjs check.mjs --heapdiff BIN --fixtures DIR
//             [--schema FILE] [--tmp DIR] [--pairs all|adjacent]
// Prints one line per check and closes with "N passed, N failed, N skipped"; exit 1 on failure.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import {readGcdumpFile} from './gcdump.mjs';
import {reachability, rowKey, writeHeapsnapshot} from './to_heapsnapshot.mjs';
import {devtoolsSummary} from './devtools.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;

// ---------------------------------------------------------------------------------------------
// Arguments, bookkeeping

const opt = {heapdiff: './heapdiff', fixtures: null, schema: null, tmp: null, pairs: 'all'};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = process.argv[i + 1];
  if (a === '--heapdiff') opt.heapdiff = v, i++;
  else if (a === '--fixtures') opt.fixtures = v, i++;
  else if (a === '--schema') opt.schema = v, i++;
  else if (a === '--tmp') opt.tmp = v, i++;
  else if (a === '--pairs') opt.pairs = v, i++;
  else { console.error(`check.mjs: unknown argument ${a}`); process.exit(2); }
}
opt.schema ??= path.join(HERE, '../../formats/report.schema.json');
if (!opt.fixtures) { console.error('check.mjs: --fixtures DIR is required'); process.exit(2); }
const tmp = opt.tmp ?? fs.mkdtempSync(path.join(os.tmpdir(), 'heapdiff-oracle-'));
const removeTmp = !opt.tmp;

let passed = 0, failed = 0, skipped = 0;
const MAX_SHOWN = 10;

// problems: array of strings, one per differing row or fact.
function report(name, problems, note = '') {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
    return true;
  }
  failed++;
  console.log(`FAIL ${name}: ${problems.length} difference(s)${problems.length > MAX_SHOWN ? `, first ${MAX_SHOWN}` : ''}:`);
  for (const p of problems.slice(0, MAX_SHOWN)) console.log(`       ${p}`);
  return false;
}
function skip(name, why) {
  skipped++;
  console.log(`skip ${name}: ${why}`);
}
function guard(name, fn) {
  try { return fn(); } catch (e) { report(name, [`exception: ${e.stack ?? e}`]); return undefined; }
}

function runHeapdiff(args) {
  const r = spawnSync(opt.heapdiff, args, {encoding: 'utf8', maxBuffer: 1 << 29});
  if (r.error) throw r.error;
  return {code: r.status, signal: r.signal, out: r.stdout, err: r.stderr, cmd: `heapdiff ${args.join(' ')}`};
}
// Runs heapdiff and parses its JSON; problems are pushed to `problems`.
function heapdiffJson(args, problems, wantCode = 0) {
  const r = runHeapdiff(args);
  if (r.code !== wantCode) {
    problems.push(`${r.cmd}: exit ${r.code ?? r.signal} (expected ${wantCode}); stderr: ${r.err.trim().slice(0, 400)}`);
    if (r.code !== 0 && r.code !== 3) return null;
  }
  try { return JSON.parse(r.out); } catch (e) {
    problems.push(`${r.cmd}: output is not JSON (${e.message}): ${r.out.slice(0, 200)}`);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Schema

const ajv = new Ajv2020({strict: true, allErrors: true});
const schema = JSON.parse(fs.readFileSync(opt.schema, 'utf8'));
const validate = ajv.compile(schema);
function schemaProblems(json, what) {
  if (validate(json)) return [];
  // oneOf mixes the errors of both report shapes; ask the shape named by "command" for its own.
  const branch = !json ? 'statReport'
      : json.command === 'diff' ? 'diffReport'
      : json.command === 'info' ? (json.format === 'gcdump' ? 'infoSnapshot' : 'infoDump')
      : 'statReport';
  const sub = ajv.getSchema(`${schema.$id}#/$defs/${branch}`);
  const errs = sub && !sub(json) ? sub.errors : validate.errors;
  return errs.map(e => `${what}: schema: ${e.instancePath || '/'} ${e.message}` +
      (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''));
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF)

function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') i++;
    if (c === '\n' || c === '\r') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Fixture facts from shared/fixtures/gcdump/README.md and PerfView's XML baseline

function readmeFacts(dir) {
  const f = path.join(dir, 'README.md');
  if (!fs.existsSync(f)) return null;
  const out = new Map();
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    // | file | writer | nodes | types | TotalSize | edges | undefined | root type | Is64Bit | extras |
    const cells = line.split('|').map(s => s.trim());
    if (cells.length < 11 || !/^[\d,]+$/.test(cells[3] ?? '')) continue;
    const num = s => Number(s.replace(/,/g, ''));
    out.set(cells[1], {nodes: num(cells[3]), types: num(cells[4]), total_size: num(cells[5]), edges: num(cells[6]),
                       undefined_nodes: num(cells[7]), root_type: cells[8].replace(/`/g, ''), is64bit: cells[9] === '1'});
  }
  return out;
}

function xmlProblems(g, xmlFile) {
  const text = fs.readFileSync(xmlFile, 'utf8');
  const unesc = s => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
                      .replace(/&amp;/g, '&');
  const problems = [];
  const typeRe = /<NodeType Index="(\d+)" Name="([^"]*)"/g;
  let m, types = 0;
  while ((m = typeRe.exec(text))) {
    types++;
    const i = +m[1];
    if (g.types[i]?.name !== unesc(m[2])) problems.push(`type ${i}: XML name ${JSON.stringify(unesc(m[2]))}, reader ${JSON.stringify(g.types[i]?.name)}`);
  }
  if (types !== g.types.length) problems.push(`XML has ${types} types, reader ${g.types.length}`);
  const nodeRe = /<Node Index="(\d+)" TypeIndex="(\d+)" Size="(\d+)" Type="[^"]*" NumChildren="(\d+)" Address="0x([0-9a-fA-F]+)" End="[^"]*"(\/>|>([^<]*)<\/Node>)/g;
  let nodes = 0;
  while ((m = nodeRe.exec(text))) {
    nodes++;
    const i = +m[1];
    const kids = m[7] ? m[7].trim().split(/\s+/).filter(Boolean).map(Number) : [];
    const got = [...g.edges.subarray(g.first[i], g.first[i + 1])];
    const bad = [];
    if (g.nodeType[i] !== +m[2]) bad.push(`type ${m[2]} vs ${g.nodeType[i]}`);
    if (g.nodeSize[i] !== +m[3]) bad.push(`size ${m[3]} vs ${g.nodeSize[i]}`);
    if (kids.length !== +m[4] || got.join() !== kids.join()) bad.push(`children [${kids.slice(0, 5)}...] vs [${got.slice(0, 5)}...]`);
    if (g.addresses[i] !== BigInt('0x' + m[5])) bad.push(`address 0x${m[5]} vs 0x${g.addresses[i].toString(16)}`);
    if (bad.length) problems.push(`node ${i}: XML vs reader: ${bad.join(', ')}`);
  }
  if (nodes !== g.nodeCount) problems.push(`XML has ${nodes} nodes, reader ${g.nodeCount}`);
  return {problems, nodes};
}

// ---------------------------------------------------------------------------------------------
// Per fixture: independent numbers

// Per row key: reachable and unreachable objects (size > 0) counted by the JS reader.
function jsRows(g, reach, byModule) {
  const rows = new Map();
  const keyOfType = g.types.map(t => rowKey(t.name, t.module, byModule));
  for (let i = 0; i < g.nodeCount; i++) {
    const s = g.nodeSize[i];
    if (s === 0) continue;
    const k = keyOfType[g.nodeType[i]];
    let r = rows.get(k);
    if (!r) rows.set(k, r = {count: 0, shallow: 0, ucount: 0, ushallow: 0});
    if (reach.ordinal[i] >= 0) { r.count++; r.shallow += s; } else { r.ucount++; r.ushallow += s; }
  }
  return rows;
}

async function devtoolsRows(g, reach, byModule, file) {
  const w = writeHeapsnapshot(g, file, {byModule, reach});
  const s = await devtoolsSummary(file);
  const rows = new Map();
  for (const [cls, v] of s.classes) {
    const m = /^c(\d+)$/.exec(cls);
    if (!m || +m[1] >= w.keys.length) throw new Error(`DevTools class ${JSON.stringify(cls)} is not one of our tokens`);
    rows.set(w.keys[+m[1]], v);
  }
  return {rows, totalSize: s.totalSize, nodeCount: s.nodeCount, written: w.nodeCount};
}

const show = k => { const a = JSON.parse(k); return a.length > 1 ? `${JSON.stringify(a[0])} [module ${JSON.stringify(a[1])}]` : JSON.stringify(a[0]); };
const keyOfRow = (row, byModule) => rowKey(row.name, row.module, byModule);
// The oracle's rows for a grouping mode (false, true = --by-module, 'raw' = --raw-names).
const pick = (fx, what, mode) => fx[what + (mode === 'raw' ? 'Raw' : mode ? 'Bym' : '')];
const ZERO = {count: 0, self: 0, retained: 0};
const ZJ = {count: 0, shallow: 0, ucount: 0, ushallow: 0};

// ---------------------------------------------------------------------------------------------
// Comparisons

function inputProblems(inp, fx, what) {
  const p = [];
  if (!inp) return [`${what}: missing input`];
  const exp = {
    file: fx.file, format: 'gcdump', pointer_size: fx.d.graph.is64Bit ? 8 : 4, nodes: fx.d.graph.nodeCount,
    edges: fx.d.graph.edgeCount, creation_tool: fx.d.creationTool ?? null, sampled: fx.d.countMultipliers.length > 0,
    count_multiplier: fx.d.avgCountMultiplier, size_multiplier: fx.d.avgSizeMultiplier,
  };
  for (const [k, v] of Object.entries(exp))
    if (inp[k] !== v) p.push(`${what}.${k}: expected ${JSON.stringify(v)}, heapdiff ${JSON.stringify(inp[k])}`);
  return p;
}

// Expected stat totals from the independent numbers.
function expectedTotals(fx, byModule) {
  const dt = pick(fx, 'dt', byModule);
  const js = pick(fx, 'js', byModule);
  let count = 0, shallow = 0, ucount = 0, ushallow = 0;
  for (const v of dt.rows.values()) { count += v.count; shallow += v.self; }
  for (const v of js.values()) { ucount += v.ucount; ushallow += v.ushallow; }
  return {count, shallow, retained: dt.totalSize, types: js.size, pseudo_nodes: fx.pseudo,
          unreachable: {count: ucount, shallow: ushallow}};
}

function statProblems(json, fx, byModule) {
  const p = [];
  if (!json) return p;
  const dt = pick(fx, 'dt', byModule);
  const js = pick(fx, 'js', byModule);
  p.push(...inputProblems(json.inputs?.[0], fx, 'inputs[0]'));
  const t = json.totals ?? {};
  const et = expectedTotals(fx, byModule);
  for (const k of ['count', 'shallow', 'retained', 'types', 'pseudo_nodes'])
    if (t[k] !== et[k]) p.push(`totals.${k}: expected ${et[k]} (${k === 'retained' ? 'DevTools root retained' : k === 'count' || k === 'shallow' ? 'DevTools sum' : 'JS reader'}), heapdiff ${t[k]}`);
  for (const k of ['count', 'shallow'])
    if (t.unreachable?.[k] !== et.unreachable[k]) p.push(`totals.unreachable.${k}: expected ${et.unreachable[k]} (JS reader), heapdiff ${t.unreachable?.[k]}`);
  const o = json.omitted ?? {};
  if (o.types !== 0 || o.count !== 0 || o.shallow !== 0) p.push(`omitted with --top 0: ${JSON.stringify(o)}`);
  const rows = json.types ?? [];
  const seen = new Set();
  rows.forEach((r, i) => {
    if ((byModule === true) !== ('module' in r)) p.push(`row ${i} ${JSON.stringify(r.name)}: "module" member ${byModule ? 'missing' : 'present'} without${byModule ? '' : 'out'} --by-module`);
    const k = keyOfRow(r, byModule);
    if (seen.has(k)) { p.push(`row ${i} ${show(k)}: duplicate row`); return; }
    seen.add(k);
    const e = dt.rows.get(k) ?? ZERO;
    const u = js.get(k) ?? ZJ;
    const bad = r.count !== e.count || r.shallow !== e.self || r.retained !== e.retained ||
                r.unreachable?.count !== u.ucount || r.unreachable?.shallow !== u.ushallow;
    if (bad)
      p.push(`${show(k)}: DevTools count/self/retained ${e.count}/${e.self}/${e.retained}` +
             ` unreachable (JS) ${u.ucount}/${u.ushallow}; heapdiff ${r.count}/${r.shallow}/${r.retained}` +
             ` unreachable ${r.unreachable?.count}/${r.unreachable?.shallow}`);
    if (r.count === 0 && dt.rows.has(k)) p.push(`${show(k)}: count 0 but DevTools has the class`);
    if (r.count === 0 && (r.unreachable?.count ?? 0) === 0) p.push(`${show(k)}: empty row`);
    const pct = t.retained ? 100 * r.retained / t.retained : 0;
    if (typeof r.percent !== 'number' || Math.abs(r.percent - pct) > 0.01)
      p.push(`${show(k)}: percent ${r.percent}, expected ${pct.toFixed(4)} (retained / totals.retained)`);
  });
  for (const [k, e] of dt.rows) if (!seen.has(k)) p.push(`${show(k)}: DevTools class ${e.count}/${e.self}/${e.retained} has no heapdiff row`);
  for (const [k, u] of js) if (!seen.has(k) && !dt.rows.has(k)) p.push(`${show(k)}: ${u.ucount} unreachable objects (JS) but no heapdiff row`);
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1], b = rows[i];
    if (a.retained < b.retained || (a.retained === b.retained && a.shallow < b.shallow)) {
      p.push(`order: row ${i - 1} ${JSON.stringify(a.name)} (retained ${a.retained}, shallow ${a.shallow}) before row ${i} ${JSON.stringify(b.name)} (retained ${b.retained}, shallow ${b.shallow})`);
      break;
    }
  }
  return p;
}

// The contract's status rule: new / gone by reachable count, otherwise the sign of the change,
// retained first, then shallow, then count.
function expectedStatus(b, a) {
  if (b.count === 0 && a.count > 0) return 'new';
  if (b.count > 0 && a.count === 0) return 'gone';
  const d = Math.sign(a.retained - b.retained) || Math.sign(a.self - b.self) || Math.sign(a.count - b.count);
  return d > 0 ? 'grew' : d < 0 ? 'shrank' : 'same';
}

function diffProblems(json, A, B, byModule) {
  const p = [];
  if (!json) return p;
  const dA = pick(A, 'dt', byModule), dB = pick(B, 'dt', byModule);
  const jA = pick(A, 'js', byModule), jB = pick(B, 'js', byModule);
  p.push(...inputProblems(json.inputs?.[0], A, 'inputs[0]'), ...inputProblems(json.inputs?.[1], B, 'inputs[1]'));
  const tA = expectedTotals(A, byModule), tB = expectedTotals(B, byModule);
  const chk = (what, got, b, a) => {
    if (!got || got.before !== b || got.after !== a || got.delta !== a - b)
      p.push(`${what}: expected ${b} -> ${a} (delta ${a - b}), heapdiff ${got ? `${got.before} -> ${got.after} (delta ${got.delta})` : 'missing'}`);
  };
  const t = json.totals ?? {};
  for (const k of ['count', 'shallow', 'retained', 'types']) chk(`totals.${k}`, t[k], tA[k], tB[k]);
  for (const k of ['count', 'shallow']) chk(`totals.unreachable.${k}`, t.unreachable?.[k], tA.unreachable[k], tB.unreachable[k]);
  if (json.omitted?.types !== 0) p.push(`omitted with --top 0: ${JSON.stringify(json.omitted)}`);
  const rows = json.types ?? [];
  const seen = new Set();
  rows.forEach((r, i) => {
    if ((byModule === true) !== ('module' in r)) p.push(`row ${i} ${JSON.stringify(r.name)}: "module" member ${byModule ? 'missing' : 'present'}`);
    const k = keyOfRow(r, byModule);
    if (seen.has(k)) { p.push(`row ${i} ${show(k)}: duplicate row`); return; }
    seen.add(k);
    const b = dA.rows.get(k) ?? ZERO, a = dB.rows.get(k) ?? ZERO;
    if (!dA.rows.has(k) && !dB.rows.has(k) && !jA.has(k) && !jB.has(k)) p.push(`${show(k)}: row for a type in neither snapshot`);
    const bad = [];
    for (const [f, e] of [['count', 'count'], ['shallow', 'self'], ['retained', 'retained']]) {
      const g = r[f];
      if (!g || g.before !== b[e] || g.after !== a[e] || g.delta !== a[e] - b[e]) bad.push(f);
    }
    if (bad.length)
      p.push(`${show(k)}: DevTools before ${b.count}/${b.self}/${b.retained} after ${a.count}/${a.self}/${a.retained};` +
             ` heapdiff before ${r.count?.before}/${r.shallow?.before}/${r.retained?.before}` +
             ` after ${r.count?.after}/${r.shallow?.after}/${r.retained?.after}` +
             ` delta ${r.count?.delta}/${r.shallow?.delta}/${r.retained?.delta} (count/shallow/retained)`);
    const st = expectedStatus(b, a);
    if (r.status !== st) p.push(`${show(k)}: status ${JSON.stringify(r.status)}, expected ${JSON.stringify(st)} (before ${b.count}/${b.self}/${b.retained}, after ${a.count}/${a.self}/${a.retained})`);
  });
  for (const k of new Set([...dA.rows.keys(), ...dB.rows.keys()]))
    if (!seen.has(k)) p.push(`${show(k)}: DevTools class (before ${(dA.rows.get(k) ?? ZERO).count}, after ${(dB.rows.get(k) ?? ZERO).count} objects) has no heapdiff row`);
  for (let i = 1; i < rows.length; i++)
    if ((rows[i - 1].retained?.delta ?? 0) < (rows[i].retained?.delta ?? 0)) {
      p.push(`order: row ${i - 1} ${JSON.stringify(rows[i - 1].name)} (delta retained ${rows[i - 1].retained?.delta}) before row ${i} ${JSON.stringify(rows[i].name)} (delta retained ${rows[i].retained?.delta})`);
      break;
    }
  return p;
}

const STAT_HEADER = ['name', 'count', 'shallow', 'retained', 'percent', 'unreachable_count', 'unreachable_shallow'];
const DIFF_HEADER = ['name', 'status', 'count_before', 'count_after', 'count_delta', 'shallow_before', 'shallow_after',
                     'shallow_delta', 'retained_before', 'retained_after', 'retained_delta'];

// CSV rows must carry the same rows, in the same order, with the same numbers as the JSON.
function csvProblems(text, json, kind, byModule) {
  const p = [];
  const rows = parseCsv(text);
  const header = kind === 'stat' ? [...STAT_HEADER] : [...DIFF_HEADER];
  if (byModule === true) header.splice(1, 0, 'module');
  if ((rows[0] ?? []).join(',') !== header.join(',')) p.push(`header ${JSON.stringify((rows[0] ?? []).join(','))}, contract ${JSON.stringify(header.join(','))}`);
  const body = rows.slice(1);
  const jrows = json?.types ?? [];
  if (body.length !== jrows.length) p.push(`${body.length} CSV rows, ${jrows.length} JSON rows`);
  const n = Math.min(body.length, jrows.length);
  for (let i = 0; i < n && p.length < MAX_SHOWN * 2; i++) {
    const c = body[i], j = jrows[i];
    const exp = [j.name];
    if (byModule === true) exp.push(j.module ?? '');
    if (kind === 'stat') exp.push(j.count, j.shallow, j.retained, j.percent, j.unreachable?.count, j.unreachable?.shallow);
    else exp.push(j.status, j.count?.before, j.count?.after, j.count?.delta, j.shallow?.before, j.shallow?.after,
                  j.shallow?.delta, j.retained?.before, j.retained?.after, j.retained?.delta);
    const bad = [];
    if (c.length !== exp.length) bad.push(`${c.length} fields`);
    exp.forEach((e, f) => {
      const col = header[f];
      if (col === 'percent') { if (!(Math.abs(Number(c[f]) - e) <= 0.01)) bad.push(`percent: csv ${c[f]}, json ${e}`); }
      else if (typeof e === 'number') { if (c[f] !== String(e)) bad.push(`${col}: csv ${c[f]}, json ${e}`); }
      else if (c[f] !== e) bad.push(`${col}: csv ${JSON.stringify(c[f])}, json ${JSON.stringify(e)}`);
    });
    if (bad.length) p.push(`CSV row ${i + 1} vs JSON row ${i} (${JSON.stringify(j.name)}): ${bad.join(', ')}`);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const facts = readmeFacts(opt.fixtures);
  const files = fs.readdirSync(opt.fixtures).filter(f => f.endsWith('.gcdump')).sort();
  if (!files.length) { skip('fixtures', `no .gcdump in ${opt.fixtures}`); return; }
  const fxs = [];
  for (const f of files) {
    const base = f.replace(/\.gcdump$/, '');
    const file = path.join(opt.fixtures, f);
    const t0 = Date.now();
    let fx;
    // 1. The JS reader against the README facts and PerfView's XML dump.
    const ok = guard(`${base}: JS reader`, () => {
      const d = readGcdumpFile(file);
      const g = d.graph;
      let sum = 0, pseudo = 0;
      for (let i = 0; i < g.nodeCount; i++) { sum += g.nodeSize[i]; if (g.nodeSize[i] === 0) pseudo++; }
      fx = {base, file, d, pseudo};
      const got = {nodes: g.nodeCount, types: g.types.length, total_size: Number(g.totalSize), edges: g.edgeCount,
                   undefined_nodes: g.undefinedNodes, root_type: g.types[g.nodeType[g.rootIndex]].name, is64bit: !!g.is64Bit};
      const p = [];
      if (sum !== got.total_size) p.push(`sum of node sizes ${sum} != stored TotalSize ${got.total_size}`);
      const e = facts?.get(base);
      if (e) for (const k of Object.keys(e)) if (e[k] !== got[k]) p.push(`${k}: README ${e[k]}, JS reader ${got[k]}`);
      report(`${base}: JS reader vs README facts`, p,
             e ? `${got.nodes} nodes, ${got.types} types, TotalSize ${got.total_size} = sum of sizes, ${got.edges} edges, ${got.undefined_nodes} undefined`
               : 'README row absent: only TotalSize == sum of sizes checked');
      return true;
    });
    if (!ok) continue;
    const xml = path.join(opt.fixtures, `${base}_baseline.gcdump.xml`);
    if (fs.existsSync(xml)) guard(`${base}: JS reader vs PerfView XML`, () => {
      const r = xmlProblems(fx.d.graph, xml);
      report(`${base}: JS reader vs PerfView XML dump`, r.problems, `${r.nodes} nodes: type, size, children, address`);
    });
    // 2. DevTools' numbers on the reachable graph, rows by base name, by (base name, module)
    //    and by the raw name.
    const g = fx.d.graph;
    fx.reach = reachability(g);
    fx.js = jsRows(g, fx.reach, false);
    fx.jsBym = jsRows(g, fx.reach, true);
    fx.jsRaw = jsRows(g, fx.reach, 'raw');
    try {
      fx.dt = await devtoolsRows(g, fx.reach, false, path.join(tmp, `${base}.heapsnapshot`));
      fx.dtBym = await devtoolsRows(g, fx.reach, true, path.join(tmp, `${base}.bymodule.heapsnapshot`));
      fx.dtRaw = await devtoolsRows(g, fx.reach, 'raw', path.join(tmp, `${base}.raw.heapsnapshot`));
    } catch (e) {
      report(`${base}: DevTools loads the exported snapshot`, [`exception: ${e.stack ?? e}`]);
      continue;
    }
    // Sanity of the oracle itself: DevTools' counts equal the JS reader's reachable counts.
    const p = [];
    for (const [dt, js] of [[fx.dt, fx.js], [fx.dtBym, fx.jsBym], [fx.dtRaw, fx.jsRaw]]) {
      if (dt.nodeCount !== fx.reach.reachable) p.push(`DevTools loaded ${dt.nodeCount} nodes, ${fx.reach.reachable} written`);
      for (const [k, v] of js) {
        const e = dt.rows.get(k) ?? ZERO;
        if (v.count !== e.count || v.shallow !== e.self) p.push(`${show(k)}: JS ${v.count}/${v.shallow}, DevTools ${e.count}/${e.self}`);
      }
    }
    report(`${base}: DevTools Summary of the exported snapshot`, p,
           `${fx.reach.reachable} of ${g.nodeCount} nodes reachable, ${fx.dt.rows.size} classes, ` +
           `root retained ${fx.dt.totalSize}, ${Date.now() - t0} ms`);
    fxs.push(fx);
  }

  // 3. heapdiff stat against DevTools, schema, CSV, --top and --min-bytes.
  let heapdiffOk = fs.existsSync(opt.heapdiff);
  if (!heapdiffOk) skip('heapdiff stat/diff checks', `${opt.heapdiff} not found (build it with make)`);
  for (const fx of heapdiffOk ? fxs : []) {
    for (const byModule of [false, true, 'raw']) {
      const extra = byModule === 'raw' ? ['--raw-names'] : byModule ? ['--by-module'] : [];
      const tag = byModule === 'raw' ? ' --raw-names' : byModule ? ' --by-module' : '';
      let json;
      guard(`${fx.base}: stat${tag} vs DevTools`, () => {
        const p = [];
        json = heapdiffJson(['stat', fx.file, '--format', 'json', '--top', '0', ...extra], p);
        const sp = json ? schemaProblems(json, 'stat json') : [];
        report(`${fx.base}: stat${tag} json matches report.schema.json`, sp);
        p.push(...statProblems(json, fx, byModule));
        report(`${fx.base}: stat${tag} vs DevTools Summary`, p,
               json ? `${json.types.length} rows, totals ${json.totals.count} objects / ${json.totals.shallow} B / retained ${json.totals.retained} B` : '');
      });
      if (!json) continue;
      guard(`${fx.base}: stat${tag} csv`, () => {
        const r = runHeapdiff(['stat', fx.file, '--format', 'csv', '--top', '0', ...extra]);
        const p = r.code === 0 ? csvProblems(r.out, json, 'stat', byModule) : [`${r.cmd}: exit ${r.code}: ${r.err.trim()}`];
        report(`${fx.base}: stat${tag} csv equals json`, p);
      });
      if (byModule) continue;
      guard(`${fx.base}: stat --top 5 / --min-bytes`, () => {
        const p = [];
        const top = heapdiffJson(['stat', fx.file, '--format', 'json', '--top', '5'], p);
        if (top) {
          p.push(...schemaProblems(top, 'stat --top 5'));
          const all = json.types, rest = all.slice(5);
          if (JSON.stringify(top.types) !== JSON.stringify(all.slice(0, 5))) p.push('--top 5 rows are not the first 5 rows of --top 0');
          const eo = {types: rest.length, count: rest.reduce((s, r) => s + r.count, 0), shallow: rest.reduce((s, r) => s + r.shallow, 0)};
          if (JSON.stringify(top.omitted) !== JSON.stringify(eo)) p.push(`--top 5 omitted ${JSON.stringify(top.omitted)}, expected ${JSON.stringify(eo)}`);
          if (JSON.stringify(top.totals) !== JSON.stringify(json.totals)) p.push('--top 5 totals differ from --top 0 totals');
        }
        const min = json.types[Math.min(9, json.types.length - 1)].retained;
        const mb = heapdiffJson(['stat', fx.file, '--format', 'json', '--top', '0', '--min-bytes', String(min)], p);
        if (mb) {
          // heapdiff keeps a row when its retained size or its unreachable bytes reach the limit
          // (src/report/select.c), so that types holding much garbage stay visible.
          const keep = json.types.filter(r => r.retained >= min || r.unreachable.shallow >= min);
          if (JSON.stringify(mb.types) !== JSON.stringify(keep)) p.push(`--min-bytes ${min}: ${mb.types.length} rows, expected the ${keep.length} rows with retained or unreachable.shallow >= ${min}`);
          if (mb.omitted?.types !== json.types.length - keep.length) p.push(`--min-bytes ${min}: omitted.types ${mb.omitted?.types}, expected ${json.types.length - keep.length}`);
        }
        report(`${fx.base}: stat --top 5 and --min-bytes keep the right rows`, p);
      });
    }
  }

  // 4. heapdiff diff on ordered pairs.
  const pairs = [];
  if (heapdiffOk) {
    for (const A of fxs) pairs.push([A, A]);
    if (opt.pairs === 'all') { for (const A of fxs) for (const B of fxs) if (A !== B) pairs.push([A, B]); }
    else for (let i = 0; i + 1 < fxs.length; i++) pairs.push([fxs[i], fxs[i + 1]], [fxs[i + 1], fxs[i]]);
  }
  let growthChecked = false, topChecked = false;
  for (const [A, B] of pairs) {
    const name = `diff ${A.base} ${B.base}`;
    for (const byModule of [false, true, 'raw']) {
      const extra = byModule === 'raw' ? ['--raw-names'] : byModule ? ['--by-module'] : [];
      const tag = byModule === 'raw' ? ' --raw-names' : byModule ? ' --by-module' : '';
      let json;
      guard(`${name}${tag}`, () => {
        const p = [];
        json = heapdiffJson(['diff', A.file, B.file, '--format', 'json', '--top', '0', ...extra], p);
        p.push(...(json ? schemaProblems(json, 'diff json') : []));
        p.push(...diffProblems(json, A, B, byModule));
        if (A === B && json) for (const r of json.types) if (r.status !== 'same') { p.push(`self-diff row ${JSON.stringify(r.name)} has status ${r.status}`); break; }
        report(`${name}${tag}: schema + rows vs DevTools`, p, json ? `${json.types.length} rows, retained delta ${json.totals.retained.delta}` : '');
      });
      if (!json) continue;
      guard(`${name}${tag} csv`, () => {
        const r = runHeapdiff(['diff', A.file, B.file, '--format', 'csv', '--top', '0', ...extra]);
        const p = r.code === 0 ? csvProblems(r.out, json, 'diff', byModule) : [`${r.cmd}: exit ${r.code}: ${r.err.trim()}`];
        report(`${name}${tag}: csv equals json`, p);
      });
      // --top / --min-bytes on the first pair of two different files.
      if (!byModule && A !== B && !topChecked) {
        topChecked = true;
        guard(`${name} --top 5 / --min-bytes`, () => {
          const p = [];
          const top = heapdiffJson(['diff', A.file, B.file, '--format', 'json', '--top', '5'], p);
          if (top) {
            p.push(...schemaProblems(top, 'diff --top 5'));
            if (JSON.stringify(top.types) !== JSON.stringify(json.types.slice(0, 5))) p.push('--top 5 rows are not the first 5 rows of --top 0');
            if (top.omitted?.types !== json.types.length - 5) p.push(`--top 5 omitted.types ${top.omitted?.types}, expected ${json.types.length - 5}`);
            if (JSON.stringify(top.totals) !== JSON.stringify(json.totals)) p.push('--top 5 totals differ from --top 0 totals');
          }
          const mags = json.types.map(r => Math.abs(r.retained.delta)).sort((x, y) => y - x);
          const min = Math.max(1, mags[Math.min(9, mags.length - 1)]);
          const mb = heapdiffJson(['diff', A.file, B.file, '--format', 'json', '--top', '0', '--min-bytes', String(min)], p);
          if (mb) {
            // Kept: |delta retained| or |delta shallow| reaches the limit (src/report/select.c).
            const keep = json.types.filter(r => Math.abs(r.retained.delta) >= min || Math.abs(r.shallow.delta) >= min);
            if (JSON.stringify(mb.types) !== JSON.stringify(keep)) p.push(`--min-bytes ${min}: ${mb.types.length} rows, expected the ${keep.length} rows with |delta retained| or |delta shallow| >= ${min}`);
            if (mb.omitted?.types !== json.types.length - keep.length) p.push(`--min-bytes ${min}: omitted.types ${mb.omitted?.types}, expected ${json.types.length - keep.length}`);
          }
          // `heapdiff BEFORE AFTER` is the same command as `heapdiff diff BEFORE AFTER`.
          const implicit = heapdiffJson([A.file, B.file, '--format', 'json', '--top', '0'], p);
          if (implicit && JSON.stringify(implicit) !== JSON.stringify(json)) p.push('`heapdiff A B` output differs from `heapdiff diff A B`');
          report(`${name}: --top 5, --min-bytes, implicit diff command`, p);
        });
      }
      // --max-growth on the first pair that grows: exit 3 exactly when growth > limit.
      if (!byModule && !growthChecked && json.totals.retained.delta > 0) {
        growthChecked = true;
        guard(`${name} --max-growth`, () => {
          const p = [];
          const growth = json.totals.retained.delta;
          for (const [limit, code] of [[growth, 0], [growth - 1, 3]]) {
            const j = heapdiffJson(['diff', A.file, B.file, '--format', 'json', '--top', '0', '--max-growth', String(limit)], p, code);
            if (!j) continue;
            p.push(...schemaProblems(j, `--max-growth ${limit}`));
            const e = {limit, growth, exceeded: growth > limit};
            if (JSON.stringify(j.max_growth) !== JSON.stringify(e)) p.push(`--max-growth ${limit}: max_growth ${JSON.stringify(j.max_growth)}, expected ${JSON.stringify(e)}`);
          }
          report(`${name} --max-growth: exit 3 only when growth > limit`, p, `growth ${growth}`);
        });
      }
    }
  }
}

// 5. `heapdiff info --format json` on every fixture (snapshots and dumps) follows the schema,
//    and on snapshots agrees with the JS reader's facts (node and edge counts, total size).
function checkInfo() {
  if (!fs.existsSync(opt.heapdiff)) return;
  const root = path.dirname(opt.fixtures);
  for (const [dir, ext] of [['gcdump', '.gcdump'], ['minidump', '.dmp'], ['elfcore', '.core']]) {
    const d = path.join(root, dir);
    if (!fs.existsSync(d)) { skip(`info on ${dir} fixtures`, `${d} absent`); continue; }
    for (const f of fs.readdirSync(d).filter(x => x.endsWith(ext)).sort()) {
      guard(`info ${f}`, () => {
        const r = runHeapdiff(['info', path.join(d, f), '--format', 'json']);
        if (r.code !== 0) return report(`info ${f}: schema`, [`${r.cmd}: exit ${r.code}: ${r.err.trim()}`]);
        const json = JSON.parse(r.out);
        const p = schemaProblems(json, 'info');
        if (ext === '.gcdump') {
          const g = readGcdumpFile(path.join(d, f)).graph;
          let total = 0;
          for (let i = 0; i < g.nodeCount; i++) total += g.nodeSize[i];
          if (json.nodes !== g.nodeCount) p.push(`nodes ${json.nodes}, JS reader ${g.nodeCount}`);
          if (json.edges !== g.edgeCount) p.push(`edges ${json.edges}, JS reader ${g.edgeCount}`);
          if (json.total_size !== total) p.push(`total_size ${json.total_size}, JS reader ${total}`);
        }
        report(`info ${f}: schema${ext === '.gcdump' ? ' + counts vs JS reader' : ''}`, p);
      });
    }
  }
}

try {
  await main();
  checkInfo();
} catch (e) {
  report('oracle', [`exception: ${e.stack ?? e}`]);
} finally {
  if (removeTmp) fs.rmSync(tmp, {recursive: true, force: true});
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed ? 1 : 0;
