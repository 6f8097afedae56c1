// Writes the reachable part of a graph read by gcdump.mjs as a minimal Chrome DevTools
// .heapsnapshot, so that DevTools' own heap-snapshot worker can compute the Summary view
// (per-class count, self size, retained size) for comparison with heapdiff.
//
// What DevTools requires and why the file looks like this (shared/research/heapsnapshot-format.md):
// - sections in the order snapshot, nodes, edges, (samples, locations,) strings; exact
//   node_count / edge_count; only non-negative integers < 2^32; to_node = ordinal * 7;
// - the root is the first node (node 0), type "synthetic";
// - every other node is type "object": no "hidden"/"array" nodes, so DevTools' shallow-size
//   transfer to owners never happens; all edges are "element" edges (no weak, no shortcut
//   edges, so every edge is "essential" and the page-owned rule is a no-op); self-loops and
//   duplicate edges are written as they are (DevTools ignores self-loops for dominators);
// - only nodes reachable from the root are written (breadth-first from the root), so
//   DevTools' special handling of unreachable nodes never applies;
// - DevTools rewrites some class names (a name starting with '<' is cut at its first space,
//   "Object" gets interface inference), so every node is named with a token "c<k>" that it
//   leaves alone; k indexes the distinct row keys (type NAME, or (name, module) when by
//   module), since heapdiff merges same-name types of different modules into one row. The
//   caller maps tokens back with the returned `keys`. Each token is one string-table entry, so
//   DevTools' class key (the string index) is one per row key.
//
// Usage as a program: node to_heapsnapshot.mjs IN.gcdump OUT.heapsnapshot [--by-module]

import fs from 'node:fs';
import {readGcdumpFile} from './gcdump.mjs';

export const NODE_FIELDS = 7;

// Breadth-first search from the root; returns the visit order and each node's ordinal in it
// (-1 when unreachable).
export function reachability(g) {
  const n = g.nodeCount;
  const ordinal = new Int32Array(n).fill(-1);
  const order = new Uint32Array(n);
  let head = 0, tail = 0;
  ordinal[g.rootIndex] = tail;
  order[tail++] = g.rootIndex;
  while (head < tail) {
    const v = order[head++];
    for (let e = g.first[v]; e < g.first[v + 1]; e++) {
      const c = g.edges[e];
      if (ordinal[c] < 0) { ordinal[c] = tail; order[tail++] = c; }
    }
  }
  return {order: order.subarray(0, tail), ordinal, reachable: tail};
}

// heapdiff's documented default grouping (include/heapdiff/graph.h, hd_type_base_len): a
// trailing " (...)" made only of "Bytes > N[KMG]" and "[No]Ptrs,ElemSize=N" parts (the size
// buckets dotnet-gcdump and PerfView append) is not part of the row name.
export function baseName(name) {
  const m = /^(.*) \((Bytes > \d+[KMG]?)?(,?(No)?Ptrs,ElemSize=\d+)?\)$/s.exec(name);
  return m && (m[2] || m[3]) ? m[1] : name;
}

// The row key of a type. mode: false = base name (default), true = (base name, module) as with
// --by-module, 'raw' = the name as written (--raw-names).
export function rowKey(name, module, mode) {
  if (mode === 'raw') return JSON.stringify([name]);
  return mode ? JSON.stringify([baseName(name), module ?? null]) : JSON.stringify([baseName(name)]);
}

class ChunkWriter {
  constructor(file) { this.fd = fs.openSync(file, 'w'); this.parts = []; this.len = 0; }
  put(s) { this.parts.push(s); this.len += s.length; if (this.len > 1 << 20) this.flush(); }
  flush() { if (this.parts.length) fs.writeSync(this.fd, this.parts.join('')); this.parts = []; this.len = 0; }
  close() { this.flush(); fs.closeSync(this.fd); }
}

const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
                'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'],
               'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'],
               'string_or_number', 'node'],
  trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
  trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
  sample_fields: ['timestamp_us', 'last_assigned_id'],
  location_fields: ['object_index', 'script_id', 'line', 'column'],
};
const TYPE_OBJECT = 3, TYPE_SYNTHETIC = 9, EDGE_ELEMENT = 1;

// Writes the snapshot; returns {keys: token index -> row key, reach, nodeCount, edgeCount}.
// Node ids are 2 * (gcdump node index) + 1, so DevTools node ids map back to gcdump nodes.
export function writeHeapsnapshot(g, file, {byModule = false, reach = reachability(g)} = {}) {
  const {order, ordinal, reachable} = reach;
  // Token per distinct row key, in first-reached order.
  const keyToToken = new Map();
  const keys = [];
  const tokenOfType = new Int32Array(g.types.length).fill(-1);
  let edgeCount = 0;
  for (let k = 0; k < reachable; k++) {
    const v = order[k];
    edgeCount += g.first[v + 1] - g.first[v];
    if (k === 0) continue;
    const t = g.nodeType[v];
    if (tokenOfType[t] < 0) {
      const key = rowKey(g.types[t].name, g.types[t].module, byModule);
      let tok = keyToToken.get(key);
      if (tok === undefined) { tok = keys.length; keys.push(key); keyToToken.set(key, tok); }
      tokenOfType[t] = tok;
    }
  }
  for (let k = 0; k < reachable; k++) {
    const s = g.nodeSize[order[k]];
    if (!(s >= 0 && s < 2 ** 32)) throw new Error(`node ${order[k]}: size ${s} does not fit a .heapsnapshot`);
  }
  const w = new ChunkWriter(file);
  w.put(`{"snapshot":{"meta":${JSON.stringify(META)},"node_count":${reachable},"edge_count":${edgeCount},` +
        `"trace_function_count":0},\n"nodes":[`);
  // String 0 is the root's name ""; token k is string k + 1.
  for (let k = 0; k < reachable; k++) {
    const v = order[k];
    const type = k === 0 ? TYPE_SYNTHETIC : TYPE_OBJECT;
    const name = k === 0 ? 0 : tokenOfType[g.nodeType[v]] + 1;
    const ec = g.first[v + 1] - g.first[v];
    w.put(`${k ? ',' : ''}${type},${name},${2 * v + 1},${g.nodeSize[v]},${ec},0,0\n`);
  }
  w.put('],\n"edges":[');
  let first = true;
  for (let k = 0; k < reachable; k++) {
    const v = order[k];
    for (let e = g.first[v], i = 0; e < g.first[v + 1]; e++, i++) {
      w.put(`${first ? '' : ','}${EDGE_ELEMENT},${i},${ordinal[g.edges[e]] * NODE_FIELDS}\n`);
      first = false;
    }
  }
  w.put('],\n"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],\n"strings":[""');
  for (let t = 0; t < keys.length; t++) w.put(`,"c${t}"`);
  w.put(']}\n');
  w.close();
  return {keys, reach, nodeCount: reachable, edgeCount};
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [inp, out, ...rest] = process.argv.slice(2);
  if (!inp || !out || !out.endsWith('.heapsnapshot')) {
    console.error('usage: node to_heapsnapshot.mjs IN.gcdump OUT.heapsnapshot [--by-module]');
    process.exit(1);
  }
  const d = readGcdumpFile(inp);
  const r = writeHeapsnapshot(d.graph, out, {byModule: rest.includes('--by-module')});
  console.log(`${out}: ${r.nodeCount} nodes (of ${d.graph.nodeCount}), ${r.edgeCount} edges, ${r.keys.length} classes`);
}
