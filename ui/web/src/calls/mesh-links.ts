// Who this page links with in a call, and who offers on each link (docs/PROTOCOL.md §15): the
// participants form a full mesh where the smaller node id offers; receive-only viewers link
// with the host alone, and the host always offers to them (the newer original's rule). Beyond
// CALL_MAX_PARTICIPANTS / CALL_MAX_VIEWERS nobody is linked.
import { CALL_MAX_PARTICIPANTS, CALL_MAX_VIEWERS } from "../../../../src/protocol/limits.ts";

export interface CallShape {
  participants: string[];
  viewers?: string[];
  hostNodeId: string;
}

export interface Links {
  others: string[];
  /** this page makes the first offer to `id` */
  offers(id: string): boolean;
  /** listed, but past the participants this mesh carries: linked with nobody */
  overCapacity: boolean;
}

export function meshLinks(c: CallShape, self: string): Links {
  const mesh = c.participants.slice(0, CALL_MAX_PARTICIPANTS);
  const viewers = (c.viewers ?? []).slice(0, CALL_MAX_VIEWERS);
  if (viewers.includes(self))
    return { others: mesh.includes(c.hostNodeId) ? [c.hostNodeId] : [], offers: () => false, overCapacity: false };
  const overCapacity = !mesh.includes(self) && c.participants.includes(self);
  const others = overCapacity ? [] : mesh.filter((id) => id !== self);
  const host = !overCapacity && self === c.hostNodeId;
  if (host) others.push(...viewers);
  return { others, offers: (id) => (host && viewers.includes(id)) || self < id, overCapacity };
}
