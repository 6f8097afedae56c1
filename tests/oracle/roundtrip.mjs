// The JS reader (gcdump.mjs, written from the format description, not from heapdiff's C code)
// reading .gcdump files that `heapdiff convert` wrote.
//
// Usage: node roundtrip.mjs --converted OUT.gcdump --stat STAT.csv [--original IN.gcdump]
//   --stat      `heapdiff stat IN --format csv --raw-names --top 0` of the ORIGINAL input
//               (a .gcdump or a process dump): per type name, reachable count/shallow and
//               unreachable count/shallow. The JS reader's histogram of the converted file
//               (objects of size > 0, reachability by breadth-first search from the root) must
//               equal it row for row.
//   --original  when the input was itself a .gcdump: the JS reader reads both files and every
//               node must agree (type name and module, size, address, children in order), as
//               must the root, Is64Bit and the GCHeapDump metadata heapdiff keeps.
// Prints one line per check and closes with "N passed, N failed"; exit 1 on failure.

import fs from 'node:fs';
import {readGcdumpFile} from './gcdump.mjs';
import {reachability} from './to_heapsnapshot.mjs';

const opt = {};
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!opt.converted || !opt.stat) {
  console.error('usage: node roundtrip.mjs --converted FILE --stat CSV [--original FILE]');
  process.exit(2);
}

let passed = 0, failed = 0;
function report(name, problems) {
  if (problems.length === 0) { passed++; console.log(`ok   ${name}`); return; }
  failed++;
  console.log(`FAIL ${name}: ${problems.length} difference(s), first 10:`);
  for (const p of problems.slice(0, 10)) console.log(`       ${p}`);
}

// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') q = false;
      else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const conv = readGcdumpFile(opt.converted);
const g = conv.graph;

// 1. Histogram of the converted file (JS) against heapdiff's stat of the original.
{
  const {ordinal} = reachability(g);
  const js = new Map();
  for (let i = 0; i < g.nodeCount; i++) {
    const size = g.nodeSize[i];
    if (size === 0) continue; // pseudo nodes (root, root categories, UNDEFINED) have size 0
    const name = g.types[g.nodeType[i]].name;
    let r = js.get(name);
    if (!r) js.set(name, r = {count: 0, shallow: 0, ucount: 0, ushallow: 0});
    if (ordinal[i] >= 0) { r.count++; r.shallow += size; } else { r.ucount++; r.ushallow += size; }
  }
  const rows = parseCsv(fs.readFileSync(opt.stat, 'utf8'));
  const head = rows.shift().join(',');
  const p = [];
  if (head !== 'name,count,shallow,retained,percent,unreachable_count,unreachable_shallow') p.push(`unexpected CSV header ${head}`);
  const seen = new Set();
  for (const r of rows) {
    const [name, count, shallow, , , ucount, ushallow] = r;
    seen.add(name);
    const j = js.get(name) ?? {count: 0, shallow: 0, ucount: 0, ushallow: 0};
    const want = [count, shallow, ucount, ushallow].map(Number);
    const got = [j.count, j.shallow, j.ucount, j.ushallow];
    if (want.some((v, k) => v !== got[k]))
      p.push(`${name}: heapdiff stat of the input ${want.join('/')}, JS reader of the output ${got.join('/')}`);
  }
  for (const [name, j] of js) if (!seen.has(name)) p.push(`${name}: ${j.count + j.ucount} objects in the output (JS), no row in heapdiff stat of the input`);
  report(`histogram: JS reader of ${opt.converted} == heapdiff stat of the input (${rows.length} types)`, p);
}

// 2. Node by node against the JS reader's view of the original .gcdump.
if (opt.original) {
  const orig = readGcdumpFile(opt.original);
  const o = orig.graph;
  const p = [];
  const fact = (what, a, b) => { if (a !== b) p.push(`${what}: ${a} in the input, ${b} in the output`); };
  fact('node count', o.nodeCount, g.nodeCount);
  fact('edge count', o.edgeCount, g.edgeCount);
  fact('root index', o.rootIndex, g.rootIndex);
  fact('Is64Bit', o.is64Bit !== false, g.is64Bit); // a file without the tag is read as 64-bit by heapdiff
  fact('machine', orig.machineName, conv.machineName);
  fact('process', orig.processName, conv.processName);
  fact('pid', orig.processId, conv.processId);
  fact('time', orig.timeTicks, conv.timeTicks);
  fact('sampled', orig.countMultipliers.length > 0, conv.countMultipliers.length > 0);
  fact('creation tool', 'heapdiff', conv.creationTool);
  let sum = 0;
  for (let i = 0; i < g.nodeCount; i++) sum += g.nodeSize[i];
  fact('TotalSize vs sum of sizes', Number(g.totalSize), sum);
  const n = Math.min(o.nodeCount, g.nodeCount);
  for (let i = 0; i < n && p.length < 10; i++) {
    const to = o.types[o.nodeType[i]], tg = g.types[g.nodeType[i]];
    if (to.name !== tg.name || to.module !== tg.module) p.push(`node ${i}: type ${to.name} [${to.module}] became ${tg.name} [${tg.module}]`);
    if (o.nodeSize[i] !== g.nodeSize[i]) p.push(`node ${i}: size ${o.nodeSize[i]} became ${g.nodeSize[i]}`);
    if (o.addresses[i] !== g.addresses[i]) p.push(`node ${i}: address ${o.addresses[i]} became ${g.addresses[i]}`);
    const co = o.edges.subarray(o.first[i], o.first[i + 1]).join(' ');
    const cg = g.edges.subarray(g.first[i], g.first[i + 1]).join(' ');
    if (co !== cg) p.push(`node ${i}: children [${co}] became [${cg}]`);
  }
  // Every type of the input is kept (instantiated or not), with its module.
  const have = new Set(g.types.map(t => JSON.stringify([t.name, t.module])));
  for (const t of o.types) if (!have.has(JSON.stringify([t.name, t.module]))) p.push(`type ${t.name} [${t.module}] lost`);
  report(`node by node: JS reader of ${opt.original} == JS reader of ${opt.converted} (${o.nodeCount} nodes)`, p);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
