// What a relay-only peer's user does rarely: change the display name or the relay, leave a
// circle. A chunk loaded on the first such action (relay-backend.ts), so the first load of the
// page does not carry it.
import { BackendError } from "../../../shared/backend.ts";
import type { BackendEvent } from "../../../shared/types.ts";
import { renameText } from "../../../../src/protocol/control.ts";
import { DISPLAY_NAME_MAX } from "../../../../src/protocol/limits.ts";
import { CONTROL_CHANNEL } from "../../../../src/protocol/message.ts";
import type { CircleRow, StoredMessage } from "../../../../src/sync/store.ts";
import { isLegacy } from "../../../../src/sync/v2-apply.ts";
import type { MemStore } from "./mem-store.ts";
import type { NodeRecord, Persistence } from "./persist.ts";
import type { RelayClient } from "./relay-client.ts";

/** What these need of the backend. */
export interface SettingsHost {
  mem: MemStore;
  persist: Persistence;
  relay: RelayClient;
  node(): NodeRecord;
  saveNode(n: NodeRecord): Promise<void>;
  /** the relay in use (the user's, else the page's) */
  relayBase(): string;
  now(): number;
  circle(circleId: string): CircleRow;
  publishCard(circleId: string): StoredMessage | null;
  postV1(circleId: string, channelId: string, text: string): StoredMessage;
  published(circleId: string, rows: StoredMessage[]): Promise<StoredMessage[]>;
  flush(): Promise<void>;
  emit(e: BackendEvent): void;
}

export async function updateSettings(h: SettingsHost, s: { displayName?: string; relayBase?: string }) {
  if (s.relayBase !== undefined) {
    const r = s.relayBase.trim().replace(/\/+$/, "");
    if (r && !/^https?:\/\/[^\s/]+/.test(r)) throw new BackendError("relay URL must start with http:// or https://");
    if (r !== h.node().relayBase) {
      await h.saveNode({ ...h.node(), relayBase: r });
      h.relay.restart(h.relayBase());
    }
  }
  if (s.displayName !== undefined) {
    const n = s.displayName.trim().slice(0, DISPLAY_NAME_MAX) || "anon";
    await h.saveNode({ ...h.node(), displayName: n });
    const me = h.node().nodeId;
    h.mem.setDisplayName(me, n, h.now());
    // legacy circles: the v1 rename originals understand; v2-only circles: a fresh member card
    for (const c of h.mem.listCircles()) {
      const row = isLegacy(c)
        ? h.postV1(
            c.circleId,
            CONTROL_CHANNEL,
            renameText({ circleId: c.circleId, nodeId: me, displayName: n, ts: h.now() }),
          )
        : h.publishCard(c.circleId);
      if (row) await h.published(c.circleId, [row]);
    }
  }
  h.emit({ t: "circles" });
}

/** Leave a circle: its presence, socket and cursors on the relay, then its state and history here. */
export async function leaveCircle(h: SettingsHost, circleId: string) {
  const c = h.circle(circleId);
  const gone = h.relay.forget(c.circleId);
  h.mem.removeCircle(c.circleId);
  await h.flush();
  await h.persist.deleteCircle(c.circleId);
  await gone;
  h.emit({ t: "circles" });
}
