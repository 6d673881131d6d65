// What a v2 connection (V2Exchange) is given and what it reports: its dependencies, a join
// ticket, the result of each step and of the whole connection.
import type { Rng } from "../protocol/crypto.ts";
import type { Zip } from "../protocol/v2/fill.ts";
import type { Admit, SignalFrame } from "../protocol/v2/frames.ts";
import type { NodeKeys } from "../protocol/v2/keys.ts";
import type { SigCheck } from "../protocol/primitives.ts";
import type { BlobStore } from "./blobs.ts";
import type { BlobArrival } from "./v2-blobs.ts";
import type { CallRegistry } from "./control-apply.ts";
import type { StoredMessage, SyncStoreV2 } from "./store.ts";
import type { ExchangeDeps, Step } from "./v1-exchange.ts";

export interface V2Deps {
  store: SyncStoreV2;
  calls: CallRegistry;
  now: () => number;
  rng: Rng;
  self: { keys: NodeKeys; listenAddr: string | null; isSelfAddr(addr: string): boolean };
  /** attachment chunks (§20); without it the session answers every BLOB_WANT with "not held" */
  blobs?: BlobStore;
  /** deps of the embedded v1 engine (legacy circles, client role); defaults built from the above */
  v1?: ExchangeDeps;
  /** speak only RECON (§4.7), as v2 nodes from before RECON2 (§24) did: neither offer nor answer RECON2 (tests) */
  recon1Only?: boolean;
  /** speak RECON and RECON2 but not SKETCH (§28), as v2 nodes from before it did (tests) */
  noSketch?: boolean;
  /** deflate-raw for the streamed fill (§23); without it the session neither offers nor serves one */
  zip?: Zip;
  /**
   * Signature checks off the main thread (the node's worker pool, src/node/verify-pool.ts): a
   * streamed fill's frames are checked in batches while the engine stores earlier ones (the
   * connection hands later steps in through V2Exchange.onLater). true: that signature verifies;
   * false: not known (the message is checked inline, as without a verifier). Never rejects.
   */
  verifier?: SigVerifier;
}

export interface SigVerifier {
  verify(checks: readonly SigCheck[]): Promise<boolean[]>;
}

/** A streamed fill this side receives (§23): messages of it received so far, of the total the peer announced. */
export interface FillProgress {
  circleId: string;
  got: number;
  total: number;
  /** the peer said it sent them all (or the session ended) */
  done: boolean;
}

/** A join by felund2 invite: the ticket authenticates the handshake instead of a circle key. */
export interface JoinTicket {
  inviteId: Uint8Array;
  ticket: Uint8Array;
  circleId: string;
}

export interface V2Step extends Step {
  /** messages stored by this step (for the UI, other sessions and the relay) */
  stored?: StoredMessage[];
  /** message ids the peer says it holds now (a HELD frame: delivery state) */
  held?: string[];
  /** call signals that arrived (sealed; the shell opens them or passes them on) */
  signals?: SignalFrame[];
  /** attachment chunks that arrived (stored, or "not held" by the peer) */
  blobs?: BlobArrival[];
  /** a streamed fill's progress changed (§23) */
  fill?: FillProgress;
  /** channels the session's peer says it is typing in now (TYPING, §22; never stored) */
  typing?: string[];
}

export interface V2Result {
  circleId: string;
  peerNodeId: string;
  proto: "" | "v1" | "v2";
  epoch: number;
  /** the handshake completed */
  established: boolean;
  /** first reconciliation finished (both sides said all ranges match) */
  reconciled: boolean;
  stored: number;
  rejected: { msgId: string; reason: string }[];
  bytesSent: number;
  bytesReceived: number;
  /** set on a joiner once the issuer admitted it */
  admitted: Admit | null;
  /** the streamed fill this side received, if any (§23) */
  fill: FillProgress | null;
}
