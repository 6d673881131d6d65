// Merging messages a peer sent: type checks (W6), circle check, MAC, first copy wins,
// timestamps clamped for ordering (W14), display names and control events applied. A newer
// original's schema-2 object must also say in its `enc` what its MAC'd fields say, and is kept
// as received (message-schema2.ts).
import { asciiEscape } from "../protocol/json-python.ts";
import { CONTROL_CHANNEL, verifyMac, type ChatMessage } from "../protocol/message.ts";
import { checkEnc, parseWireObject } from "../protocol/message-schema2.ts";
import { accept, ignore, reject, type Verdict } from "../protocol/verdict.ts";
import { applyControl, type CallRegistry } from "./control-apply.ts";
import { noteChat, placeOf, sortTsFor, type StoredMessage, type SyncStore } from "./store.ts";

export { sortTsFor };

export interface MergeResult {
  stored: StoredMessage[];
  rejected: { msgId: string; reason: string }[];
  ignored: number;
}

/** Validate and store one message that already passed its path's authentication. */
export function storeVerified(
  store: SyncStore,
  calls: CallRegistry,
  m: ChatMessage,
  origin: string,
  now: number,
  /** a newer original's schema-2 object as received (JSON), re-offered as is to newer peers */
  v1Wire?: string,
): StoredMessage | null {
  const row = store.insertMessage(m, { origin, receivedAt: now, ...placeOf(store, m, now) });
  if (!row) return null;
  if (v1Wire) store.setV1Wire?.(m.msgId, v1Wire);
  if (m.channelId === CONTROL_CHANNEL) applyControl(store, calls, m, now);
  else noteChat(store, m, now);
  return row;
}

/** A received message object that passed every check, and what to keep of it. */
export interface CheckedWire {
  msg: ChatMessage;
  /** the object as received (compact JSON in its key order, Python's escapes) when it carries an `enc` object */
  v1Wire?: string;
}

/**
 * Check one received v1 message object of either original release: types, circle, MAC (always),
 * then, for a schema-2 object, that its `enc` opens and holds the MAC'd display name and text.
 */
export function checkWireObject(
  raw: unknown,
  circleId: string,
  secret: Uint8Array,
  store: SyncStore,
): Verdict<CheckedWire> {
  const p = parseWireObject(raw);
  if (!p.ok) return p;
  const { msg, enc } = p.value;
  if (msg.circleId !== circleId) return reject("message of another circle");
  if (!verifyMac(secret, msg)) return reject("MAC does not verify");
  if (store.hasMessage(msg.msgId)) return ignore("already stored");
  if (!enc) return accept({ msg });
  const e = checkEnc(secret, msg, enc);
  // Python's json.dumps form (compact, \uXXXX escapes): byte for byte what a newer node wrote
  return e.ok ? accept({ msg, v1Wire: asciiEscape(JSON.stringify(raw)) }) : e;
}

export function checkWireMessage(
  raw: unknown,
  circleId: string,
  secret: Uint8Array,
  store: SyncStore,
): Verdict<ChatMessage> {
  const v = checkWireObject(raw, circleId, secret, store);
  return v.ok ? accept(v.value.msg) : v;
}

/** Whether a MSGS_SEND list shows its sender as a newer original: every object it writes has the `enc` key. */
export const writesEnc = (raws: readonly unknown[]): boolean =>
  raws.some((r) => !!r && typeof r === "object" && Object.hasOwn(r, "enc"));

/** Merge a MSGS_SEND list received over TCP. */
export function mergeWireMessages(
  store: SyncStore,
  calls: CallRegistry,
  circleId: string,
  secret: Uint8Array,
  raws: unknown[],
  now: number,
): MergeResult {
  const res: MergeResult = { stored: [], rejected: [], ignored: 0 };
  store.transaction(() => {
    for (const raw of raws) {
      const v = checkWireObject(raw, circleId, secret, store);
      if (!v.ok) {
        if (v.kind === "ignore") res.ignored++;
        else {
          // never String() a peer's value: an object whose toString is not callable throws
          const id = (raw as { msg_id?: unknown } | null)?.msg_id;
          res.rejected.push({ msgId: typeof id === "string" ? id.slice(0, 64) : "?", reason: v.reason });
        }
        continue;
      }
      const row = storeVerified(store, calls, v.value.msg, "tcp", now, v.value.v1Wire);
      if (row) res.stored.push(row);
      else res.ignored++;
    }
  });
  return res;
}
