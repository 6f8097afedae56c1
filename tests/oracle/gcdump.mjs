// Independent .gcdump reader in JavaScript, written from shared/research/gcdump-format.md (not
// from heapdiff's C reader) so that the oracle checks do not share heapdiff's parsing mistakes.
// It reads the whole FastSerialization container (signature, GCHeapDump entry object, the
// MemoryGraph with its type table, node offsets, compressed-int node blob and addresses, the
// GCHeapDump trailing fields, the forward-reference table, trailer and suffix label) and fails
// loudly on anything it does not expect.
//
// Usage as a program: node gcdump.mjs FILE...   prints the facts of each file (nodes, types,
// TotalSize and the sum of node sizes, edges, undefined nodes, root type, Is64Bit, ...).

import fs from 'node:fs';

// Tags of FastSerialization (format note §2.3).
const T = {
  Null: 1, ObjRef: 2, FwdRef: 3, Begin: 4, BeginPrivate: 5, End: 6, FwdDef: 7,
  Byte: 8, Int16: 9, Int32: 10, Int64: 11, Skip: 12, String: 13, Blob: 14,
};

class Reader {
  constructor(buf, name) {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
    this.name = name;
  }
  fail(what, at = this.pos) {
    throw new Error(`${this.name}: offset ${at} (0x${at.toString(16)}): ${what}`);
  }
  need(n) {
    if (this.pos + n > this.buf.length) this.fail(`need ${n} bytes, file ends at ${this.buf.length}`);
  }
  u8() { this.need(1); return this.buf[this.pos++]; }
  i32() { this.need(4); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  u32() { this.need(4); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  i64() { this.need(8); const v = this.dv.getBigInt64(this.pos, true); this.pos += 8; return v; }
  u64() { this.need(8); const v = this.dv.getBigUint64(this.pos, true); this.pos += 8; return v; }
  f32() { this.need(4); const v = this.dv.getFloat32(this.pos, true); this.pos += 4; return v; }
  // Strings: i32 count of UTF-16 code units (-1 = null), each unit encoded alone in 1-3 bytes,
  // the length decided by the lead byte only (§2.2).
  str() {
    const at = this.pos;
    const n = this.i32();
    if (n === -1) return null;
    if (n < 0 || n > this.buf.length - this.pos) this.fail(`bad string length ${n}`, at);
    const units = new Array(n);
    for (let i = 0; i < n; i++) {
      const b = this.u8();
      if (b < 0x80) units[i] = b;
      else if (b < 0xe0) units[i] = ((b & 0x1f) << 6) | (this.u8() & 0x3f);
      else { const b1 = this.u8(), b2 = this.u8(); units[i] = ((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f); }
    }
    // Surrogate pairs arrive as two units; String.fromCharCode joins them back.
    let s = '';
    for (let i = 0; i < n; i += 8192) s += String.fromCharCode.apply(null, units.slice(i, i + 8192));
    return s;
  }
  expect(tag, what) {
    const at = this.pos;
    const t = this.u8();
    if (t !== tag) this.fail(`expected ${what} (tag ${tag}), found byte ${t}`, at);
  }
}

// Signed compressed int of the node blob (§4.3): big-endian 7-bit groups, continuation bit
// 0x80, first group sign-extended, 32-bit wrap-around arithmetic.
function readCint(blob, st) {
  let b = blob[st.p++];
  let ret = (b << 25) >> 25;
  if (!(b & 0x80)) return ret;
  for (let k = 0; k < 3; k++) {
    b = blob[st.p++];
    ret = ((ret << 7) + (b & 0x7f)) | 0;
    if (!(b & 0x80)) return ret;
  }
  b = blob[st.p++];
  if (b & 0x80) throw new Error(`compressed int longer than 5 bytes at blob offset ${st.p - 1}`);
  return ((ret << 7) + b) | 0;
}

// Reads a type reference right after a BeginObject tag: either a new SerializationType
// (04 01 i32 version i32 minReader str name 06) or an ObjectReference (02 u32 label) to one.
function readTypeRef(r, typesByLabel) {
  const at = r.pos;
  const t = r.u8();
  if (t === T.ObjRef) {
    const label = r.u32();
    const ty = typesByLabel.get(label);
    if (!ty) r.fail(`object reference to unknown type descriptor at ${label}`, at);
    return ty;
  }
  if (t !== T.Begin) r.fail(`expected a type descriptor (04 or 02), found ${t}`, at);
  r.expect(T.Null, 'null type of SerializationType');
  const version = r.i32();
  const minReader = r.i32();
  const name = r.str();
  r.expect(T.End, 'end of SerializationType');
  const ty = {version, minReader, name, label: at};
  typesByLabel.set(at, ty);
  return ty;
}

// FindEndTag (§2.5): skip tagged fields this reader did not consume, up to the first EndObject.
function skipToEnd(r, fwd) {
  for (;;) {
    const at = r.pos;
    const t = r.u8();
    switch (t) {
      case T.End: return;
      case T.Byte: r.need(1); r.pos += 1; break;
      case T.Int16: r.need(2); r.pos += 2; break;
      case T.Int32: r.need(4); r.pos += 4; break;
      case T.Int64: r.need(8); r.pos += 8; break;
      case T.String: r.str(); break;
      case T.Null: case T.Begin: case T.BeginPrivate: break;
      case T.ObjRef: r.u32(); break;
      case T.FwdRef: case T.FwdDef: r.i32(); break;
      case T.Skip: { const idx = r.i32(); const tgt = fwd()[idx];
        if (tgt === undefined) r.fail(`unknown forward reference ${idx}`, at); r.pos = tgt; break; }
      case T.Blob: { const n = r.i32(); r.need(n); r.pos += n; break; }
      default: r.fail(`could not find object end tag (byte ${t})`, at);
    }
  }
}

// The forward-reference table, located from the suffix label at the end of the file (§2.7).
function readForwardTable(buf, name) {
  const r = new Reader(buf, name);
  if (buf.length < 12) r.fail('file too short for a trailer', 0);
  r.pos = buf.length - 4;
  const trailer = r.u32();
  if (trailer + 4 > buf.length - 4) r.fail(`suffix label ${trailer} out of range`, buf.length - 4);
  r.pos = trailer;
  const table = r.u32();
  r.pos = table;
  const count = r.i32();
  if (count < 0 || count > (buf.length - r.pos) / 4) r.fail(`bad forward-reference count ${count}`, table);
  const labels = [];
  for (let i = 0; i < count; i++) labels.push(r.u32());
  return {trailer, table, labels, tableEnd: r.pos};
}

// Reads an object reference whose data this reader knows how to parse.
function readObjectRef(r, ctx, parsers) {
  const at = r.pos;
  const t = r.u8();
  if (t === T.Null) return null;
  if (t === T.ObjRef) {
    const label = r.u32();
    if (!ctx.objects.has(label)) r.fail(`reference to unknown object at ${label}`, at);
    return ctx.objects.get(label);
  }
  if (t !== T.Begin) r.fail(`expected an object reference (01, 02 or 04), found ${t}`, at);
  const ty = readTypeRef(r, ctx.typesByLabel);
  const parse = parsers[ty.name];
  if (!parse) r.fail(`unexpected object type ${JSON.stringify(ty.name)}`, at);
  const obj = parse(r, ty);
  obj.$type = ty.name;
  skipToEnd(r, ctx.fwd);
  ctx.objects.set(at, obj);
  return obj;
}

function readMemoryGraph(r, ty, opts) {
  const g = {typeVersion: ty.version, typeMinReader: ty.minReader};
  g.totalSize = r.i64();
  g.rootIndex = r.i32();
  const typeCount = r.i32();
  if (typeCount < 0 || typeCount > r.buf.length / 9) r.fail(`bad type count ${typeCount}`, r.pos - 4);
  g.types = new Array(typeCount);
  for (let i = 0; i < typeCount; i++) {
    const name = r.str();
    const size = r.i32();
    const module = r.str();
    g.types[i] = {name, size, module};
  }
  const nodeCountAt = r.pos;
  const n = r.i32();
  if (n < 0 || n > (r.buf.length - r.pos) / 4) r.fail(`bad node count ${n}`, nodeCountAt);
  g.nodeCount = n;
  const offsets = new Uint32Array(n);
  for (let i = 0; i < n; i++) offsets[i] = r.u32();
  const blobLenAt = r.pos;
  const blobLen = r.i32();
  if (blobLen < 0) r.fail(`bad blob length ${blobLen}`, blobLenAt);
  r.need(blobLen);
  const blob = r.buf.subarray(r.pos, r.pos + blobLen);
  g.blobOffset = r.pos;
  r.pos += blobLen;
  if (ty.minReader >= 1) {
    // Deferred-type region (ProjectN, §4.6): i32 fwdIdx, i32 count, entries, 06.
    r.i32();
    const cnt = r.i32();
    g.deferredTypes = [];
    for (let i = 0; i < cnt; i++) {
      const typeId = r.i32();
      const module = readObjectRef(r, opts.ctx, opts.parsers);
      const suffix = r.str();
      g.deferredTypes.push({typeId, module, suffix});
    }
    r.expect(T.End, 'end of the deferred-type region');
  }
  const addrCount = r.i32();
  if (addrCount < 0 || addrCount > (r.buf.length - r.pos) / 8) r.fail(`bad address count ${addrCount}`, r.pos - 4);
  g.addresses = new BigUint64Array(addrCount);
  for (let i = 0; i < addrCount; i++) g.addresses[i] = r.u64();
  g.is64Bit = null;
  if (r.pos < r.buf.length && r.buf[r.pos] === T.Byte) { r.pos++; g.is64Bit = r.u8() !== 0; }

  // Decode the node blob into CSR arrays. Sizes of nodes without an explicit size come from
  // the type table; a child is thisIndex + delta.
  const nodeType = new Uint32Array(n);
  const nodeSize = new Float64Array(n);
  const first = new Uint32Array(n + 1);
  let edges = new Uint32Array(Math.max(16, n * 2));
  let m = 0, undefinedNodes = 0;
  const st = {p: 0};
  for (let i = 0; i < n; i++) {
    const off = offsets[i];
    if (off === 0) undefinedNodes++;
    if (off >= blobLen) r.fail(`node ${i}: blob offset ${off} beyond blob length ${blobLen}`, nodeCountAt);
    st.p = off;
    const ts = readCint(blob, st);
    const t = ts >> 1;
    if (t < 0 || t >= typeCount) throw new Error(`node ${i}: type index ${t} out of range`);
    let size = ts & 1 ? readCint(blob, st) : g.types[t].size;
    if (size < 0) throw new Error(`node ${i}: negative size ${size}`);
    nodeType[i] = t;
    nodeSize[i] = size;
    const cc = readCint(blob, st);
    if (cc < 0) throw new Error(`node ${i}: negative child count ${cc}`);
    first[i] = m;
    if (m + cc > edges.length) {
      const bigger = new Uint32Array(Math.max(edges.length * 2, m + cc));
      bigger.set(edges);
      edges = bigger;
    }
    for (let k = 0; k < cc; k++) {
      const c = i + readCint(blob, st);
      if (c < 0 || c >= n) throw new Error(`node ${i}: child ${c} out of range`);
      edges[m++] = c;
    }
    if (st.p > blobLen) throw new Error(`node ${i}: record runs past the blob end`);
  }
  first[n] = m;
  g.nodeType = nodeType;
  g.nodeSize = nodeSize;
  g.first = first;
  g.edges = edges.subarray(0, m);
  g.edgeCount = m;
  g.undefinedNodes = undefinedNodes;
  return g;
}

// Reads a whole .gcdump from a Buffer.
export function readGcdump(buf, name = '<gcdump>') {
  const r = new Reader(buf, name);
  const sigLen = r.i32();
  const sig = '!FastSerialization.1';
  if (sigLen !== sig.length) r.fail('expected the FastSerialization signature', 0);
  r.need(sigLen);
  if (buf.toString('latin1', 4, 4 + sigLen) !== sig) r.fail('expected the FastSerialization signature', 4);
  r.pos += sigLen;

  let fwdTable = null;
  const ctx = {
    typesByLabel: new Map(),
    objects: new Map(),
    fwd: () => (fwdTable ??= readForwardTable(buf, name)).labels,
  };
  const parsers = {};
  const opts = {ctx, parsers};
  parsers['Graphs.MemoryGraph'] = (rr, ty) => readMemoryGraph(rr, ty, opts);
  parsers['JSHeapInfo'] = () => ({});
  parsers['DotNetHeapInfo'] = (rr) => {
    const o = {sizeOfAllSegments: rr.i64(), segments: []};
    const cnt = rr.i32();
    for (let i = 0; i < cnt; i++) o.segments.push(readObjectRef(rr, ctx, parsers));
    return o;
  };
  parsers['GCHeapDumpSegment'] = (rr, ty) => {
    const o = {version: ty.version, start: rr.i64(), end: rr.i64(), gen0End: rr.i64(), gen1End: rr.i64(),
               gen2End: rr.i64(), gen3End: rr.i64()};
    if (ty.version >= 1) o.gen4End = rr.i64();
    return o;
  };
  parsers['InteropInfo'] = (rr) => {
    const o = {rcw: 0, ccw: 0, interfaces: 0, modules: 0};
    const total = rr.i32();
    if (total === 0) return o;
    o.rcw = rr.i32(); o.ccw = rr.i32(); o.interfaces = rr.i32(); o.modules = rr.i32();
    const skip = (k) => { rr.need(k); rr.pos += k; };
    skip(o.rcw * 40 + o.ccw * 32 + o.interfaces * 33);
    for (let i = 0; i < o.modules; i++) { skip(16); rr.str(); }
    return o;
  };
  parsers['Graphs.Module'] = (rr) => {
    const o = {path: rr.str(), imageBase: rr.i64(), size: rr.i64(), buildTime: rr.i64(), pdbName: rr.str()};
    rr.need(16); rr.pos += 16; o.pdbAge = rr.i32();
    return o;
  };
  parsers['GCHeapDump'] = (rr, ty) => {
    const o = {version: ty.version, minReader: ty.minReader};
    if (ty.version < 9) rr.fail(`GCHeapDump version ${ty.version} (legacy layout) not supported by this oracle`);
    o.graph = readObjectRef(rr, ctx, parsers);
    if (!o.graph || o.graph.$type !== 'Graphs.MemoryGraph') rr.fail('expected the MemoryGraph object');
    o.is64Bit = rr.u8() !== 0;
    o.avgCountMultiplier = rr.f32();
    o.avgSizeMultiplier = rr.f32();
    o.jsHeapInfo = readObjectRef(rr, ctx, parsers);
    o.dotNetHeapInfo = readObjectRef(rr, ctx, parsers);
    o.collectionLog = rr.str();
    o.timeTicks = rr.i64();
    o.machineName = rr.str();
    o.processName = rr.str();
    o.processId = rr.i32();
    o.totalCommit = rr.i64();
    o.totalWorkingSet = rr.i64();
    const nm = rr.i32();
    if (nm < 0 || nm > (rr.buf.length - rr.pos) / 4) rr.fail(`bad multiplier count ${nm}`, rr.pos - 4);
    o.countMultipliers = [];
    for (let i = 0; i < nm; i++) o.countMultipliers.push(rr.f32());
    o.interop = undefined;
    o.creationTool = undefined; // undefined = field absent; null = written as a null string
    if (rr.buf[rr.pos] === T.Skip) {
      rr.pos++;
      const idx = rr.i32();
      o.interopForwardIndex = idx;
      o.interop = readObjectRef(rr, ctx, parsers);
      o.interopEnd = rr.pos;
    }
    if (rr.buf[rr.pos] === T.String) { rr.pos++; o.creationTool = rr.str(); }
    return o;
  };

  const entry = readObjectRef(r, ctx, parsers);
  if (!entry || entry.$type !== 'GCHeapDump') r.fail('expected the GCHeapDump entry object');
  r.expect(T.End, 'the end-of-objects marker');
  // Trailer chain: forward-reference table right here, then the trailer, then the suffix label.
  const ft = (fwdTable ??= readForwardTable(buf, name));
  if (ft.table !== r.pos) r.fail(`forward-reference table expected here, the trailer says ${ft.table}`);
  if (ft.trailer !== ft.tableEnd) r.fail(`trailer expected at ${ft.tableEnd}, suffix label says ${ft.trailer}`);
  if (ft.trailer + 8 !== buf.length) r.fail(`file should end 8 bytes after the trailer at ${ft.trailer}`);
  if (entry.interopForwardIndex !== undefined && ft.labels[entry.interopForwardIndex] !== entry.interopEnd)
    r.fail(`forward reference ${entry.interopForwardIndex} should point at ${entry.interopEnd}`);
  entry.forwardReferences = ft.labels.length;
  return entry;
}

// Facts about a file, as listed in shared/fixtures/gcdump/README.md.
export function facts(d) {
  const g = d.graph;
  let sum = 0;
  for (let i = 0; i < g.nodeCount; i++) sum += g.nodeSize[i];
  return {
    gcheapdump_version: d.version,
    gcheapdump_min_reader: d.minReader,
    memorygraph_version: g.typeVersion,
    memorygraph_min_reader: g.typeMinReader,
    nodes: g.nodeCount,
    types: g.types.length,
    total_size: Number(g.totalSize),
    sum_of_sizes: sum,
    edges: g.edgeCount,
    undefined_nodes: g.undefinedNodes,
    root_index: g.rootIndex,
    root_type: g.types[g.nodeType[g.rootIndex]].name,
    is64bit: g.is64Bit,
    addresses: g.addresses.length,
    avg_count_multiplier: d.avgCountMultiplier,
    avg_size_multiplier: d.avgSizeMultiplier,
    count_multipliers: d.countMultipliers.length,
    creation_tool: d.creationTool === undefined ? '(absent)' : d.creationTool,
    segments: d.dotNetHeapInfo ? d.dotNetHeapInfo.segments.length : 0,
    interop: d.interop ? `${d.interop.rcw} RCW, ${d.interop.ccw} CCW, ${d.interop.interfaces} interfaces, ${d.interop.modules} modules` : null,
    forward_references: d.forwardReferences,
  };
}

export function readGcdumpFile(file) {
  return readGcdump(fs.readFileSync(file), file);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of process.argv.slice(2)) {
    const t0 = Date.now();
    const d = readGcdumpFile(f);
    console.log(f, `(${Date.now() - t0} ms)`);
    console.log(JSON.stringify(facts(d), null, 1));
  }
}
