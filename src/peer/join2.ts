// Redeeming a felund2. code, once for both shells: decode it, run the ticket-keyed v2 handshake
// with the inviter (who checks expiry and use limit and answers with the circle's credentials,
// ADMIT) and enter the admitted circle. Over TCP when the code names a host:port and the shell
// can dial; through a relay's /v1/signal when it names a relay (an owner without a TCP address,
// e.g. a relay-only browser), or when the shell cannot dial (a browser tries its own relay, where
// the owner's node may also listen). What follows the entry (sync, links, relay settings) stays
// in the shell. The handshake engine is loaded on the first join: a separate chunk in the browser.
import type { Admit } from "../protocol/v2/frames.ts";
import { type HostPort, isRelayUrl, parseHostPort } from "../protocol/hostport.ts";
import { decodeInvite2, type Invite2 } from "../protocol/v2/invite.ts";
import type { StoredMessage } from "../sync/store.ts";
import type { JoinTicket, V2Deps, V2Exchange } from "../sync/v2-exchange.ts";
import { enterAdmitted } from "./actions.ts";
import type { PeerCtx } from "./ctx.ts";
import { FelundError } from "../protocol/errors.ts";
import type { RelayApi } from "./relay/api.ts";

export type Join2Path = "tcp" | "relay";

/** How a shell reaches an inviter. */
export interface Join2Transport {
  v2Deps(): V2Deps;
  /** milliseconds, for the relay join's deadline */
  nowMs(): number;
  /** the client of a relay's API at `base` */
  relayApi(base: string): RelayApi;
  /**
   * Dial the inviter and run `ex` over the line: the reason the line ended, or null when the
   * inviter was not reached. Absent in a shell that cannot dial: host:port codes then go through `ownRelay`.
   */
  tcp?(peer: string, hp: HostPort, ex: V2Exchange): Promise<string | null>;
  /** the relay this shell syncs through (tried for a host:port code when it cannot dial) */
  ownRelay?(): string;
  /** before the admitted circle enters the store (the browser loads the v1 code for a legacy circle) */
  beforeEnter?(admit: Admit): Promise<void>;
  /** inside the transaction that enters the circle (the node records its bootstrap peer) */
  entering?(circleId: string, path: Join2Path, addr: string): void;
}

export interface Join2Result {
  circleId: string;
  /** false: the circle was already here, and nobody was asked again */
  created: boolean;
  /** what entering stored (our member card), for the shell to publish */
  rows: StoredMessage[];
  path: Join2Path;
  /** the inviter's host:port (tcp), or the relay's base URL (relay) */
  addr: string;
}

export async function joinV2(ctx: PeerCtx, code: string, t: Join2Transport): Promise<Join2Result> {
  const v = decodeInvite2(code, ctx.now());
  if (!v.ok) throw new FelundError("E_BAD_INVITE", `invalid invite code: ${v.reason}`);
  const inv = v.value;
  const tcp = isRelayUrl(inv.peer) ? undefined : t.tcp?.bind(t);
  const hp = tcp ? parseHostPort(inv.peer) : null;
  if (tcp && !hp) throw new FelundError("E_BAD_INVITE", "this invite names no reachable node (host:port)");
  const path: Join2Path = tcp ? "tcp" : "relay";
  const addr = tcp ? inv.peer : isRelayUrl(inv.peer) ? inv.peer.replace(/\/+$/, "") : (t.ownRelay?.() ?? "");
  const done = (created: boolean, rows: StoredMessage[] = []): Join2Result => ({
    circleId: inv.circleId,
    created,
    rows,
    path,
    addr,
  });
  if (ctx.store.getCircle(inv.circleId)) return done(false);
  const admit = tcp && hp ? await overTcp(tcp, t.v2Deps(), hp, inv) : await overRelay(t, addr, inv);
  // another join of the same circle may have finished meanwhile
  if (ctx.store.getCircle(inv.circleId)) return done(false);
  await t.beforeEnter?.(admit);
  const { rows } = ctx.store.transaction(() => {
    const r = enterAdmitted(ctx, admit, inv.circleId);
    t.entering?.(inv.circleId, path, addr);
    return r;
  });
  return done(true, rows);
}

async function overTcp(
  tcp: NonNullable<Join2Transport["tcp"]>,
  deps: V2Deps,
  hp: HostPort,
  inv: Invite2,
): Promise<Admit> {
  const [{ V2Exchange }, { admitFromOwner }] = await Promise.all([
    import("../sync/v2-exchange.ts"),
    import("../sync/admission-joiner.ts"),
  ]);
  const peer = inv.peer;
  const ticket: JoinTicket = { inviteId: inv.inviteId, ticket: inv.ticket, circleId: inv.circleId };
  const ex = V2Exchange.joiner(deps, ticket, peer);
  const reason = await tcp(peer, hp, ex);
  if (reason == null)
    throw new FelundError("E_UNREACHABLE", `cannot reach the inviter at ${peer}; try again when their node is online`);
  const admit = ex.result.admitted;
  if (!admit)
    throw new FelundError("E_NOT_ADMITTED", `the inviter did not admit us: ${reason.replace(/^issuer refused: /, "")}`);
  // the code is unsigned (§10.3): the ADMIT counts only from the owner key it names
  const owned = admitFromOwner(inv, ex.result.peerNodeId, admit);
  if (!owned.ok) throw new FelundError("E_NOT_ADMITTED", `the inviter did not admit us: ${owned.reason}`);
  return admit;
}

async function overRelay(t: Join2Transport, base: string, inv: Invite2): Promise<Admit> {
  const { joinThroughRelay } = await import("./relay/admission-engine.ts");
  const r = await joinThroughRelay(t.relayApi(base), t.v2Deps(), inv, t.nowMs);
  if (r.ok) return r.value;
  const unanswered = /did not answer/.test(r.reason);
  if (unanswered && !isRelayUrl(inv.peer))
    throw new FelundError(
      "E_UNREACHABLE",
      `this code names ${inv.peer}, which a browser cannot reach, and its owner did not answer through ${base} either (their node needs a relay)`,
    );
  throw new FelundError(
    unanswered || /relay:/.test(r.reason) ? "E_UNREACHABLE" : "E_NOT_ADMITTED",
    `the inviter did not admit us: ${r.reason}`,
  );
}
