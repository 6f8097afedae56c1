// Chrome DevTools' own Summary view numbers for a .heapsnapshot, computed by the heap-snapshot
// worker that chrome-devtools-mcp ships prebuilt (the same code as the Memory panel).
import path from 'node:path';
import {HeapSnapshotManager} from './node_modules/chrome-devtools-mcp/build/src/processors/HeapSnapshotManager.js';

if (typeof Promise.withResolvers !== 'function')
  throw new Error('Promise.withResolvers missing: run node with --import ./polyfill.mjs');

// Returns {classes: Map(className -> {count, self, retained}), totalSize, nodeCount}.
export async function devtoolsSummary(file) {
  const abs = path.resolve(file);
  const mgr = new HeapSnapshotManager();
  try {
    const {aggregates} = await mgr.getAggregates(abs);
    const st = await mgr.getStaticData(abs);
    const classes = new Map();
    for (const a of aggregates) {
      if (classes.has(a.className)) throw new Error(`DevTools gave class ${a.className} twice`);
      classes.set(a.className, {count: a.count, self: a.selfSize, retained: a.retainedSize});
    }
    return {classes, totalSize: st.totalSize, nodeCount: st.nodeCount};
  } finally {
    mgr.dispose();
  }
}
