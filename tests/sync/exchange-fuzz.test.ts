// Seeded fuzzing of the v1 exchange against a simple reference: whatever a peer does to the
// frames (mutated fields, wrong types, truncation, garbage, dropped or repeated lines) and
// whatever MAC-valid control events an insider writes, the engine never throws (bad input
// closes the one connection), and each store ends up holding only original, MAC-valid
// messages of the circle with valid channels and bounded names.
//
// A failing case prints its seed; add the seed to fuzz-regressions.json so it runs forever.
import { describe, expect, test } from "bun:test";
import { fromHex } from "../../src/protocol/bytes.ts";
import { CIRCLE_NAME_MAX, DISPLAY_NAME_MAX } from "../../src/protocol/limits.ts";
import { computeMac, verifyMac, type ChatMessage } from "../../src/protocol/message.ts";
import { isValidChannelId } from "../../src/protocol/channel-id.ts";
import type { Rng } from "../../src/protocol/crypto.ts";
import {
  addCircle,
  insertAll,
  makeMessages,
  makeSide,
  NOW,
  runExchange,
  secretFor,
  seededRng,
  type Side,
} from "./helpers.ts";
import regressions from "./fuzz-regressions.json" with { type: "json" };

/** Cases per run (FELUND_FUZZ_CASES for a longer hunt; FUZZ_SEED, as in tests/fuzz/seeded.ts, moves the window). */
const CASES = Number(process.env.FELUND_FUZZ_CASES ?? 150);

/** Small helpers over a seeded byte stream. */
function dice(rng: Rng) {
  const u32 = () => {
    const b = rng(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  };
  const int = (n: number) => u32() % n;
  return { int, chance: (p: number) => u32() / 2 ** 32 < p, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}
type Dice = ReturnType<typeof dice>;

const WEIRD: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -0,
  2 ** 53 + 2, // not a safe integer
  "",
  "x",
  "x".repeat(3000),
  "__control",
  "general",
  "ÄÖÜ✓",
  [],
  [null],
  [1, "a"],
  {},
  { toString: 1 },
  { valueOf: "x" },
  { __proto__: { polluted: 1 } },
  "0".repeat(32),
  "a|b|c",
];
const FRAME_TYPES = [
  "HELLO",
  "CHALLENGE",
  "HELLO_AUTH",
  "WELCOME",
  "PEERS",
  "MSGS_HAVE",
  "MSGS_REQ",
  "MSGS_SEND",
  "ERROR",
  "ANCHOR_PUSH",
  "",
  5,
];

/** Mutate a random place inside a parsed JSON value. */
function mutateValue(v: unknown, d: Dice, depth = 0): unknown {
  if (Array.isArray(v)) {
    if (v.length && d.chance(0.6)) {
      const i = d.int(v.length);
      v[i] = mutateValue(v[i], d, depth + 1);
      return v;
    }
    const op = d.int(4);
    if (op === 0 && v.length) v.splice(d.int(v.length), 1);
    else if (op === 1 && v.length) v.push(structuredClone(v[d.int(v.length)]));
    else if (op === 2) v.reverse();
    else v.push(d.pick(WEIRD));
    return v;
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length && d.chance(0.55) && depth < 6) {
      const k = d.pick(keys);
      o[k] = mutateValue(o[k], d, depth + 1);
      return o;
    }
    const op = d.int(5);
    if (op === 0 && keys.length) delete o[d.pick(keys)];
    else if (op === 1) o[d.pick(["enc", "extra", "__proto__", "t", "ext", "more"])] = d.pick(WEIRD);
    else if (op === 2) o.t = d.pick(FRAME_TYPES);
    else if (op === 3 && keys.length) o[d.pick(keys)] = d.pick(WEIRD);
    else o[d.pick(keys.length ? keys : ["x"])] = d.pick(WEIRD);
    return o;
  }
  return d.pick(WEIRD);
}

function mutateLine(line: string, d: Dice): string | null {
  const op = d.int(10);
  if (op === 0) return null; // dropped
  if (op === 1) return line.slice(0, d.int(line.length + 1)); // truncated
  if (op === 2) return line + d.pick(["}", "]", "x", " ", "\u0000", "\\", '"']);
  if (op === 3) return d.pick(["", "{}", "[]", "null", '{"t":"PEERS"}', "\u00ff\u00fe", "A".repeat(40)]);
  if (line.startsWith("{")) {
    try {
      return JSON.stringify(mutateValue(JSON.parse(line), d));
    } catch {
      return line;
    }
  }
  // an encrypted frame: flip one base64 character
  const i = d.int(line.length);
  return line.slice(0, i) + (line[i] === "A" ? "B" : "A") + line.slice(i + 1);
}

