// Leaving a circle in the relay-only peer, with what the relay client lets go of it: rare, so a
// chunk loaded then (relay-backend.ts) and not part of the page's first load.
import type { BackendEvent } from "../../../shared/types.ts";
import type { CircleRow } from "../../../../src/sync/store.ts";
import type { MemStore } from "./mem-store.ts";
import type { Persistence } from "./persist.ts";
import type { RelayClient } from "./relay-client.ts";
import "./mem-remove.ts"; // the store's removeCircle

/** What leaving needs of the backend. */
export interface LeaveHost {
  mem: MemStore;
  persist: Persistence;
  relay: RelayClient;
  circle(circleId: string): CircleRow;
  flush(): Promise<void>;
  emit(e: BackendEvent): void;
}

/** Leave a circle: its presence, socket and cursors on the relay, then its state and history here. */
export async function leaveCircle(h: LeaveHost, circleId: string) {
  const c = h.circle(circleId);
  const gone = forget(h, c.circleId);
  h.mem.removeCircle(c.circleId);
  await h.flush();
  await h.persist.deleteCircle(c.circleId);
  await gone;
  h.emit({ t: "circles" });
}

/** The relay client lets the circle go: its presence, socket and pull cursors. */
async function forget({ relay, persist }: LeaveHost, circleId: string): Promise<void> {
  const l = relay.links.get(circleId);
  relay.links.delete(circleId);
  if (l) relay.sync.remove(circleId, l.hint);
  for (const key of Object.keys(relay.cursors)) if (key.endsWith(`|${circleId}`)) delete relay.cursors[key];
  await persist.saveCursors(relay.cursors);
}
