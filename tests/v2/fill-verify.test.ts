// A streamed fill (docs/PROTOCOL.md §23, issue 17) whose signatures a pool of workers checks
// (src/node/verify-pool.ts, V2Deps.verifier): the joiner's engine opens each MSGS_Z frame, hands
// its signatures to the pool, stores the frame once they are back (later steps, in arrival order),
// and reads no more frames while V2_INBOX_FRAMES wait. Only a "verifies" from the pool skips the
// inline check: a bad signature in a batch is refused, and workers that crash, exit or stall
// leave every message to the inline check; nothing unverified is stored either way.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { installNativePrimitives, nodeZip } from "../../src/node/native-primitives.ts";
import { VerifyPool } from "../../src/node/verify-pool.ts";
import { fromBase64, toBase64, toHex } from "../../src/protocol/bytes.ts";
import { V2_INBOX_FRAMES } from "../../src/protocol/v2/fill.ts";
import { signatureCheck, decodeMessage } from "../../src/protocol/v2/message.ts";
import { parseSearchQuery } from "../../src/sync/search.ts";
import type { StoredMessage } from "../../src/sync/store.ts";
import { V2Exchange, type V2Step } from "../../src/sync/v2-exchange.ts";
import { joinCircle, makeNode, NOW, post } from "./helpers.ts";

