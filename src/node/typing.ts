// The node's typing indicators: the peer's one implementation (src/peer/typing.ts) wired to the
// node's live v2 sessions, its relay client and its front ends' events. Built as a field of the
// node, so every port is read when used, never at construction.
import type { NodeStore } from "../../db/node-store.ts";
import { PeerTyping } from "../peer/typing.ts";
import type { Rng } from "../protocol/crypto.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import type { LiveSessions } from "./live-sessions.ts";
import type { NodeEvent } from "./shell-ports.ts";

export interface TypingNode {
  readonly store: NodeStore;
  readonly keys: NodeKeys;
  readonly ctx: { rng: Rng; nowMs?(): number; now(): number };
  readonly relay: { typing(circleId: string, blob: string): void } | null;
  emit(e: NodeEvent): void;
  log(line: string): void;
}

export const nodeTyping = (n: TypingNode, sessions: () => LiveSessions): PeerTyping =>
  new PeerTyping({
    get store() {
      return n.store;
    },
    keys: () => n.keys,
    nowMs: () => n.ctx.nowMs?.() ?? n.ctx.now() * 1000,
    rng: (k) => n.ctx.rng(k),
    log: (line) => n.log(line),
    sessions: (circleId, channelId) => sessions().typing(circleId, channelId),
    relay: (circleId, blob) => n.relay?.typing(circleId, blob),
    changed: (circleId, channelId, who) => n.emit({ t: "typing", circleId, channelId, who }),
  });
