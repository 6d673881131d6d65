// bench/scale.ts's child: one member's node in a process of its own, for RSS and CPU at rest
// (issue 17: "one node per process"). Opens the member's database as `felund run` does, starts
// a FelundNode on it (loopback, port 0, the default gossip interval), builds the circle's
// reconciliation set as its first session would, then idles and reports on stdout (JSON):
// RSS after a full GC, the JS heap, and CPU over IDLE_S seconds of rest.
import { NodeStore } from "../../db/node-store.ts";
import { openSqlite } from "../../db/sqlite.ts";
import { saveSettings } from "../../src/node/identity.ts";
import { installNativePrimitives } from "../../src/node/native-primitives.ts";
import { FelundNode } from "../../src/node/node.ts";

const [dbPath, circleId, idleS] = process.argv.slice(2);
installNativePrimitives();
const store = new NodeStore(openSqlite(dbPath!));
saveSettings(store, { bind: "127.0.0.1", port: 0, displayName: "rest" });
const node = new FelundNode({ store, bind: "127.0.0.1", port: 0 });
await node.start();
const t0 = performance.now();
const set = store.reconItems(circleId!, { maxEpoch: 0, legacy: false });
const buildMs = performance.now() - t0;
Bun.gc(true);
await Bun.sleep(1000);
Bun.gc(true);
const rss = process.memoryUsage().rss;
const heap = process.memoryUsage().heapUsed;
const c0 = process.cpuUsage();
const w0 = performance.now();
await Bun.sleep(Number(idleS ?? 10) * 1000);
const c1 = process.cpuUsage(c0);
const cpuPct = ((c1.user + c1.system) / 1000 / (performance.now() - w0)) * 100;
console.log(
  JSON.stringify({ items: set?.size ?? 0, buildMs, rss, heap, rssAfterIdle: process.memoryUsage().rss, cpuPct }),
);
node.stop();
process.exit(0);
