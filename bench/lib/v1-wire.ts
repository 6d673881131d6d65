// The benches' view of a circle over the v1 wire only (felund-wire-v1.md §2-4), so the same
// measurement works against any implementation, ours or the original: inject a message as an
// original member behind NAT does (HELLO with an empty listen_addr, then the §3.4 exchange
// offering it), and ask a node what it holds by dialling it as a v1 member and reading its
// PEERS and MSGS_HAVE. No local API, no node internals. The v1 side is the clean-room scripted
// peer of the tests (tests/node/fake-peer.ts), unchanged.
import { installNativePrimitives } from "../../src/node/native-primitives.ts";
import {
  FakePeer,
  fakeMessage,
  type FakePeerEntry,
  type SessionLog,
  type WireObj,
} from "../../tests/node/fake-peer.ts";

// the harness's own crypto (the injecting peer, the pollers' handshakes) in native code, as the
// nodes', so measuring takes less of the 2 cores from the nodes it measures
installNativePrimitives();

/** secret and peer of a felund1. invite code (§2.1: base64url JSON {v, secret, peer}). */
export function decodeCodeV1(code: string): { secret: string; peer: string } {
  const c = code.trim();
  if (!c.startsWith("felund1.")) throw new Error(`not a felund1. code: ${c.slice(0, 12)}...`);
  const j = JSON.parse(Buffer.from(c.slice(8), "base64url").toString("utf8"));
  return { secret: String(j.secret), peer: String(j.peer) };
}

/** What one node told a v1 member: the ids in its MSGS_HAVE and the peers in its PEERS. */
export interface Have {
  ids: Set<string>;
  peers: FakePeerEntry[];
  at: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * One v1 exchange as a member that holds nothing and asks for nothing (plaintext, empty
 * listen_addr): HELLO/CHALLENGE/HELLO_AUTH/WELCOME, both sides' PEERS and MSGS_HAVE, empty
 * MSGS_REQ and MSGS_SEND, close. `at` is when the node's MSGS_HAVE was read; `onHave` is
 * called right then (the rest of the exchange only closes it politely).
 */
export async function pollHave(
  secretHex: string,
  observerId: string,
  addr: string,
  timeoutMs = 2000,
  onHave?: () => void,
): Promise<Have> {
  let have: Have | null = null;
  let why = "";
  const peer = new FakePeer({
    secretHex,
    nodeId: observerId,
    encrypt: false,
    listenAddr: "",
    readTimeoutMs: timeoutMs,
    onSession: async (s) => {
      const cid = peer.circleId;
      s.sendFrame({ t: "PEERS", circle_id: cid, peers: [] });
      s.sendFrame({ t: "MSGS_HAVE", circle_id: cid, msg_ids: [] });
      const peers = await s.readFrame(timeoutMs);
      const ids = peers && (await s.readFrame(timeoutMs));
      if (peers?.t !== "PEERS" || ids?.t !== "MSGS_HAVE") {
        why = s.error || `got ${String(peers?.t)} / ${String(ids?.t)}`;
        return s.close();
      }
      have = {
        ids: new Set(ids.msg_ids as string[]),
        peers: (peers.peers as FakePeerEntry[]) ?? [],
        at: performance.now(),
      };
      onHave?.();
      // finish the exchange as §3.4 says, asking for nothing and sending nothing
      s.sendFrame({ t: "MSGS_REQ", circle_id: cid, msg_ids: [] });
      if ((await s.readFrame(timeoutMs))?.t === "MSGS_REQ") {
        s.sendFrame({ t: "MSGS_SEND", circle_id: cid, messages: [] });
        await s.readFrame(timeoutMs);
      }
      s.close();
    },
  });
  const log = await withTimeout(peer.dial(addr), timeoutMs * 3, `poll ${addr}`);
  if (!have) throw new Error(`poll ${addr}: ${why || log.outcome || "no MSGS_HAVE"}`);
  return have;
}

/**
 * An original member behind NAT: no listener, HELLO with an empty listen_addr, encrypted
 * session (HELLO nonce), its own message set, and the full §3.4 exchange (it also takes what
 * it lacks, as the original does).
 */
export class V1Injector {
  readonly peer: FakePeer;
  constructor(readonly secretHex: string) {
    this.peer = new FakePeer({ secretHex, listenAddr: "", readTimeoutMs: 5000 });
  }

