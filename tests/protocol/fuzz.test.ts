// Seeded fuzzing of every decoder that sees a peer's bytes. Valid vectors are mutated (byte
// flips, insertions, truncation, type swaps, removed and added keys) and each decoder must
// either refuse with its typed outcome (Reject verdict, ProtocolError, null) or return what
// an independent check allows: a MAC'd message only with its covered fields unchanged, an
// envelope only with its sealed fields unchanged, a frame only with its original plaintext,
// an invite only as a simple reference decoder reads it. Seeds, case counts and saved
// regressions (tests/fuzz/regressions/v1.json) as in tests/fuzz/seeded.ts.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  ProtocolError,
  decodeInvite,
  decryptFrameLine,
  fromBase64,
  isChannelIdOrControl,
  isNodeId,
  isValidChannelId,
  macInput,
  messageKey,
  openEnvelope,
  parseChallenge,
  parseControlEvent,
  parseHello,
  parseHelloAuth,
  parseJsonFrame,
  parseMsgsHave,
  parseMsgsReq,
  parseMsgsSend,
  parsePeers,
  parseWelcome,
  parseWireMessage,
  toBase64,
  toBase64Url,
  utf8,
  verifyMac,
} from "../../src/protocol/index.ts";
import { coveredFields, hex, loadVectors, type Json } from "./vectors.ts";
import { FUZZ_CASES, fuzz, mutant, mutateString, type Prng } from "../fuzz/seeded.ts";

/** The fixed seed; the per-run seed and FUZZ_SEED replay come from tests/fuzz/seeded.ts. */
const SEED = 0x6fe1d;
const vMsg = loadVectors("v1-message");
const vEnv = loadVectors("v1-envelope");
const vInv = loadVectors("v1-invite");
const vHs = loadVectors("v1-handshake");
const vFr = loadVectors("v1-frames");
const vCtl = loadVectors("v1-control");
const secret = hex(vMsg.secret_hex);
const msgKey = messageKey(secret);
const sessKey = hex(vHs.session_key.session_key);

setDefaultTimeout(120_000);

