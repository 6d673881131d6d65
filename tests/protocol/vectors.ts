// Loads the JSON vector files of tests/vectors and turns their snake_case message objects
// into the protocol core's types. Shared by the tests in this folder.
import { readFileSync } from "node:fs";
import { expect } from "bun:test";
import { ProtocolError, type ChatMessage } from "../../src/protocol/index.ts";

// Vector files are untyped JSON; each test reads the fields its file documents.
export type Json = any;

export function loadVectors(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), "utf8"));
}

/** The cases of list `kind`, followed by the file's regression cases of the same kind. */
export const withRegressions = (v: Json, kind: string): Json[] => [
  ...(v[kind] ?? []),
  ...(v.regressions ?? []).filter((r: Json) => r.kind === kind),
];

/** A vector's wire object (all fields present) as a ChatMessage. */
export const chatFromWire = (w: Json): ChatMessage => ({
  msgId: w.msg_id,
  circleId: w.circle_id,
  channelId: w.channel_id,
  authorNodeId: w.author_node_id,
  displayName: w.display_name,
  createdTs: w.created_ts,
  text: w.text,
  mac: w.mac === undefined || w.mac === "" ? null : w.mac,
});

/** The seven fields of a message that its MAC or envelope covers, in snake_case. */
export const coveredFields = (m: ChatMessage) => ({
  msg_id: m.msgId,
  circle_id: m.circleId,
  channel_id: m.channelId,
  author_node_id: m.authorNodeId,
  created_ts: m.createdTs,
  display_name: m.displayName,
  text: m.text,
});

export function expectProtocolError(fn: () => unknown, message?: string | null): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ProtocolError);
  if (message) expect((thrown as Error).message).toBe(message);
}

export const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