/** MAC-valid control events with arbitrary content, as an insider could write them. */
function insiderEvents(secretHex: string, author: string, n: number, d: Dice): ChatMessage[] {
  const base = makeMessages(secretHex, author, n, { channel: "__control", tag: `ins${d.int(1e9)}` });
  return base.map((m) => {
    const ev: Record<string, unknown> = {
      t: d.pick(["CHANNEL_EVT", "CIRCLE_NAME_EVT", "ANCHOR_ANNOUNCE", "CALL_EVT", "NOPE"]),
      op: d.pick(["create", "join", "request", "approve", "leave", "rename", "end", "invite", "signal.offer", "x"]),
      circle_id: d.chance(0.7) ? m.circleId : d.pick(WEIRD),
      channel_id: d.pick(["room", "Room ", "__x", "", "a".repeat(40), "général", "general", "x y", 7]),
      node_id: d.pick(["n".repeat(24), "", "a|b", "z".repeat(500), 5]),
      display_name: d.pick(["Mallory", "", "m".repeat(500), " ", null]),
      name: d.pick(["Circle", "c".repeat(300), "", 3]),
      session_id: d.pick(["s1", "", "s".repeat(100)]),
      host_node_id: d.pick(["h".repeat(24), ""]),
      actor_node_id: d.pick(["a".repeat(24), "", 1]),
      access_mode: d.pick(["public", "key", "invite", "root", null]),
      key_hash: d.pick(["", "k".repeat(64)]),
      created_ts: d.pick([NOW, -1, 1.5, "now", 1e20]),
      capabilities: d.pick([{ can_anchor: true }, "x", null, { a: "b" }]),
      announced_at: d.pick([NOW, "x", -5]),
    };
    for (const k of Object.keys(ev)) if (d.chance(0.3)) delete ev[k];
    const text = d.chance(0.1) ? d.pick(["not json", "[]", "null", '{"t":1}']) : JSON.stringify(ev);
    const x = { ...m, text };
    return { ...x, mac: computeMac(fromHex(secretHex), x) };
  });
}

function checkStore(s: Side, cid: string, secretHex: string, originals: Map<string, ChatMessage>): void {
  const key = fromHex(secretHex);
  const rows = s.store.getMessages(cid, s.store.offerIds(cid, {}));
  expect(rows.length).toBe(s.store.countMessages());
  for (const r of rows) {
    const o = originals.get(r.msgId);
    expect(o).toBeDefined();
    expect([r.msgId, r.text, r.createdTs, r.authorNodeId, r.channelId, r.displayName]).toEqual([
      o!.msgId,
      o!.text,
      o!.createdTs,
      o!.authorNodeId,
      o!.channelId,
      o!.displayName,
    ]);
    expect(verifyMac(key, r)).toBe(true);
  }
  for (const c of s.store.listChannels(cid)) expect(isValidChannelId(c.channelId)).toBe(true);
  const names = s.store.sql.query("SELECT name FROM display_names").all() as { name: string }[];
  for (const n of names) expect(n.name.length).toBeLessThanOrEqual(DISPLAY_NAME_MAX);
  expect(s.store.getCircle(cid)!.name.length).toBeLessThanOrEqual(CIRCLE_NAME_MAX);
  expect(s.store.getPeer(cid, s.nodeId)).toBeUndefined();
}

function runCase(seed: number): void {
  const d = dice(seededRng(seed));
  const encrypt = d.chance(0.3);
  const a = makeSide("a", { encrypt, ext: d.chance(0.7) });
  const b = makeSide("b", { encrypt, ext: d.chance(0.7) });
  const secret = secretFor(7000 + (seed % 5));
  const cid = addCircle(a.store, secret);
  addCircle(b.store, secret);
  const mine = makeMessages(secret, a.nodeId, 1 + d.int(12), { tag: `a${seed}` });
  const theirs = makeMessages(secret, b.nodeId, d.int(12), { tag: `b${seed}` });
  const insider = insiderEvents(secret, a.nodeId, d.int(6), d);
  insertAll(a.store, [...mine, ...insider]);
  insertAll(b.store, theirs);
  const originals = new Map([...mine, ...theirs, ...insider].map((m) => [m.msgId, m]));
  const rate = d.pick([0, 0.05, 0.2, 0.5]);
  // a few exchanges in random roles, each with its own mutations
  for (let round = 0; round < 3; round++) {
    const [c, s] = d.chance(0.5) ? [a, b] : [b, a];
    runExchange(c, s, cid, { tamper: (w) => (d.chance(rate) ? mutateLine(w.line, d) : w.line) });
  }
  checkStore(a, cid, secret, originals);
  checkStore(b, cid, secret, originals);
  // without interference the two converge afterwards, at the latest once what they believe
  // about each other (possibly wrong after a broken exchange) has expired
  for (const s of [a, b]) s.advance(31 * 60);
  for (let round = 0; round < 4; round++) runExchange(round % 2 ? a : b, round % 2 ? b : a, cid);
  expect(new Set(b.store.offerIds(cid, {}))).toEqual(new Set(a.store.offerIds(cid, {})));
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe("seeded fuzzing of the v1 exchange", () => {
  test.each((regressions as { seed: number; note: string }[]).map((r) => [r.seed, r.note] as const))(
    "regression seed %d (%s)",
    (seed) => runCase(seed),
  );

  test(
    `${CASES} random cases`,
    () => {
      const base = Number(process.env.FUZZ_SEED ?? process.env.FELUND_FUZZ_SEED ?? 20260101);
      for (let i = 0; i < CASES; i++) {
        const seed = base + i;
        try {
          runCase(seed);
        } catch (e) {
          throw new Error(
            `fuzz case failed: seed ${seed} (add it to tests/sync/fuzz-regressions.json)\n${(e as Error).stack}`,
          );
        }
      }
    },
    Math.max(60_000, CASES * 200),
  );
});
