/**
 * V8 flags the app process runs with (`npm start`, `npm run start:app`, the benchmark).
 *
 * Under load, requests in flight for tens of milliseconds survive young-generation collections
 * and are promoted; without a limit V8 lets that old-generation garbage grow to ~130 MB before a
 * full collection (peak RSS 250–330 MB at 64 connections). A limit makes V8 collect earlier:
 * peak RSS 167 MB at the same load, throughput unchanged (docs/performance.md). The live heap is
 * about 50 MB, so 192 MB leaves room; raise it if a deployment holds much more in memory.
 */
export const APP_NODE_FLAGS = ['--max-old-space-size=192'];
