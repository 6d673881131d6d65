// Loading a circle's direct-message conversations into the chat store (docs/PROTOCOL.md §21):
// used by the store itself, /dm and /dms, and the web client's member list. Its own module, so
// the web client loads it on first use (the store imports it dynamically).
import type { Backend } from "./backend.ts";
import type { DmView } from "./types.ts";

/** What this needs of the chat store (a structural type: the store imports this module). */
export interface DmHost {
  backend: Backend;
  state: { dms: Record<string, DmView[]> };
  setDms(circleId: string, list: DmView[]): void;
}

/** The circle's conversations (newest first) from the backend, into the store. */
export async function loadDms(store: DmHost, circleId: string, also?: DmView): Promise<DmView[]> {
  const list = (await store.backend.listDms?.(circleId)) ?? [];
  // a conversation opened here stays listed before its first message (and while a reload is on its way)
  for (const d of [...(store.state.dms[circleId] ?? []), also])
    if (d && !list.some((x) => x.channelId === d.channelId)) list.push(d);
  store.setDms(circleId, list);
  return list;
}
