// Benchmark of issue 17: sync cost that follows the difference, not the history. Two members of
// one circle, each a NodeStore on disk (the node's pragmas and migrations), share a history of
// SCALE_N messages (default 1,000,000) written through the store's own insertV2Message in
// transactions of 10,000 (stub wires: reconciliation reads only (created_ts, msg_id), and these
// rows are never served); then 10 real signed messages are written on each side alone, spread
// over the history. The v2 engines (V2Exchange, the node's code) talk through in-process pipes,
// with the node's native crypto. Measured:
//   - the store's reconciliation set built at first use (once per circle and process);
//   - a session: handshake and reconciliation of the 10 + 10 differences (time, bytes, hashes);
//   - idle: heal rounds with nothing new (what every twelfth gossip round does, once a minute at
//     the default 5 s interval): CPU per heal, bytes, database loads; idle CPU % = that / 60 s;
//   - RSS at rest (this process holds both members), and of one member's node in a process of
//     its own (bench/lib/scale-rest.ts: a FelundNode on its database, its set built, 10 s idle);
//   - a join: a new member's session receiving SCALE_JOIN (default 100,000) real signed
//     messages from a member that holds them (time, rate, wire bytes against the messages' size).
//     The joiner's signatures are checked by a pool of two workers (src/node/verify-pool.ts), as in
//     the node; the CPU time printed is the process's (workers included) and its main thread's.
// Run: `npx bun bench/scale.ts` (SCALE_N=100000 SCALE_JOIN=10000 for a quick run; SCALE_JOIN=0: no join;
// SCALE_ONLY=join: only the join, no SCALE_N history; SCALE_VERIFY=inline: every check on the main thread).
//   - RSS of one node serving that join to a new member in another process (bench/lib/scale-serve.ts;
//     SCALE_SERVE=0: not measured, SCALE_INPROC_JOIN=0: only that, not the in-process join).
// The written history is kept in SCALE_CACHE (default: the system's tmp dir, felund-scale-N.db,
// checked against the migrations) and copied from there on the next run; SCALE_CACHE=0: none.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { NodeStore } from "../db/node-store.ts";
import { closeSqlite, openSqlite } from "../db/sqlite.ts";
import { installNativePrimitives, nodeZip } from "../src/node/native-primitives.ts";
import { toHex } from "../src/protocol/bytes.ts";
import { circleIdFromSecret } from "../src/protocol/ids.ts";
import { DEFAULT_INTERVAL_S } from "../src/protocol/limits.ts";
import { nodeKeysFromSeed } from "../src/protocol/v2/keys.ts";
import { makeCardMessage } from "../src/protocol/v2/member-card.ts";
import { CallRegistry } from "../src/sync/control-apply.ts";
import { acceptSigned, composeText } from "../src/sync/v2-apply.ts";
import { V2Exchange, type V2Deps, type V2Step } from "../src/sync/v2-exchange.ts";
import { VerifyPool } from "../src/node/verify-pool.ts";
import { clockTicks, loadAvg1, machine, threadCpuTicks } from "./lib/proc-stat.ts";
import { FrameTally, hookSealer } from "./lib/frame-tally.ts";
import { serveJoin } from "./lib/scale-serve.ts";

installNativePrimitives();
hookSealer();
const N = Number(process.env.SCALE_N ?? 1_000_000);
/** SCALE_ONLY=join: only the join (no SCALE_N history, reconciliation, idle or rest figures) */
const JOIN_ONLY = process.env.SCALE_ONLY === "join";
/** SCALE_VERIFY=inline: the joiner checks every signature on its main thread (as before the worker pool) */
const POOL = process.env.SCALE_VERIFY !== "inline";
const JOIN = Number(process.env.SCALE_JOIN ?? 100_000);
const DIFF = 10;
/** a channel's first page in the front ends (ui/shared/chat-state.ts PAGE) */
const PAGE = 50;
const BATCH = 10_000;
const NOW = 1_800_000_000;
const SECRET = "2a".repeat(32);
const circleId = circleIdFromSecret(SECRET);
const dir = mkdtempSync(join(tmpdir(), "felund-scale-"));

