// Plaintext v1 frames (PROTOCOL-V1.md §3.2, §3.4): JSON line parsing, per-type parsers and the
// bounds felund puts on array sizes.
import { describe, expect, test } from "bun:test";
import {
  IDS_FRAME_MAX,
  MSGS_FRAME_MAX,
  PEERS_FRAME_MAX,
  parseChallenge,
  parseHello,
  parseHelloAuth,
  parseJsonFrame,
  parseMsgsHave,
  parseMsgsReq,
  parseMsgsSend,
  parsePeers,
  parseWelcome,
} from "../../src/protocol/index.ts";
import { expectProtocolError, loadVectors, withRegressions, type Json } from "./vectors.ts";

const v = loadVectors("v1-frames");
const parsers: Record<string, (f: Record<string, unknown>) => unknown> = {
  parseHello,
  parseChallenge,
  parseHelloAuth,
  parseWelcome,
  parsePeers,
  parseMsgsHave,
  parseMsgsReq,
  parseMsgsSend,
};

describe("parseJsonFrame", () => {
  for (const c of v.json_lines_valid as Json[]) {
    test(`accepts ${c.line}`, () => expect(parseJsonFrame(c.line)).toEqual(c.expected));
  }
  for (const c of v.json_lines_invalid as Json[]) {
    test(`rejects ${c.name}`, () => expectProtocolError(() => parseJsonFrame(c.line)));
  }
});

describe("frame parsers", () => {
  for (const c of withRegressions(v, "cases")) {
    const parse = parsers[c.parser];
    test(`${c.parser}: ${c.name}`, () => {
      expect(parse).toBeDefined();
      if ("error" in c) {
        expectProtocolError(() => parse!(c.frame), c.error);
        return;
      }
      const out = parse!(c.frame) as Record<string, unknown>;
      expect(out).toMatchObject(c.expected);
      for (const k of c.absent ?? []) expect(out[k]).toBeUndefined();
    });
  }
});

describe("array bounds", () => {
  const id = "2546b8cd83872e3cb9825e4ca0d6f867";
  test(`MSGS_HAVE / MSGS_REQ with ${IDS_FRAME_MAX} ids pass, one more throws`, () => {
    const ids = new Array(IDS_FRAME_MAX).fill(id);
    expect(parseMsgsHave({ t: "MSGS_HAVE", msg_ids: ids }).msg_ids.length).toBe(IDS_FRAME_MAX);
    expectProtocolError(() => parseMsgsHave({ t: "MSGS_HAVE", msg_ids: [...ids, id] }));
    expectProtocolError(() => parseMsgsReq({ t: "MSGS_REQ", msg_ids: [...ids, id] }));
  });
  test(`MSGS_SEND with ${MSGS_FRAME_MAX} messages passes, one more throws`, () => {
    const msgs = new Array(MSGS_FRAME_MAX).fill({});
    expect(parseMsgsSend({ t: "MSGS_SEND", messages: msgs }).messages.length).toBe(MSGS_FRAME_MAX);
    expectProtocolError(() => parseMsgsSend({ t: "MSGS_SEND", messages: [...msgs, {}] }));
  });
  test(`PEERS keeps only the first ${PEERS_FRAME_MAX} entries`, () => {
    const peers = Array.from({ length: PEERS_FRAME_MAX + 50 }, (_, i) => ({
      node_id: `node${String(i).padStart(8, "0")}`,
      addr: `10.0.0.1:${i + 1}`,
      last_seen: i,
    }));
    const out = parsePeers({ t: "PEERS", peers });
    expect(out.peers.length).toBe(PEERS_FRAME_MAX);
    expect(out.peers.at(-1)!.addr).toBe(`10.0.0.1:${PEERS_FRAME_MAX}`);
  });
});