setDefaultTimeout(120_000);
installNativePrimitives();
const dir = mkdtempSync(joinPath(tmpdir(), "felund-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** a worker script that fails in the given way */
function badWorker(name: string, body: string): string {
  const path = joinPath(dir, `${name}.ts`);
  writeFileSync(path, `declare const self: Worker;\n${body}\n`);
  return path;
}

function world(n: number) {
  const owner = makeNode("olivia");
  const jack = makeNode("jack");
  owner.deps.zip = nodeZip;
  jack.deps.zip = nodeZip;
  const cid = joinCircle(owner, owner);
  const msgs: StoredMessage[] = [];
  owner.store.transaction(() => {
    for (let i = 0; i < n; i++) {
      owner.clock.now = NOW - n + i;
      msgs.push(post(owner, cid, `history ${i} ${toHex(owner.deps.rng(40))}`));
    }
  });
  owner.clock.now = NOW;
  joinCircle(jack, owner);
  return { owner, jack, cid, msgs };
}

/** One byte of a stored message's signature flipped in the owner's database (served as it is). */
function forge(w: ReturnType<typeof world>, msgId: string) {
  const wire = fromBase64(w.owner.store.getV2Wire(msgId)!);
  wire[wire.length - 7]! ^= 1;
  w.owner.store.sql.query(`UPDATE messages SET v2_wire = ? WHERE msg_id = ?`).run(toBase64(wire), msgId);
}

/** jack joins the owner through engines joined by in-memory lines, as a LineConn drives them (later steps, busy) */
async function join(w: ReturnType<typeof world>, pool: VerifyPool) {
  w.jack.deps.verifier = pool;
  const c = V2Exchange.client(w.jack.deps, w.cid, w.owner.listenAddr);
  const s = V2Exchange.server(w.owner.deps, "127.0.0.1");
  const q = { client: [] as string[], server: [] as string[] };
  const steps: V2Step[] = [];
  let maxWaiting = 0;
  let wake: (() => void) | null = null;
  const feed = (from: "client" | "server", step: V2Step) => {
    if (from === "client") steps.push(step);
    for (const l of step.send) (from === "client" ? q.server : q.client).push(l);
  };
  c.onLater((step) => {
    feed("client", step);
    wake?.();
  });
  feed("client", c.start());
  for (let i = 0; i < 100_000; i++) {
    if (q.server.length) feed("server", s.receive(q.server.shift()!));
    else if (q.client.length && !c.busy) {
      feed("client", c.receive(q.client.shift()!));
      maxWaiting = Math.max(maxWaiting, (c as unknown as { inbox: unknown[] }).inbox.length);
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
  const stored = steps.flatMap((st) => st.stored ?? []);
  const fills = steps.flatMap((st) => (st.fill ? [st.fill] : []));
  return { c, steps, stored, fills, maxWaiting };
}

const held = (w: ReturnType<typeof world>, id: string) => w.jack.store.getV2Wire(id) !== undefined;

test("a fill checked by the workers: all of it stored newest first, with progress, every signature checked off the main thread", async () => {
  const N = 3000;
  const w = world(N);
  const pool = new VerifyPool(2);
  const j = await join(w, pool);
  pool.close();
  expect(j.c.result.rejected).toEqual([]);
  expect(w.jack.store.countChatMessages(w.cid)).toBe(N);
  // the workers vouched for every message of the fill but its first frame's (one screen, checked at once)
  expect(pool.stats.verified).toBe(pool.stats.asked);
  expect(pool.stats.asked).toBeGreaterThanOrEqual(N - 100);
  expect(pool.stats.asked).toBeLessThan(N);
  expect(pool.stats.failed).toBe(0);
  // newest first, the first frame one screen, progress rising to done at the total
  const ts = j.stored.filter((m) => m.channelId === "general").map((m) => m.createdTs);
  expect(ts[0]).toBe(NOW - 1);
  for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeLessThanOrEqual(ts[i - 1]!);
  const first = j.steps.find((st) => st.fill && st.stored?.length)!;
  expect(first.stored!.length).toBeLessThanOrEqual(100);
  const last = j.fills[j.fills.length - 1]!;
  expect(last.done).toBe(true);
  expect(last.got).toBe(last.total);
  let stored = 0;
  for (const st of j.steps) {
    stored += st.stored?.length ?? 0;
    if (st.fill && !st.fill.done) expect(st.fill.got).toBe(stored);
  }
  // search finds the history once it is in: its full-text entries were written a frame at a time, in bulk
  for (const m of [w.msgs[0]!, w.msgs[N - 1]!]) {
    const word = m.text.split(" ")[2]!;
    expect(w.jack.store.searchMessages(w.cid, parseSearchQuery(word), { limit: 5 }).map((x) => x.msgId)).toEqual([
      m.msgId,
    ]);
  }
  expect(w.jack.store.searchMessages(w.cid, parseSearchQuery("history"), { limit: 5000 }).length).toBe(N);
  // what waits for its checks is bounded: the engine says busy and is fed no more
  expect(j.maxWaiting).toBeLessThanOrEqual(V2_INBOX_FRAMES);
  expect(j.maxWaiting).toBeGreaterThan(1);
});

test("a bad signature in a batch: that message is refused, the rest of the batch stored", async () => {
  const N = 1500;
  const w = world(N);
  // in the first frame (checked at once), and two deep in big frames (checked by the workers)
  const bad = [w.msgs[N - 3]!.msgId, w.msgs[700]!.msgId, w.msgs[701]!.msgId];
  for (const id of bad) forge(w, id);
  const pool = new VerifyPool(2);
  const j = await join(w, pool);
  pool.close();
  for (const id of bad) expect(held(w, id)).toBe(false);
  expect(w.jack.store.countChatMessages(w.cid)).toBe(N - 3);
  expect(j.c.result.rejected.map((r) => r.reason)).toEqual(bad.map(() => "author signature does not verify"));
  // the workers said no to exactly the two they were asked about (the engine then checked them inline, and refused them)
  expect(pool.stats.asked - pool.stats.verified).toBe(2);
});

for (const [name, body] of [
  ["crash", "self.onmessage = () => { throw new Error('worker broke'); };"],
  ["exit", "self.onmessage = () => { process.exit(3); };"],
  ["answer nonsense", "self.onmessage = (e) => self.postMessage({ id: e.data.id, ok: 'yes' });"],
] as const)
  test(`a pool whose workers ${name}: every message is checked inline, the bad one refused, the rest stored`, async () => {
    const N = 1200;
    const w = world(N);
    forge(w, w.msgs[500]!.msgId);
    const pool = new VerifyPool(2, badWorker(name.replace(" ", "-"), body));
    const checked = { n: 0 };
    const verify = pool.verify.bind(pool);
    pool.verify = (c) => ((checked.n += c.length), verify(c));
    const j = await join(w, pool);
    pool.close();
    expect(checked.n).toBeGreaterThanOrEqual(N - 100);
    expect(pool.stats.verified).toBe(0);
    expect(held(w, w.msgs[500]!.msgId)).toBe(false);
    expect(w.jack.store.countChatMessages(w.cid)).toBe(N - 1);
    expect(j.c.result.rejected.map((r) => r.reason)).toEqual(["author signature does not verify"]);
    if (name !== "answer nonsense") expect(pool.size).toBe(0);
  });

test("a worker that never answers is given up after its stall time; its batches are checked inline", async () => {
  const pool = new VerifyPool(1, badWorker("silent", "self.onmessage = () => {};"), 300);
  const w = world(300);
  const checks = w.msgs
    .slice(0, 100)
    .map((m) => signatureCheck(decodeMessage(fromBase64(w.owner.store.getV2Wire(m.msgId)!))));
  const t0 = performance.now();
  expect(await pool.verify(checks)).toEqual(checks.map(() => false));
  expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
  expect(pool.size).toBe(0);
  expect(pool.stats.failed).toBe(1);
  // with no worker left, batches answer at once (inline checks only)
  expect(await pool.verify(checks)).toEqual(checks.map(() => false));
  pool.close();
});

test("the pool's verdicts: true only for a signature that verifies over exactly those bytes and that key", async () => {
  const w = world(200);
  const pool = new VerifyPool(2);
  const checks = w.msgs.map((m) => signatureCheck(decodeMessage(fromBase64(w.owner.store.getV2Wire(m.msgId)!))));
  const other = checks[1]!;
  const wrong = [
    { ...checks[0]!, msg: other.msg }, // another message's bytes
    { ...checks[0]!, sig: other.sig }, // another message's signature
    { ...checks[0]!, pub: new Uint8Array(32).fill(9) }, // another key
    { ...checks[0]!, pub: new Uint8Array(31) }, // not a key at all
  ];
  const ok = await pool.verify([...checks, ...wrong]);
  pool.close();
  expect(ok.slice(0, checks.length).every((v) => v === true)).toBe(true);
  expect(ok.slice(checks.length)).toEqual([false, false, false, false]);
});