  /** A new message object as the original makes it (§4.1, MAC'd). */
  message(text: string): WireObj {
    return fakeMessage(this.secretHex, this.peer.nodeId, Math.floor(Date.now() / 1000), text, {
      display_name: "original",
    });
  }

  /** Offer `m` (and everything else it holds) to the node at `addr` in one exchange. */
  async inject(addr: string, m: WireObj): Promise<SessionLog> {
    this.peer.addMessages([m]);
    return withTimeout(this.peer.dial(addr), 15_000, `inject into ${addr}`);
  }
}

/** Poll schedule: the spacing between poll starts at one node, by time since the injection. */
export const POLL_SCHEDULE = [
  { untilMs: 200, everyMs: 5 },
  { untilMs: 1000, everyMs: 20 },
  { untilMs: Infinity, everyMs: 100 },
];
/** Polls in flight at once, over all nodes: what the measuring adds to the machine stays bounded. */
export const POLLS_IN_FLIGHT = 4;
const spacing = (sinceMs: number) => POLL_SCHEDULE.find((s) => sinceMs < s.untilMs)!.everyMs;

export interface Arrival {
  /** per node: ms from t0 to the first MSGS_HAVE that listed the message (Infinity: not within the timeout) */
  ms: number[];
  /** per node: a lower bound of its arrival, ms from t0 to the start of its last poll whose MSGS_HAVE did not list the message (0 if none) */
  loMs: number[];
  /** per node that listed it: ms from that lower bound to the arrival figure, the window the arrival lies in */
  windowMs: number[];
  polls: number;
  pollErrors: number;
}

/** A counting semaphore, first come first served (so nodes waiting to be polled take turns). */
function slots(n: number) {
  const waiting: (() => void)[] = [];
  return {
    take: () => (n > 0 ? (n--, Promise.resolve()) : new Promise<void>((r) => waiting.push(r))),
    give: () => {
      const w = waiting.shift();
      if (w) w();
      else n++;
    },
  };
}

/** Poll every node (only until it lists `msgId`) from t0 on; resolves after every node lists it or at the timeout. */
export async function watchArrival(
  secretHex: string,
  observerId: string,
  addrs: string[],
  msgId: string,
  t0: number,
  timeoutMs: number,
): Promise<Arrival> {
  const out: Arrival = {
    ms: addrs.map(() => Infinity),
    loMs: addrs.map(() => 0),
    windowMs: [],
    polls: 0,
    pollErrors: 0,
  };
  const sem = slots(POLLS_IN_FLIGHT);
  await Promise.all(
    addrs.map(async (addr, i) => {
      for (;;) {
        const start = performance.now();
        await sem.take();
        if (performance.now() - t0 > timeoutMs) return sem.give();
        out.polls++;
        const asked = performance.now();
        // the slot is free again once the node's MSGS_HAVE is in (or the poll failed)
        let held = true;
        const give = () => {
          if (held) {
            held = false;
            sem.give();
          }
        };
        try {
          const h = await pollHave(secretHex, observerId, addr, 2000, give);
          if (h.ids.has(msgId)) {
            out.ms[i] = h.at - t0;
            out.windowMs.push(out.ms[i]! - out.loMs[i]!);
            return;
          }
          // the node built that MSGS_HAVE after we dialled, so the message came later than `asked`
          out.loMs[i] = asked - t0;
        } catch {
          out.pollErrors++;
        } finally {
          give();
        }
        const next = start + spacing(start - t0);
        const now = performance.now();
        if (next > now) await Bun.sleep(next - now);
      }
    }),
  );
  return out;
}
