// Unit tests of the v2 engine's and handshake's refusals not covered by the vector files or
// the attacker suite: malformed offers and handshake lines, unknown circles and epochs,
// self-connections, clock skew on the session path, channel passphrases, and a seeded fuzz of
// every decoder (bad input must end in a ProtocolError, never another exception).
import { describe, expect, test } from "bun:test";
import { fromBase64, toBase64 } from "../../src/protocol/bytes.ts";
import { ProtocolError } from "../../src/protocol/verdict.ts";
import { decodeEvent } from "../../src/protocol/v2/control.ts";
import { decodeFrame, encodeFrame } from "../../src/protocol/v2/frames.ts";
import { parseHsFrame, parseOffer } from "../../src/protocol/v2/handshake.ts";
import { decodeInvite2 } from "../../src/protocol/v2/invite.ts";
import { decodeMessage, KIND_TEXT, signMessage } from "../../src/protocol/v2/message.ts";
import { decodeSealedBody } from "../../src/protocol/v2/channel-keys.ts";
import type { FrameSealer } from "../../src/protocol/v2/session.ts";
import { acceptSigned } from "../../src/sync/v2-apply.ts";
import { createChannel, unlockKeyChannel } from "../../src/sync/v2-admin.ts";
import { V2Exchange } from "../../src/sync/v2-exchange.ts";
import { connect, joinCircle, makeNode, post, seededRng, texts } from "./helpers.ts";
import { loadV2 } from "./vector-inputs.ts";

describe("offer and handshake parsing", () => {
  const good = { v: [1], n: "11".repeat(32), e: "22".repeat(32), ep: 0 };
  test.each([
    ["not an object", 5, "v2 offer must be an object"],
    ["no versions", { ...good, v: [] }, "v2 offer versions must be a list of small integers"],
    ["short nonce", { ...good, n: "11" }, "v2 nonce must be 64 hex"],
    ["bad ephemeral", { ...good, e: "zz".repeat(32) }, "v2 ephemeral key must be 64 hex"],
    ["negative epoch", { ...good, ep: -1 }, "v2 epoch must be a u32"],
    ["bad invite id", { ...good, join: "00" }, "v2 invite id must be 32 hex"],
  ])("offer: %s", (_, v, reason) => {
    expect(() => parseOffer(v)).toThrow(reason as string);
  });
  test("absent offer is undefined; V2_HS must have its fields", () => {
    expect(parseOffer(undefined)).toBeUndefined();
    expect(() => parseHsFrame({ t: "V2_HS", n: "11".repeat(32), e: "22".repeat(32), ep: 0, box: "***" })).toThrow(
      "V2_HS box must be base64",
    );
    expect(() => parseHsFrame({ t: "CHALLENGE" })).toThrow("expected V2_HS");
  });
});

describe("engine refusals", () => {
  test("a HELLO for a circle the server does not hold, or a malformed offer, gets the v1-looking error", () => {
    const a = makeNode("a");
    const b = makeNode("b");
    const cid = joinCircle(a, a);
    const conn = connect(a, b, cid);
    expect(conn.closed.client?.reason).toBe("peer error: Unknown circle_id");
    const s = V2Exchange.server(b.deps, "127.0.0.1");
    const step = s.receive(
      JSON.stringify({ t: "HELLO", node_id: "a1b2c3d4e5f60718293a4b5c", circle_id: cid, v2: { v: [1] } }),
    );
    expect(step.close?.error).toBe(true);
    expect(step.send).toEqual([JSON.stringify({ t: "ERROR", err: "Bad frame" })]);
  });

  test("garbage instead of V2_AUTH, and too many handshake lines, close the connection", () => {
    const a = makeNode("a");
    const b = makeNode("b");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    const conn = connect(a, b, cid, {
      tamper: (w) => (w.from === "client" && w.line.includes("V2_AUTH") ? '{"t":"V2_AUTH","box":"AAAA"}' : w.line),
    });
    expect(conn.server.abortReason).toContain("auth failed");
    const s = V2Exchange.server(b.deps, "127.0.0.1");
    expect(s.receive("not json").close?.error).toBe(true);
  });

  test("a node never completes a session with itself", () => {
    const a = makeNode("a");
    const cid = joinCircle(a, a);
    const conn = connect(a, a, cid);
    expect(conn.closed.server?.reason ?? conn.closed.client?.reason).toMatch(/myself/);
  });

  test("a peer at a higher epoch cannot make us use a key we lack: the lower epoch is chosen", () => {
    const a = makeNode("a");
    const b = makeNode("b");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    a.store.putEpochKey(cid, 3, "33".repeat(32), a.clock.now);
    a.store.setCircleEpoch(cid, 3);
    const conn = connect(a, b, cid);
    expect(conn.closed).toEqual({});
    expect(conn.client.result.epoch).toBe(0);
  });

  test("clock skew: a message 301 s ahead is refused on the session path, accepted once time has come", () => {
    const a = makeNode("a");
    const b = makeNode("b");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    a.clock.now += 301;
    post(a, cid, "from the future");
    a.clock.now -= 301;
    const c1 = connect(a, b, cid);
    expect(c1.server.result.rejected.map((r) => r.reason)).toContain("created_ts too far in the future");
    expect(texts(b, cid)).toEqual([]);
    b.clock.now += 2;
    connect(a, b, cid);
    expect(texts(b, cid)).toEqual(["from the future"]);
  });

  test("an unknown or empty frame in session closes; the session's own frames decode", () => {
    expect(() => decodeFrame(new Uint8Array([]))).toThrow(ProtocolError);
    expect(() => decodeFrame(encodeFrame({ t: "close", reason: "x" }).slice(0, 3))).toThrow("frame: truncated");
    const a = makeNode("a");
    const b = makeNode("b");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    const conn = connect(a, b, cid);
    const sealer = (conn.client as any).sealer as FrameSealer;
    conn.feed("client", { send: [sealer.seal(new Uint8Array([0x42]))] });
    conn.pump();
    expect(conn.server.abortReason).toBe("frame: unknown type 66");
  });
});

