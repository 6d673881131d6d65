// The shapes of the one relay client (sync.ts): what it needs of the peer that owns the messages
// (RelayHost), its options, and its state of one circle (CircleLink).
import type { FetchLike, PullCursor, RelayEndpoint, RelayPeer, SignerOf } from "./api.ts";
import type { WsCtor, WsLike } from "./ws-like.ts";
import type { PushSigner } from "./history-push.ts";

export type ConnectionState = "connecting" | "live" | "offline";

/** Envelopes ready for the relay; `ack` once it holds them (moves the host's push cursor). */
export interface PushBatch {
  envelopes: unknown[];
  ack(): void | Promise<void>;
}

/** What the client needs from the peer that owns the messages. */
export interface RelayHost {
  /** the circles to sync, with their relay hints */
  circles(): { circleId: string; hint: string }[];
  /** the next messages to push (at most `max`, oldest first); null when nothing is pending */
  pending(circleId: string, max: number): PushBatch | null;
  /** where the pull of a circle on relay `base` goes on from (cursors are per relay) */
  cursor(base: string, circleId: string): PullCursor;
  saveCursor(base: string, circleId: string, c: PullCursor): void | Promise<void>;
  /** open, verify and store envelopes; settles once they are stored */
  ingest(circleId: string, raws: unknown[]): void | Promise<void>;
  peersSeen(circleId: string, peers: RelayPeer[]): void;
  /** what presence announces: how members reach us, and over what */
  presence(): { endpoints: RelayEndpoint[]; transport: string };
  /** who signs a circle's requests, by its hint (its legacy circles: api.ts RequestSigner); absent: none */
  signer?: SignerOf;
  pushSigner?(hint: string): PushSigner | null; // a circle's push key signs its batches (history-push.ts)
  /** newest first (docs/PROTOCOL.md §27): a circle new on a relay gets its newest page, then older pages behind it (older.ts) */
  older?: OlderHost;
  /** the relay is reachable or not (the browser's status line) */
  connectionChanged?(state: ConnectionState): void;
  /** once per tick of the scheduler */
  tick?(): void;
  /** a sealed typing notice of a circle from its relay (docs/PROTOCOL.md §22; the host opens and checks it) */
  typing?(circleId: string, blob: unknown): void;
  log(line: string): void;
}

/** A host that fills a circle's history newest first (the relay-only browser). */
export interface OlderHost {
  /** the seq to page below next on relay `base` ("" when there is nothing older to fetch) */
  at(base: string, circleId: string): string;
  /** where to go on ("" = done); saved after the page below it is stored */
  save(base: string, circleId: string, before: string): void | Promise<void>;
  /**
   * apply a page of older envelopes; `written` settles once they are stored; `total`: the relay's
   * count of the circle, when it said; `notYet`: messages not taken yet (§27: read the page `again`
   * once the fill is below it, judged then as a forward pull would)
   */
  ingest(
    circleId: string,
    raws: unknown[],
    total?: number,
    again?: boolean,
  ): Promise<{ written: Promise<void>; notYet?: number }>;
}

export interface RelaySyncOptions {
  nodeId: string;
  fetch?: FetchLike;
  /** null: no WebSocket, polling only; default: the runtime's */
  WebSocketImpl?: WsCtor | null;
  pollMs?: number;
  idlePollMs?: number;
  reconnectMs?: number;
  nowMs?: () => number;
}

/** The client's state of one circle. */
export interface CircleLink {
  hint: string;
  ws: WsLike | null;
  open: boolean;
  wsRetryAt: number;
  lastPoll: number;
  lastPresence: number;
  pushing: Promise<void> | null;
  pushAgain: boolean;
  pulling: Promise<void> | null;
  /** the next push after a failed one, and its back-off */
  retry: ReturnType<typeof setTimeout> | null;
  delayMs: number;
  /** the relay said it carries typing notices on this socket (a felund relay; an original one never does) */
  typing?: boolean;
  /** older history being fetched (older.ts) */
  filling?: Promise<void> | null;
  /** the last presence (register, peers): pulls wait for it, so a relay that checks signatures knows our key (a push it refuses is retried) */
  registered?: Promise<void>;
}
