// Control events in the __control channel (PROTOCOL-V1.md §5): builder texts byte-exact with the
// originals, their MAC as a message, and what parseControlEvent accepts and ignores.
import { describe, expect, test } from "bun:test";
import {
  CONTROL_CHANNEL,
  anchorAnnounceText,
  callEventText,
  channelApproveText,
  channelCreateText,
  channelKeyHash,
  channelMemberText,
  circleNameText,
  computeMac,
  jsonPython,
  macInput,
  parseControlEvent,
  parseWireMessage,
  renameText,
  verifyMac,
} from "../../src/protocol/index.ts";
import { chatFromWire, hex, loadVectors, withRegressions, type Json } from "./vectors.ts";

const v = loadVectors("v1-control");
const secret = hex(v.secret_hex);

const builders: Record<string, (a: Json) => string> = {
  channelCreateText,
  channelMemberText: (a) => channelMemberText(a.op, a),
  channelApproveText,
  renameText,
  circleNameText: (a) => circleNameText(a.circleId, a.name),
  anchorAnnounceText: (a) => anchorAnnounceText(a.nodeId, a.announcedAt, a.caps),
  callEventText: (a) => callEventText(a.op, a),
};

describe("channel key_hash", () => {
  for (const c of v.key_hash as Json[]) {
    test(c.input, () => expect(channelKeyHash(c.circle_id, c.channel_id, c.key)).toBe(c.key_hash));
  }
});

describe("builders emit the originals' text", () => {
  for (const c of withRegressions(v, "build")) {
    test(c.name, () => {
      expect(builders[c.builder]).toBeDefined();
      expect(builders[c.builder]!(c.args)).toBe(c.text);
      expect(JSON.parse(c.text)).toEqual(c.event);
      if (c.builder !== "callEventText") expect(jsonPython(c.event)).toBe(c.text);
    });
  }
});

describe("control messages", () => {
  for (const c of withRegressions(v, "messages")) {
    test(c.name, () => {
      const r = parseWireMessage(c.message);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.channelId).toBe(CONTROL_CHANNEL);
      expect(macInput(r.value)).toBe(c.mac_input);
      expect(computeMac(secret, chatFromWire(c.message))).toBe(c.mac);
      expect(verifyMac(secret, r.value)).toBe(true);
      expect(parseControlEvent(r.value.text)).not.toBeNull();
    });
  }
});

describe("parseControlEvent", () => {
  for (const c of withRegressions(v, "parse")) {
    test(c.name, () => expect(parseControlEvent(c.text)).toEqual(c.expected));
  }
  for (const c of withRegressions(v, "parse_ignored")) {
    test(`ignores ${c.name}`, () => expect(parseControlEvent(c.text)).toBeNull());
  }
  test("every builder's text parses back", () => {
    for (const c of v.build as Json[]) expect(parseControlEvent(c.text)?.t).toBe(c.event.t);
  });
});
