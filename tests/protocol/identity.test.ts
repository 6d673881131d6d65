// Identifiers (PROTOCOL-V1.md §1, §4.2): circle_id, circle_hint, node_id and msg_id.
import { describe, expect, test } from "bun:test";
import {
  circleHint,
  circleIdFromSecret,
  isNodeId,
  msgIdFor,
  newMsgId,
  newNodeId,
  newSecretHex,
  nodeIdFromSeed,
  type Rng,
} from "../../src/protocol/index.ts";
import { hex, loadVectors, type Json } from "./vectors.ts";

const v = loadVectors("v1-identity");

describe("circle_id and circle_hint", () => {
  for (const c of v.circles as Json[]) {
    test(c.name, () => {
      expect(circleIdFromSecret(c.secret_hex)).toBe(c.circle_id);
      expect(circleHint(c.circle_id)).toBe(c.circle_hint);
    });
  }
});

describe("node_id", () => {
  for (const c of v.node_ids as Json[]) {
    test(c.name, () => {
      expect(nodeIdFromSeed(hex(c.seed_hex))).toBe(c.node_id);
      expect(isNodeId(c.node_id)).toBe(true);
    });
  }
  test("newNodeId hashes 32 bytes of the injected randomness", () => {
    const rng: Rng = (n) => new Uint8Array(n).fill(0x20);
    expect(newNodeId(rng)).toBe((v.node_ids as Json[])[0].node_id);
  });
});

describe("msg_id", () => {
  for (const c of v.msg_ids as Json[]) {
    test(c.name, () => expect(msgIdFor(c.author_node_id, c.created_ts, c.random_hex)).toBe(c.msg_id));
  }
  test("newMsgId uses 8 random bytes as 16 hex chars", () => {
    const ref = (v.msg_ids as Json[])[0];
    const rng: Rng = (n) => hex(ref.random_hex).subarray(0, n);
    expect(newMsgId(ref.author_node_id, ref.created_ts, rng)).toBe(ref.msg_id);
  });
});

test("newSecretHex is 32 random bytes as hex", () => {
  expect(newSecretHex((n) => new Uint8Array(n).fill(0xab))).toBe("ab".repeat(32));
});