describe("key channels", () => {
  test("a wrong passphrase is refused; the right one opens the backlog", () => {
    const a = makeNode("a");
    const b = makeNode("b");
    const cid = joinCircle(a, a);
    joinCircle(b, a);
    const w = (n: typeof a) => ({ displayName: n.name, now: n.clock.now, rng: n.deps.rng });
    expect(
      createChannel(a.ctx(), cid, "vault", "key", { ...w(a), passphrase: "correct horse", scryptLogN: 14 }).ok,
    ).toBe(true);
    post(a, cid, "in the vault", "vault");
    connect(a, b, cid);
    expect(b.store.recentMessages(cid, 10).find((m) => m.channelId === "vault")?.text).toBe("");
    expect(unlockKeyChannel(b.ctx(), cid, "vault", "wrong horse", w(b))).toMatchObject({
      ok: false,
      reason: "wrong passphrase",
    });
    expect(unlockKeyChannel(b.ctx(), cid, "vault", "correct horse", w(b)).ok).toBe(true);
    expect(texts(b, cid)).toContain("in the vault");
  });

  test("a message in another circle or re-signed with another circle id is refused", () => {
    const a = makeNode("a");
    const cid = joinCircle(a, a);
    const other = signMessage(a.keys.edSecret, {
      circleId: "0123456789abcdef01234567",
      channelId: "general",
      authorKey: a.keys.edPublic,
      createdTs: a.clock.now,
      keyEpoch: 0,
      kind: KIND_TEXT,
      displayName: "a",
      body: new Uint8Array([104]),
      salt: new Uint8Array(16),
    });
    expect(acceptSigned(a.ctx(), a.store.getCircle(cid)!, other.wire, "v2")).toMatchObject({
      ok: false,
      reason: "message of another circle",
    });
  });
});

describe("seeded fuzz of the v2 decoders", () => {
  const msg = loadV2("v2-message").valid[0].expect.wire_hex as string;
  const seeds: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ["message", Uint8Array.from(msg.match(/../g)!.map((x) => parseInt(x, 16))), decodeMessage],
    [
      "frame",
      encodeFrame({ t: "peers", peers: [{ nodeId: "a1b2c3d4e5f60718293a4b5c", addr: "127.0.0.1:1", lastSeen: 5 }] }),
      decodeFrame,
    ],
    [
      "event",
      Uint8Array.from((loadV2("v2-control").valid[9].encoded_hex as string).match(/../g)!.map((x) => parseInt(x, 16))),
      decodeEvent,
    ],
    [
      "sealed body",
      Uint8Array.from(
        (loadV2("v2-channel-keys").valid[0].expect.sealed_body_hex as string).match(/../g)!.map((x) => parseInt(x, 16)),
      ),
      decodeSealedBody,
    ],
  ];
  for (const [name, base, decode] of seeds)
    test(`${name}: 2,000 mutations end in ProtocolError or a value`, () => {
      const rng = seededRng(20261128);
      for (let i = 0; i < 2000; i++) {
        const b = base.slice(0, Math.max(0, base.length - (rng(1)[0]! % 4 === 0 ? rng(1)[0]! % 32 : 0)));
        const flips = 1 + (rng(1)[0]! % 4);
        for (let f = 0; f < flips && b.length; f++) b[(rng(2)[0]! * 256 + rng(1)[0]!) % b.length] = rng(1)[0]!;
        try {
          decode(b);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw new Error(`${name} mutation ${i}: ${(e as Error).stack}`);
        }
      }
    });
  test("invite codes: 2,000 mutations give verdicts, never exceptions", () => {
    const code = loadV2("v2-invite").valid[0].expect.code as string;
    const rng = seededRng(7);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=";
    for (let i = 0; i < 2000; i++) {
      const chars = code.split("");
      const at = 8 + ((rng(1)[0]! * 7 + rng(1)[0]!) % (chars.length - 8));
      chars[at] = alphabet[rng(1)[0]! % alphabet.length]!;
      const v = decodeInvite2(chars.join(""), 1_800_000_000);
      expect(typeof v.ok).toBe("boolean");
    }
  });
  test("envelope blobs: truncations never throw", () => {
    const env = loadV2("v2-envelope").valid[0].expect.envelope;
    const blob = fromBase64(env.v2);
    const { openEnvelopeV2 } = require("../../src/protocol/v2/envelope.ts");
    for (let n = 0; n < blob.length; n += 3) {
      const v = openEnvelopeV2(
        { ...env, v2: toBase64(blob.slice(0, n)) },
        { secret: new Uint8Array(32), circleId: "630dcd2966c4336691125448", keyOf: () => new Uint8Array(32) },
      );
      expect(v.ok).toBe(false);
    }
  });
});