describe("fuzz of the v1 decoders", () => {
  test("wire messages: only verifying copies with unchanged covered fields get through", async () => {
    const bases = [...vMsg.valid.map((c: Json) => c.message), ...vCtl.messages.map((c: Json) => c.message)];
    let parsed = 0;
    let verified = 0;
    const failures = await fuzz(
      "v1",
      "wire-message",
      SEED + 1,
      (r) => mutant(r, r.pick(bases)),
      (m) => {
        const res = parseWireMessage(m);
        if (!res.ok) return res.kind === "reject" ? null : "verdict is not a reject";
        const p = res.value;
        parsed++;
        if (!isNodeId(p.authorNodeId) || !isChannelIdOrControl(p.channelId) || !Number.isSafeInteger(p.createdTs))
          return "accepted a mistyped field";
        if (!verifyMac(secret, p)) return null;
        verified++;
        const same = bases.some(
          (b: Json) =>
            b.mac === p.mac &&
            macInput(p) ===
              b.msg_id +
                "|" +
                b.circle_id +
                "|" +
                b.channel_id +
                "|" +
                b.author_node_id +
                "|" +
                b.display_name +
                "|" +
                b.created_ts +
                "|" +
                b.text,
        );
        return same ? null : "a changed message verified";
      },
    );
    expect(failures).toBe("");
    // The mutants must reach the MAC check, and some (schema_version, no-op edits) still verify.
    expect(parsed).toBeGreaterThan(FUZZ_CASES / 20);
    expect(verified).toBeGreaterThan(FUZZ_CASES / 400);
  });

  test("envelopes: open only to the sealed fields", async () => {
    const bases = [
      ...vEnv.open_valid.map((c: Json) => c),
      ...vEnv.seal.map((c: Json) => ({ envelope: c.envelope, expected: c.message })),
    ];
    const circle = vEnv.circle_id;
    let opened = 0;
    const failures = await fuzz(
      "v1",
      "envelope",
      SEED + 2,
      (r) => mutant(r, r.pick(bases).envelope),
      (e) => {
        const res = openEnvelope(msgKey, secret, circle, e);
        if (!res.ok) return res.kind === "reject" ? null : "verdict is not a reject";
        opened++;
        const got = JSON.stringify(coveredFields(res.value));
        return bases.some((b: Json) => JSON.stringify(b.expected) === got) ? null : `opened to other content: ${got}`;
      },
    );
    expect(failures).toBe("");
    expect(opened).toBeGreaterThan(FUZZ_CASES / 400);
  });

  test("invite codes: decodeInvite agrees with a simple reference decoder", async () => {
    const codes: string[] = vInv.decode_valid.map((c: Json) => c.code);
    const gen = (r: Prng): string => {
      const code = r.pick(codes);
      if (r.int(2) === 0) return mutateString(r, code);
      const payload = JSON.parse(Buffer.from(code.trim().slice(8).replace(/=+$/, ""), "base64url").toString("utf8"));
      return "felund1." + toBase64Url(utf8(JSON.stringify(mutant(r, payload))));
    };
    const failures = await fuzz("v1", "invite1", SEED + 3, gen, (code) => {
      const got = decodeInvite(code);
      const want = referenceDecodeInvite(code);
      const gotV = got.ok ? got.value : null;
      if (!got.ok && got.kind !== "reject") return "verdict is not a reject";
      return JSON.stringify(gotV) === JSON.stringify(want)
        ? null
        : `decodeInvite ${JSON.stringify(gotV)} != reference ${JSON.stringify(want)}`;
    });
    expect(failures).toBe("");
  });

  test("encrypted frames: ProtocolError or the original plaintext", async () => {
    const frames: Json[] = vHs.frames;
    const gen = (r: Prng): { line: string; pt: string } => {
      const f = r.pick(frames);
      if (r.int(2) === 0) return { line: mutateString(r, f.line), pt: f.plaintext };
      const raw = fromBase64(f.line);
      const op = r.int(3);
      if (op === 0) raw[r.int(raw.length)]! ^= 1 << r.int(8);
      const bytes =
        op === 1
          ? raw.subarray(0, r.int(raw.length))
          : op === 2
            ? Uint8Array.from({ length: r.int(80) }, () => r.int(256))
            : raw;
      return { line: toBase64(bytes), pt: f.plaintext };
    };
    const failures = await fuzz("v1", "encrypted-frame", SEED + 4, gen, ({ line, pt }) => {
      try {
        return decryptFrameLine(sessKey, line) === pt ? null : "decrypted to another plaintext";
      } catch (e) {
        return e instanceof ProtocolError ? null : `threw ${(e as Error).name}`;
      }
    });
    expect(failures).toBe("");
  });

  test("plaintext frames: parsers throw nothing but ProtocolError", async () => {
    const parsers = [
      parseHello,
      parseChallenge,
      parseHelloAuth,
      parseWelcome,
      parsePeers,
      parseMsgsHave,
      parseMsgsReq,
      parseMsgsSend,
    ];
    const bases = vFr.cases.map((c: Json) => c.frame);
    const gen = (r: Prng): string => {
      const line = JSON.stringify(mutant(r, r.pick(bases)));
      return r.int(5) === 0 ? mutateString(r, line) : line;
    };
    const failures = await fuzz("v1", "plaintext-frame", SEED + 5, gen, (line) => {
      let f: Record<string, unknown>;
      try {
        f = parseJsonFrame(line);
      } catch (e) {
        return e instanceof ProtocolError ? null : `parseJsonFrame threw ${(e as Error).name}`;
      }
      for (const parse of parsers) {
        try {
          const out = parse(f) as Json;
          if (
            out.t === "HELLO" &&
            (!isNodeId(out.node_id) || (out.nonce !== undefined && !/^[0-9a-fA-F]{32}$/.test(out.nonce)))
          )
            return "HELLO with a bad node_id or nonce accepted";
          if (
            out.t === "PEERS" &&
            !out.peers.every((p: Json) => isNodeId(p.node_id) && typeof p.addr === "string" && p.last_seen >= 0)
          )
            return "bad PEERS entry kept";
          if (
            (out.t === "MSGS_HAVE" || out.t === "MSGS_REQ") &&
            !out.msg_ids.every((id: string) => /^[0-9a-f]{32}$/.test(id))
          )
            return "bad msg id kept";
          if ("circle_id" in out && typeof out.circle_id !== "string") return "circle_id is not a string";
        } catch (e) {
          if (!(e instanceof ProtocolError)) return `${parse.name} threw ${(e as Error).name}: ${(e as Error).message}`;
        }
      }
      return null;
    });
    expect(failures).toBe("");
  });

  test("control events: parseControlEvent never throws and keeps channel ids valid", async () => {
    const texts: string[] = [...vCtl.build.map((c: Json) => c.text), ...vCtl.parse.map((c: Json) => c.text)];
    const gen = (r: Prng): string => {
      const t = r.pick(texts);
      return r.int(3) === 0 ? mutateString(r, t) : JSON.stringify(mutant(r, JSON.parse(t)));
    };
    const failures = await fuzz("v1", "control", SEED + 6, gen, (text) => {
      const ev = parseControlEvent(text);
      if (ev?.t === "CHANNEL_EVT" && ev.op !== "rename" && !isValidChannelId(ev.channelId))
        return "invalid channel id accepted";
      if (ev?.t === "CALL_EVT" && !ev.sessionId) return "CALL_EVT without session id accepted";
      return null;
    });
    expect(failures).toBe("");
  });
});

/**
 * Reference invite decoder written straight from PROTOCOL-V1.md §2.3 plus felund's documented
 * strictness (no junk characters, plain even-length hex, ports 1-65535), on Node's Buffer.
 */
function referenceDecodeInvite(code: string): { secretHex: string; peer: string } | null {
  // whitespace anywhere is dropped (a pasted code wrapped over lines)
  const t = code.replace(/\s+/g, "");
  if (!t.startsWith("felund1.")) return null;
  let b = t.slice("felund1.".length);
  while (b.endsWith("=")) b = b.slice(0, -1);
  if (!/^[A-Za-z0-9_-]*$/.test(b) || b.length % 4 === 1) return null;
  let p: Json;
  try {
    p = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(b, "base64url")));
  } catch {
    return null;
  }
  if (typeof p !== "object" || p === null || Array.isArray(p)) return null;
  if (p.v !== 1 && p.v !== true) return null;
  const asText = (x: unknown) =>
    x === undefined || x === null ? "" : typeof x === "string" ? x : typeof x === "number" ? `${x}` : null;
  const s = asText(p.secret);
  const peerText = asText(p.peer);
  if (s === null || peerText === null) return null;
  const secretHex = s.trim().toLowerCase();
  if (!/^([0-9a-f]{2})+$/.test(secretHex)) return null;
  const peer = peerText.trim();
  if (peer === "" || /^(https?:)?\/\//.test(peer)) return { secretHex, peer };
  const i = peer.lastIndexOf(":");
  let host = peer.slice(0, i).trim();
  const port = peer.slice(i + 1).trim();
  if (i < 0 || !/^[0-9]{1,5}$/.test(port) || +port < 1 || +port > 65535) return null;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return host && !/\s/.test(host) ? { secretHex, peer } : null;
}
