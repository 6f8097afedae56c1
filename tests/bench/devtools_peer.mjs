// Peer benchmark: Chrome DevTools' heap-snapshot worker (as shipped in the npm package
// chrome-devtools-mcp) loads a .heapsnapshot and builds the Summary view's per-class aggregates.
// Loading runs DevTools' whole analysis (parse, distances, dominators, retained sizes);
// aggregating groups by class. Usage: node --import ./devtools_polyfill.mjs devtools_peer.mjs
// <path to node_modules/chrome-devtools-mcp> <file.heapsnapshot>
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const [modules, file] = process.argv.slice(2);
const url = pathToFileURL(path.resolve(modules, 'build/src/processors/HeapSnapshotManager.js'));
const {HeapSnapshotManager} = await import(url.href);
const mgr = new HeapSnapshotManager();
const t0 = performance.now();
await mgr.getSnapshot(path.resolve(file));
const t1 = performance.now();
const {aggregates, objectCount} = await mgr.getAggregates(path.resolve(file));
const t2 = performance.now();
console.log(`load_ms=${(t1 - t0).toFixed(1)} aggregate_ms=${(t2 - t1).toFixed(1)} ` +
            `classes=${aggregates.length} objects=${objectCount}`);
if (typeof mgr.dispose === 'function') mgr.dispose();
process.exit(0);