let seed = 7;
const rng = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out[i] = seed >>> 24;
  }
  return out;
};
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const rss = () => {
  Bun.gc(true);
  return process.memoryUsage().rss;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Member {
  name: string;
  store: NodeStore;
  clock: { now: number };
  deps: V2Deps;
}

function member(name: string, n: number, owner?: Member, cached = false): Member {
  const store = new NodeStore(openSqlite(join(dir, `${name}.db`)));
  const keys = nodeKeysFromSeed(rng(32));
  const clock = { now: NOW };
  const addr = `127.0.0.1:${9000 + n}`;
  const calls = new CallRegistry();
  const deps: V2Deps = {
    store,
    calls,
    now: () => clock.now,
    rng,
    self: { keys, listenAddr: addr, isSelfAddr: (a) => a === addr },
    zip: nodeZip,
  };
  const card = makeCardMessage(keys, { circleId, displayName: name, ts: NOW - 86_400 * 375, epoch: 0, salt: rng(16) });
  if (cached) return { name, store, clock, deps };
  store.addCircle({
    circleId,
    secretHex: SECRET,
    name: "big",
    owned: !owner,
    bootstrap: "",
    mode: "v2",
    keyEpoch: 0,
    joinedAt: NOW,
  });
  store.setCircleOwner(circleId, toHex((owner ?? { deps }).deps.self.keys.edPublic));
  const r = acceptSigned({ store, calls, self: keys, now: NOW }, store.getCircle(circleId)!, card.wire, "local");
  if (!r.ok) throw new Error(r.reason);
  return { name, store, clock, deps };
}

function post(m: Member, text: string, at: number) {
  m.clock.now = at;
  const r = composeText(
    { store: m.store, calls: m.deps.calls, self: m.deps.self.keys, now: at },
    { circleId, channelId: "general", displayName: m.name, now: at, rng, text },
  );
  if (!r.ok) throw new Error(r.reason);
  return r.value.row;
}

/** Two engines and the lines between them; `pump` runs until nothing moves (more() as queues drain). */
function session(client: Member, server: Member) {
  const c = V2Exchange.client(client.deps, circleId, server.deps.self.listenAddr!);
  const s = V2Exchange.server(server.deps, "127.0.0.1");
  const q = { client: [] as string[], server: [] as string[] };
  const io = { bytes: 0, lines: 0, stored: 0, closed: "", ids: [] as string[], firstPageMs: 0, fills: 0 };
  const tally = new FrameTally();
  const t0 = performance.now();
  const feed = (from: "client" | "server", step: V2Step) => {
    io.stored += step.stored?.length ?? 0;
    for (const m of step.stored ?? []) io.ids.push(m.msgId);
    // the first readable page: the client holds the newest PAGE messages (a fill sends them first)
    if (from === "client" && !io.firstPageMs && io.stored >= PAGE) io.firstPageMs = performance.now() - t0;
    if (step.fill) io.fills++;
    for (const l of step.send) {
      io.bytes += l.length + 1;
      io.lines++;
      tally.add(from === "client" ? `${client.name}→` : `${server.name}→`, l);
      (from === "client" ? q.server : q.client).push(l);
    }
    if (step.close) io.closed ||= `${from}: ${step.close.reason}`;
  };
  const pump = () => {
    for (;;) {
      if (q.server.length) feed("server", s.receive(q.server.shift()!));
      else if (q.client.length) feed("client", c.receive(q.client.shift()!));
      else {
        const mc = c.more();
        const ms = s.more();
        if (!mc.send.length && !ms.send.length) break;
        feed("client", mc);
        feed("server", ms);
      }
    }
  };
  // with a verifier the client hands a fill's frames in later (onLater), as a LineConn does; and
  // reads no more lines while busy (the connection pauses its socket), until a later step comes
  let wake: (() => void) | null = null;
  c.onLater((step) => {
    feed("client", step);
    wake?.();
  });
  const pumpAsync = async () => {
    for (;;) {
      if (q.server.length) feed("server", s.receive(q.server.shift()!));
      else if (q.client.length && !c.busy) {
        feed("client", c.receive(q.client.shift()!));
        // an event loop turn, as between two socket reads: the workers' answers come in here
        await new Promise<void>((r) => setImmediate(r));
      } else if (q.client.length) await new Promise<void>((r) => (wake = r));
      else {
        const mc = c.more();
        const ms = s.more();
        if (mc.send.length || ms.send.length) {
          feed("client", mc);
          feed("server", ms);
          continue;
        }
        await c.settled();
        if (!q.client.length && !q.server.length) break;
      }
    }
  };
  feed("client", c.start());
  const done = client.deps.verifier ? pumpAsync() : (pump(), Promise.resolve());
  return { c, s, io, feed, pump, done, tally };
}

const m = machine();
console.log(
  `setup: ${m.nproc} × ${m.cpu}, ${m.memGiB.toFixed(0)} GiB; Bun ${m.bun}; two members on disk (${dir}), v2 engines over in-process pipes, native crypto`,
);

// the shared history and the join's are kept in SCALE_CACHE between runs (checked against the migrations)
const cacheDir = process.env.SCALE_CACHE ?? tmpdir();
const cache = cacheDir === "0" ? "" : join(cacheDir, `felund-scale-${N}.db`);
const migrations = Bun.hash(readFileSync(join(import.meta.dir, "../drizzle/meta/_journal.json"))).toString();
const cacheMeta = cache && existsSync(`${cache}.json`) ? JSON.parse(readFileSync(`${cache}.json`, "utf8")) : null;
const cached = !JOIN_ONLY && !!cacheMeta && cacheMeta.migrations === migrations && existsSync(cache);
if (cached) copyFileSync(cache, join(dir, "alice.db"));

let t0 = 0;
let c0 = 0;
if (!JOIN_ONLY) {
  // ---- the shared history: written once through the store (or copied from the cache), then the file is copied ----
  const a = member("alice", 1, undefined, cached);
  t0 = performance.now();
  seed = 99;
  for (let i = 0; i < (cached ? 0 : N); i += BATCH)
    a.store.transaction(() => {
      for (let k = i; k < Math.min(N, i + BATCH); k++) {
        const ts = NOW - 86_400 * 370 + Math.floor((k * 86_400 * 360) / N);
        a.store.insertV2Message(
          {
            msgId: toHex(rng(16)),
            circleId,
            channelId: "general",
            authorNodeId: "a1b2c3d4e5f60718293a4b5c",
            displayName: "x",
            createdTs: ts,
            text: "common",
            mac: null,
          },
          { authorKey: "00", signature: "00", keyEpoch: 0, kind: 0, wire: "AA==" },
          { origin: "local", receivedAt: NOW, sortTs: ts, sortMs: ts * 1000 },
        );
      }
    });
  const fillS = (performance.now() - t0) / 1000;
  closeSqlite(a.store.sql);
  if (cached) seed = cacheMeta.seed;
  else if (cache) {
    copyFileSync(join(dir, "alice.db"), cache);
    writeFileSync(`${cache}.json`, JSON.stringify({ migrations, seed }));
  }
  copyFileSync(join(dir, "alice.db"), join(dir, "bob.db"));
  const b = member("bob", 2, a);
  b.store.sql.run("UPDATE circles SET owned = 0");
  a.store = new NodeStore(openSqlite(join(dir, "alice.db")));
  a.deps.store = a.store;
  // each member's own cards: both hold both (as after their first session)
  console.log(
    cached
      ? `history: ${N.toLocaleString()} messages (written through NodeStore.insertV2Message by an earlier run) copied from ${cache}, and for the second member`
      : `history: ${N.toLocaleString()} messages written through NodeStore.insertV2Message in ${fillS.toFixed(1)} s, the file copied for the second member`,
  );
  seed = 1234;
  for (let i = 0; i < DIFF; i++) {
    post(a, `alice only ${i}`, NOW - 86_400 * 369 + Math.floor(((i + 0.3) * 86_400 * 355) / DIFF));
    post(b, `bob only ${i}`, NOW - 86_400 * 369 + Math.floor(((i + 0.6) * 86_400 * 355) / DIFF));
  }
  a.clock.now = b.clock.now = NOW;

  // ---- the reconciliation set, built once per circle ----
  t0 = performance.now();
  const setA = a.store.reconItems(circleId, { maxEpoch: 0, legacy: false })!;
  const buildMs = performance.now() - t0;
  b.store.reconItems(circleId, { maxEpoch: 0, legacy: false });
  console.log(
    `reconciliation set: ${setA.size.toLocaleString()} items built in ${(buildMs / 1000).toFixed(2)} s (once, at the first session)`,
  );
  const rssRest = rss();
  const heapRest = process.memoryUsage().heapUsed;

  // ---- a session: 10 + 10 differences ----
  const setB = b.store.reconItems(circleId, { maxEpoch: 0, legacy: false })!;
  setA.work = setB.work = 0;
  c0 = cpuMs();
  t0 = performance.now();
  const x = session(a, b);
  const reconMs = performance.now() - t0;
  const reconCpu = cpuMs() - c0;
  console.log(
    `reconcile ${DIFF} + ${DIFF} differing in ${N.toLocaleString()}: ${reconMs.toFixed(0)} ms (${reconCpu.toFixed(0)} CPU-ms, both sides), ${kb(x.io.bytes)} on the wire (handshake, ranges and the ${x.io.stored} signed messages that differ), ${x.io.lines} lines, ${setA.work + setB.work} item hashes added; stored ${x.io.stored}${x.io.closed ? `; closed ${x.io.closed}` : ""}; load average ${loadAvg1()}`,
  );

  // the messages' own bytes (their signed wires as base64) against everything else on the wire
  const msgBytes = x.io.ids.reduce((sum, id) => sum + (a.store.getV2Wire(id)?.length ?? 0), 0);
  console.log(
    `  of which the signed messages' own bytes (wires as base64): ${kb(msgBytes)}; handshake, reconciliation, WANT, HELD and framing: ${kb(x.io.bytes - msgBytes)}`,
  );

  console.log("  frame by frame (direction, type):");
  for (const l of x.tally.lines()) console.log(l);

  // ---- idle ----
  let loads = 0;
  for (const s of [a.store, b.store]) {
    const orig = s.v2Items.bind(s);
    s.v2Items = (cid, o) => {
      loads++;
      return orig(cid, o);
    };
  }
  const HEALS = 50;
  const bytes0 = x.io.bytes;
  setA.work = setB.work = 0;
  c0 = cpuMs();
  for (let i = 0; i < HEALS; i++) {
    x.feed(i % 2 ? "server" : "client", i % 2 ? x.s.resync() : x.c.resync());
    x.pump();
  }
  const healCpu = (cpuMs() - c0) / HEALS;
  const healBytes = (x.io.bytes - bytes0) / HEALS;
  const healsPerMin = 60 / (12 * DEFAULT_INTERVAL_S);
  console.log(
    `idle: a heal round ${healCpu.toFixed(2)} CPU-ms (both sides), ${healBytes.toFixed(0)} B, ${loads} database loads, ${setA.work + setB.work} item hashes in ${HEALS} heals; at one heal a minute per session: ${((healCpu * healsPerMin) / 600).toFixed(4)} % CPU, ${((healBytes * healsPerMin) / 60).toFixed(1)} B/s`,
  );
  console.log(
    `RSS at rest: ${mb(rssRest)}, JS heap ${mb(heapRest)} (this process: both members, their sets and SQLite caches, and what the history's writing left)`,
  );
  a.store.sql.close();
  b.store.sql.close();

  // ---- one node per process: alice's database under a FelundNode in a child process ----
  const child = Bun.spawnSync([
    process.execPath,
    join(import.meta.dir, "lib/scale-rest.ts"),
    join(dir, "alice.db"),
    circleId,
    "10",
  ]);
  const rest = JSON.parse(child.stdout.toString().trim().split("\n").at(-1) ?? "{}");
  if (!rest.rss) throw new Error(`scale-rest failed: ${child.stderr.toString().slice(0, 500)}`);
  console.log(
    `one node per process (a FelundNode on alice's database, loopback, default gossip interval, its set of ${rest.items.toLocaleString()} items built in ${(rest.buildMs / 1000).toFixed(1)} s): RSS at rest ${mb(rest.rss)} (${mb(rest.rssAfterIdle)} after 10 s idle), JS heap ${mb(rest.heap)}, idle CPU ${rest.cpuPct.toFixed(2)} % over 10 s`,
  );
}

if (JOIN === 0) {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
// ---- a join: a new member receives a whole history ----
// the join's signed history is cached as the shared one is (felund-scale-join-JOIN.db)
const joinCache = cache && join(cacheDir, `felund-scale-join-${JOIN}.db`);
const joinMeta =
  joinCache && existsSync(`${joinCache}.json`) ? JSON.parse(readFileSync(`${joinCache}.json`, "utf8")) : null;
const joinCached = !!joinMeta && joinMeta.migrations === migrations && existsSync(joinCache);
if (joinCached) copyFileSync(joinCache, join(dir, "olivia.db"));
const owner = member("olivia", 3, undefined, joinCached);
const joiner = member("jack", 4, owner);
seed = 555;
t0 = performance.now();
let wireBytes = joinCached ? joinMeta.wireBytes : 0;
for (let i = 0; i < (joinCached ? 0 : JOIN); i += BATCH)
  owner.store.transaction(() => {
    for (let k = i; k < Math.min(JOIN, i + BATCH); k++) {
      const row = post(owner, `history message number ${k} with some words in it, as people write`, NOW - JOIN + k);
      wireBytes += owner.store.getV2Wire(row.msgId)!.length * 0.75;
    }
  });
owner.clock.now = joiner.clock.now = NOW;
if (joinCache && !joinCached) {
  owner.store.sql.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  copyFileSync(join(dir, "olivia.db"), joinCache);
  writeFileSync(`${joinCache}.json`, JSON.stringify({ migrations, wireBytes }));
}
console.log(
  joinCached
    ? `join: ${JOIN.toLocaleString()} signed messages (written by an earlier run) copied from ${joinCache}`
    : `join: ${JOIN.toLocaleString()} signed messages written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
// one node per process: olivia's node serves the history to a new member's engine in another process
if (process.env.SCALE_SERVE !== "0") {
  const sv = await serveJoin(
    join(dir, "olivia.db"),
    join(dir, "june.db"),
    circleId,
    SECRET,
    toHex(owner.deps.self.keys.edPublic),
    NOW,
  );
  console.log(
    `serving a join, one node per process (a FelundNode on olivia's database, its set of ${sv.items.toLocaleString()} items built; a new member's v2 engine in another process over loopback TCP, streamed fill): the joiner holds ${sv.got.toLocaleString()} after ${(sv.joinMs / 1000).toFixed(1)} s (${(sv.joinCpuMs / 1000).toFixed(1)} CPU-s joiner, ${(sv.serveCpuMs / 1000).toFixed(1)} CPU-s server), ${mb(sv.bytes)} received; server RSS ${mb(sv.rssRest)} at rest, **${mb(sv.rssPeak)} peak while serving** (sampled every 50 ms; at ${(sv.peakAtMs / 1000).toFixed(1)} s, JS heap ${mb(sv.heapAtPeak)} then; after the join and a full GC ${mb(sv.rssAfterGc)}, heap ${mb(sv.heapAfterGc)}); load average ${loadAvg1()}`,
  );
  console.log(`  server RSS every 10 s while serving (MiB): ${sv.series.join(" ")}`);
  if (sv.got < JOIN) console.log(`  the joiner stored ${sv.got} of ${JOIN}: ${JSON.stringify(sv)}`);
  if (process.env.SCALE_INPROC_JOIN === "0") {
    owner.store.sql.close();
    joiner.store.sql.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
}
const rssBefore = rss();
let peak = rssBefore;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
c0 = cpuMs();
t0 = performance.now();
if (POOL) joiner.deps.verifier = new VerifyPool(2);
const HZ = clockTicks();
const main0 = threadCpuTicks(process.pid);
const j = session(joiner, owner);
await j.done;
const joinMs = performance.now() - t0;
const joinCpu = cpuMs() - c0;
const mainCpu = ((threadCpuTicks(process.pid) - main0) * 1000) / HZ;
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(sampler);
const got = joiner.store.countChatMessages(circleId);
console.log(
  `join of ${JOIN.toLocaleString()}: ${(joinMs / 1000).toFixed(1)} s (${joinCpu.toFixed(0)} CPU-ms: ${mainCpu.toFixed(0)} on the main thread, which runs both sides${POOL ? ", the rest in 2 verify workers" : ", signatures checked inline"}), ${Math.round(got / (joinMs / 1000)).toLocaleString()} messages/s (${Math.round(got / (joinCpu / 1000)).toLocaleString()} per CPU-second), first page (newest ${PAGE}) after ${j.io.firstPageMs.toFixed(0)} ms, ${j.io.fills} progress steps; ${mb(j.io.bytes)} on the wire for ${mb(wireBytes)} of signed messages (${(j.io.bytes / wireBytes).toFixed(2)}×); the joiner holds ${got.toLocaleString()}; RSS ${mb(rssBefore)} before, ${mb(peak)} peak (sampled; both sides)`,
);

const pool = joiner.deps.verifier as VerifyPool | undefined;
if (pool)
  console.log(
    `  signatures checked by the workers: ${pool.stats.verified.toLocaleString()} of ${pool.stats.asked.toLocaleString()} asked (${pool.stats.failed} worker failures); load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );
pool?.close();
owner.store.sql.close();
joiner.store.sql.close();
rmSync(dir, { recursive: true, force: true });
