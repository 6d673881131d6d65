// Merging messages a peer sent: type checks (W6), circle check, MAC, first copy wins,
// timestamps clamped for ordering (W14), display names and control events applied.
import { CONTROL_CHANNEL, parseWireMessage, verifyMac, type ChatMessage } from "../protocol/message.ts";
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
): StoredMessage | null {
  const row = store.insertMessage(m, { origin, receivedAt: now, ...placeOf(store, m, now) });
  if (!row) return null;
  if (m.channelId === CONTROL_CHANNEL) applyControl(store, calls, m, now);
  else noteChat(store, m, now);
  return row;
}

export function checkWireMessage(
  raw: unknown,
  circleId: string,
  secret: Uint8Array,
  store: SyncStore,
): Verdict<ChatMessage> {
  const p = parseWireMessage(raw);
  if (!p.ok) return p;
  if (p.value.circleId !== circleId) return reject("message of another circle");
  if (!verifyMac(secret, p.value)) return reject("MAC does not verify");
  if (store.hasMessage(p.value.msgId)) return ignore("already stored");
  return accept(p.value);
}

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
      const v = checkWireMessage(raw, circleId, secret, store);
      if (!v.ok) {
        if (v.kind === "ignore") res.ignored++;
        else {
          // never String() a peer's value: an object whose toString is not callable throws
          const id = (raw as { msg_id?: unknown } | null)?.msg_id;
          res.rejected.push({ msgId: typeof id === "string" ? id.slice(0, 64) : "?", reason: v.reason });
        }
        continue;
      }
      const row = storeVerified(store, calls, v.value, "tcp", now);
      if (row) res.stored.push(row);
      else res.ignored++;
    }
  });
  return res;
}
