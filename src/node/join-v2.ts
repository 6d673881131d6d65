// Redeeming a felund2. code: a ticket-keyed v2 handshake with the inviter, who checks expiry
// and use limit and answers with the circle's credentials (ADMIT); then the circle syncs. Over
// TCP when the code names a host:port; through the relay's /v1/signal when it names a relay
// (an owner without a TCP address, e.g. a relay-only browser), and the circle then syncs
// through that relay: with the node's own client, or a one-shot one for `felund join`.
import { enterAdmitted } from "../peer/actions.ts";
import { FelundError } from "../peer/errors.ts";
import { joinThroughRelay } from "../peer/relay/admission-engine.ts";
import { RelayApi } from "../peer/relay/api.ts";
import { isRelayUrl, parseHostPort } from "../protocol/hostport.ts";
import { decodeInvite2, type Invite2 } from "../protocol/v2/invite.ts";
import type { ExchangeResult } from "../sync/v1-exchange.ts";
import { type V2Deps, V2Exchange } from "../sync/v2-exchange.ts";
import { connectLine } from "./dialer.ts";
import { saveSettings } from "./identity.ts";
import type { ConnTimeouts } from "./line-conn.ts";
import { RelayClient, type RelayNode } from "./relay-client.ts";
import type { Ctx } from "./service.ts";
import type { ShellPorts } from "./shell-ports.ts";

export interface JoinResult {
  circleId: string;
  bootstrap: string;
  created: boolean;
  synced: boolean;
}

export interface JoinHost extends ShellPorts {
  readonly ctx: Ctx;
  v2Deps(): V2Deps;
  readonly timeouts: ConnTimeouts;
  syncWith(circleId: string, addr: string): Promise<ExchangeResult | null>;
  /** the relay this node is set to use, normalized ("": none) */
  configuredRelay(): string;
  /** the node's running relay client, if any */
  relay(): RelayClient | null;
  /** the node listens (it runs, rather than serving a one-shot command) */
  listening(): boolean;
  configureRelay(base: string): void;
  /** what a one-shot relay client needs of the node */
  readonly relayNode: RelayNode;
}

export class Joins {
  constructor(private host: JoinHost) {}

  async joinV2(code: string): Promise<JoinResult> {
    const h = this.host;
    const v = decodeInvite2(code, h.now());
    if (!v.ok) throw new FelundError("E_BAD_INVITE", `invalid invite code: ${v.reason}`);
    const inv = v.value;
    const peer = inv.peer;
    if (isRelayUrl(peer)) return this.viaRelay(inv);
    const hp = parseHostPort(peer);
    if (!hp) throw new FelundError("E_BAD_INVITE", "this invite names no reachable node (host:port)");
    const existed = !!h.store.getCircle(inv.circleId);
    if (!existed) {
      const ex = V2Exchange.joiner(
        h.v2Deps(),
        { inviteId: inv.inviteId, ticket: inv.ticket, circleId: inv.circleId },
        peer,
      );
      const { connecting, conn } = connectLine({
        addr: peer,
        hp,
        engine: ex,
        log: (l) => h.log(l),
        timeouts: h.timeouts,
      });
      const sock = await connecting.catch(() => null);
      const c = conn();
      if (!sock || !c)
        throw new FelundError(
          "E_UNREACHABLE",
          `cannot reach the inviter at ${peer}; try again when their node is online`,
        );
      const reason = await c.finished;
      const admit = ex.result.admitted;
      if (!admit)
        throw new FelundError(
          "E_NOT_ADMITTED",
          `the inviter did not admit us: ${reason.replace(/^issuer refused: /, "")}`,
        );
      h.store.transaction(() => {
        enterAdmitted(h.ctx, admit, inv.circleId);
        h.store.updateCircleBootstrap(inv.circleId, peer);
      });
      h.emit({ t: "circles" });
    }
    const synced = await h.syncWith(inv.circleId, peer);
    return { circleId: inv.circleId, bootstrap: peer, created: !existed, synced: !!synced?.completed };
  }

  /** The admission of a felund2 code whose peer is a relay: over /v1/signal, then the relay syncs the circle. */
  private async viaRelay(inv: Invite2): Promise<JoinResult> {
    const h = this.host;
    const base = inv.peer.replace(/\/+$/, "");
    const existed = !!h.store.getCircle(inv.circleId);
    if (!existed) {
      const r = await joinThroughRelay(new RelayApi(base, h.relayNode.nodeId), h.v2Deps(), inv, Date.now);
      if (!r.ok)
        throw new FelundError(
          /did not answer|relay:/.test(r.reason) ? "E_UNREACHABLE" : "E_NOT_ADMITTED",
          `the inviter did not admit us: ${r.reason}`,
        );
      enterAdmitted(h.ctx, r.value, inv.circleId);
      h.log(`joined ${inv.circleId} through the relay ${base}`);
      h.emit({ t: "circles" });
    }
    // the circle meets on that relay: a node without a relay starts using it (and keeps it)
    const configured = h.configuredRelay();
    if (!configured) saveSettings(h.store, { relayBase: base });
    else if (configured !== base)
      h.log(`note: ${inv.circleId} was joined through ${base}, but this node syncs through ${configured}`);
    if (h.listening() && !h.relay() && !h.stopped()) h.configureRelay(base);
    // a running node pulls with its client; a one-shot `felund join` pulls once with a temporary one
    const client = h.relay() ?? new RelayClient(h.relayNode, configured || base, { ws: false });
    let synced = false;
    await client.pullNow(inv.circleId).then(
      () => (synced = !client.lastError),
      () => {},
    );
    if (client !== h.relay()) client.stop();
    return { circleId: inv.circleId, bootstrap: "", created: !existed, synced };
  }
}
