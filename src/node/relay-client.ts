// The node's relay client (PROTOCOL-V1.md §6, §7.2-7.3): per circle it registers presence,
// discovers members' TCP endpoints and dials them, pushes this node's messages as encrypted
// envelopes and pulls others' (WebSocket push when the relay has it, polling otherwise).
// Relay messages are decrypted under the circle key, given a v1 MAC (this node holds the
// secret) and stored, so they travel on to TCP-only peers: this node bridges the two worlds
// (fixes PROTOCOL-V1.md W9). Cursors are persisted, so nothing is skipped across restarts (W8).
//
// v2: signed messages travel as v2 envelopes (AES-GCM under the circle's epoch key, padded;
// the relay sees the circle hint, a keyed relay id, the hour, the epoch and a size bucket).
// A v2-only circle uses nothing else: v1 envelopes (keyed by the static secret, which a
// removed member still knows) are neither sent nor accepted there. A legacy circle also
// gets v1 envelopes, for original web clients and nodes.
//
// Admissions (docs/PROTOCOL.md §10.1): while this node has unexpired felund2 invites it answers
// joins that reach it through the relay's /v1/signal (relay-only browsers cannot dial it), and
// `relaySignalIo` is the transport a joining node uses when a code's peer is a relay URL.
import { fromHex } from "../protocol/bytes.ts";
import { circleHint } from "../protocol/ids.ts";
import { messageKey, openEnvelope, sealEnvelope } from "../protocol/envelope.ts";
import { computeMac } from "../protocol/message.ts";
import { formatHostPort } from "../protocol/hostport.ts";
import { storeVerified } from "../sync/merge.ts";
import { fromBase64 } from "../protocol/bytes.ts";
import { decodeMessage } from "../protocol/v2/message.ts";
import { isEnvelopeV2, openEnvelopeV2, sealEnvelopeV2 } from "../protocol/v2/envelope.ts";
import { AheadEnvelopes } from "../sync/ahead.ts";
import { acceptSigned, epochKey } from "../sync/v2-apply.ts";
import { v2Ctx } from "./service.ts";
import type { StoredMessage } from "../sync/store.ts";
import { advertisedHost } from "./identity.ts";
import type { FelundNode } from "./node.ts";
import { AdmissionIssuer, pollAdmissions } from "../sync/relay-admission.ts";
import { V2_RELAY_ADMISSION_BUSY_POLL_MS, V2_RELAY_ADMISSION_POLL_MS } from "../protocol/limits.ts";
import { fetchJsonCapped } from "./capped-http.ts";
import { relayUrl } from "../peer/relay-url.ts";
import { relaySignalIo } from "./relay-signal-io.ts";
import { RELAY_HTTP_TIMEOUT_MS } from "../protocol/limits.ts";
export { relaySignalIo };

/** presence refresh / discovery period (the original TUI uses 8 s) */
const PRESENCE_MS = 30_000;
const POLL_MS = 5_000;
const POLL_WITH_WS_MS = 60_000;
const BATCH = 50;
const PULL_LIMIT = 200;
/** A push the relay refused or did not answer is tried again after 1 s, 2 s, 4 s ... up to 30 s. */
const PUSH_RETRY_MS = 1_000;
const PUSH_RETRY_MAX_MS = 30_000;

interface CircleLink {
  circleId: string;
  hint: string;
  secret: Uint8Array;
  key: Uint8Array;
  ws: WebSocket | null;
  wsLive: boolean;
  lastPoll: number;
  lastPresence: number;
  pushing: boolean;
  pushAgain: boolean;
  pulling: boolean;
  wsRetry: number;
  /** envelopes of a newer epoch than ours, opened again once our epoch rises (REKEY by relay or TCP) */
  ahead: AheadEnvelopes;
  /** the next push after a failed one (without it, the next would wait for a new message or the 60 s poll) */
  pushRetry: ReturnType<typeof setTimeout> | null;
  pushDelayMs: number;
}

export interface RelayStatus {
  base: string;
  circles: { circleId: string; ws: boolean; lastPoll: number }[];
  lastError: string;
}

export class RelayClient {
  private links = new Map<string, CircleLink>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private unsub: (() => void) | null = null;
  private stopped = false;
  lastError = "";
  /** answers felund2 admissions addressed to this node through the relay (circles it owns) */
  private issuer: AdmissionIssuer | null = null;
  private admitting = false;
  private lastAdmitPoll = 0;
  private admitTimer: ReturnType<typeof setTimeout> | null = null;

  /** what the store records as the origin of messages this relay brought (a node that moves to another relay pushes them there) */
  readonly origin: string;

  constructor(
    private node: FelundNode,
    readonly base: string,
    private opts: { ws?: boolean } = {},
  ) {
    this.origin = `relay:${base}`;
  }

  private url(path: string): string {
    return relayUrl(this.base, path);
  }

  start(): void {
    // new messages reach push() through the node's fan-out (schedulePush), not through events
    this.unsub = this.node.subscribe((e) => {
      if (e.t === "circles") this.tick();
    });
    this.timer = setInterval(() => this.tick(), 1000);
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.unsub?.();
    if (this.timer) clearInterval(this.timer);
    if (this.admitTimer) clearTimeout(this.admitTimer);
    for (const l of this.links.values()) {
      l.ws?.close();
      if (l.pushRetry) clearTimeout(l.pushRetry);
      void this.http("DELETE", "/register", { node_id: this.node.nodeId, circle_hint: l.hint }).catch(() => {});
    }
    this.links.clear();
  }

  status(): RelayStatus {
    return {
      base: this.base,
      lastError: this.lastError,
      circles: [...this.links.values()].map((l) => ({ circleId: l.circleId, ws: l.wsLive, lastPoll: l.lastPoll })),
    };
  }

  private link(circleId: string): CircleLink | undefined {
    let l = this.links.get(circleId);
    if (l) return l;
    const c = this.node.store.getCircle(circleId);
    if (!c) return undefined;
    const secret = fromHex(c.secretHex);
    l = {
      circleId,
      hint: circleHint(circleId),
      secret,
      key: messageKey(secret),
      ws: null,
      wsLive: false,
      lastPoll: 0,
      lastPresence: 0,
      pushing: false,
      pushAgain: false,
      pulling: false,
      wsRetry: 0,
      ahead: new AheadEnvelopes(),
      pushRetry: null,
      pushDelayMs: 0,
    };
    this.links.set(circleId, l);
    return l;
  }

  /** Once a second: keep presence fresh, poll when due, keep the WebSocket open. */
  tick(): void {
    if (this.stopped) return;
    const now = Date.now();
    const ids = new Set(this.node.store.listCircles().map((c) => c.circleId));
    for (const [id, l] of this.links)
      if (!ids.has(id)) {
        l.ws?.close();
        if (l.pushRetry) clearTimeout(l.pushRetry);
        this.links.delete(id);
      }
    for (const id of ids) {
      const l = this.link(id)!;
      if (now - l.lastPresence >= PRESENCE_MS) {
        l.lastPresence = now;
        void this.presence(l);
      }
      if (this.opts.ws !== false && !l.ws && now >= l.wsRetry) this.openWs(l);
      if (now - l.lastPoll >= (l.wsLive ? POLL_WITH_WS_MS : POLL_MS)) {
        l.lastPoll = now;
        void this.pull(l);
        this.schedulePush(id);
      }
      // the new epoch may have come over TCP
      if (l.ahead.size) this.retryAhead(l);
    }
    // (a little slack: this tick itself runs every second)
    if (
      !this.admitting &&
      now - this.lastAdmitPoll >= V2_RELAY_ADMISSION_POLL_MS - 100 &&
      this.node.store.hasLiveInvites(this.node.ctx.now())
    ) {
      this.lastAdmitPoll = now;
      void this.admissions();
    }
  }

  /** While a join through the relay is half done, poll again soon (outside the 1 s tick). */
  private admitSoon(): void {
    if (this.stopped || this.admitTimer) return;
    this.admitTimer = setTimeout(() => {
      this.admitTimer = null;
      if (this.stopped || this.admitting) return;
      this.lastAdmitPoll = Date.now();
      void this.admissions();
    }, V2_RELAY_ADMISSION_BUSY_POLL_MS);
  }

  /** One poll of the admissions addressed to this node (felund2 codes redeemed through the relay). */
  private async admissions(): Promise<void> {
    this.admitting = true;
    this.issuer ??= new AdmissionIssuer(this.node.nodeId, () => this.node.v2Deps());
    try {
      const ended = await pollAdmissions(relaySignalIo(this.base), this.issuer, (e) => this.fail("admission", e));
      for (const o of ended)
        this.node.log(
          `relay admission ${o.sessionId.slice(0, 12)}: ${o.admitted ? `admitted ${o.peerNodeId} to ${o.circleId}` : `refused (${o.reason})`}`,
        );
    } catch (e) {
      this.fail("admission poll", e);
    } finally {
      this.admitting = false;
      if (this.issuer.active > 0) this.admitSoon();
    }
  }

  /** Pull a circle now (after joining it through this relay); resolves when the pull ends. */
  async pullNow(circleId: string): Promise<void> {
    const l = this.link(circleId);
    if (!l) return;
    for (let i = 0; i < 100 && l.pulling; i++) await Bun.sleep(20);
    l.lastPoll = Date.now();
    await this.pull(l);
  }

  private async http(method: string, path: string, body?: unknown): Promise<any> {
    // the body is read with a cap (capped-http.ts): a relay cannot make us hold more than that
    const res = await fetchJsonCapped(this.url(path), {
      method,
      headers: { "content-type": "application/json", "x-felund-node": this.node.nodeId },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: RELAY_HTTP_TIMEOUT_MS,
    });
    const json = res.json;
    if (!res.ok || !json || json.ok === false)
      throw new Error(`${method} ${path}: HTTP ${res.status} ${json?.detail ?? ""}`.trim());
    return json;
  }

  private fail(what: string, e: unknown): void {
    this.lastError = `${what}: ${(e as Error).message}`;
    this.node.log(`relay ${this.base}: ${this.lastError}`);
  }

  private async presence(l: CircleLink): Promise<void> {
    const host = advertisedHost(this.node.settings.bind);
    try {
      await this.http("POST", "/register", {
        node_id: this.node.nodeId,
        circle_hint: l.hint,
        endpoints: this.node.port
          ? [
              {
                transport: "tcp",
                host,
                port: this.node.port,
                family: host.includes(":") ? "ipv6" : "ipv4",
                nat: "unknown",
              },
            ]
          : [],
        capabilities: { relay: false, transport: ["tcp"] },
        ttl_s: 120,
      });
      const r = await this.http("GET", `/peers?circle_hint=${l.hint}&limit=50`);
      let added = 0;
      for (const p of (Array.isArray(r.peers) ? r.peers : []) as any[]) {
        if (typeof p?.node_id !== "string" || p.node_id === this.node.nodeId) continue;
        const ep = (Array.isArray(p.endpoints) ? p.endpoints : []).find(
          (e: any) =>
            e?.transport === "tcp" &&
            typeof e.host === "string" &&
            e.host &&
            Number.isInteger(e.port) &&
            e.port > 0 &&
            e.port < 65536,
        );
        if (!ep) continue;
        if (this.node.addRelayPeer(l.circleId, p.node_id, formatHostPort(ep.host, ep.port))) added++;
      }
      if (added) this.node.syncSoon(l.circleId);
    } catch (e) {
      this.fail("presence", e);
    }
  }

  schedulePush(circleId: string): void {
    const l = this.link(circleId);
    if (!l) return;
    if (l.pushing) {
      l.pushAgain = true;
      return;
    }
    l.pushing = true;
    queueMicrotask(
      () =>
        void this.push(l).finally(() => {
          l.pushing = false;
          if (l.pushAgain) {
            l.pushAgain = false;
            this.schedulePush(circleId);
          }
        }),
    );
  }

  /** Push every message of the circle stored after the persisted cursor, oldest first. */
  private async push(l: CircleLink): Promise<void> {
    const store = this.node.store;
    const ck = `relay_push:${this.base}:${l.circleId}`;
    for (let round = 0; round < 1000 && !this.stopped; round++) {
      const after = Number(store.getSetting(ck) ?? 0);
      const rows = store.circleMessagesAfterSeq(l.circleId, after, BATCH);
      if (!rows.length) return;
      const circle = store.getCircle(l.circleId);
      if (!circle) return;
      const v2Only = circle.mode === "v2";
      const envelopes: unknown[] = [];
      for (const m of rows) {
        // never back to where it came from: whoever put it on this relay pushed every form it has there
        if (m.origin === this.origin) continue;
        const wire = store.getV2Wire(m.msgId);
        if (wire) {
          const signed = decodeMessage(fromBase64(wire));
          const ek = epochKey(store, circle, signed.keyEpoch);
          if (ek)
            envelopes.push(
              sealEnvelopeV2(
                { secret: l.secret, epoch: signed.keyEpoch, epochKey: ek, message: signed },
                this.node.ctx.rng(12),
              ),
            );
        }
        if (!v2Only && m.mac) envelopes.push(sealEnvelope(l.key, m, this.node.ctx.rng(12)));
      }
      try {
        for (let i = 0; i < envelopes.length; i += BATCH)
          await this.http("POST", "/messages", { circle_hint: l.hint, messages: envelopes.slice(i, i + BATCH) });
      } catch (e) {
        this.fail("push", e);
        this.retryPush(l);
        return;
      }
      l.pushDelayMs = 0;
      store.setSetting(ck, String(rows[rows.length - 1]!.seq));
    }
  }

  /** Try a failed push again soon (rate limited, relay restarting, network gone for a moment). */
  private retryPush(l: CircleLink): void {
    if (this.stopped || l.pushRetry) return;
    l.pushDelayMs = Math.min(PUSH_RETRY_MAX_MS, l.pushDelayMs ? l.pushDelayMs * 2 : PUSH_RETRY_MS);
    l.pushRetry = setTimeout(() => {
      l.pushRetry = null;
      if (!this.stopped && this.links.get(l.circleId) === l) this.schedulePush(l.circleId);
    }, l.pushDelayMs);
  }

  /** Pull with the relay's monotonic cursor when it has one, else with since/server_time (-1 s overlap). */
  private async pull(l: CircleLink): Promise<void> {
    if (l.pulling) return;
    l.pulling = true;
    const store = this.node.store;
    const ck = `relay_pull:${this.base}:${l.circleId}`;
    try {
      for (let page = 0; page < 500 && !this.stopped; page++) {
        const saved = store.getSetting(ck) ?? "since:0";
        const [kind, val] = saved.split(":") as [string, string];
        const q = kind === "cursor" ? `cursor=${val}` : `since=${val}`;
        const r = await this.http("GET", `/messages?circle_hint=${l.hint}&${q}&limit=${PULL_LIMIT}`);
        const msgs = Array.isArray(r.messages) ? r.messages : [];
        this.ingest(l, msgs);
        let next: string;
        if (r.next_cursor !== undefined && r.next_cursor !== null) next = `cursor:${Number(r.next_cursor)}`;
        else next = `since:${Math.max(Number(val) || 0, (Number(r.server_time) || 0) - 1)}`;
        store.setSetting(ck, next);
        const more = r.more === true || (r.more === undefined && msgs.length >= PULL_LIMIT && next !== saved);
        if (!more) break;
      }
    } catch (e) {
      this.fail("pull", e);
    } finally {
      l.pulling = false;
    }
  }

  /** Verify, MAC and store envelopes from the relay. Returns the newly stored messages. */
  ingest(l: CircleLink, raws: unknown[]): StoredMessage[] {
    const store = this.node.store;
    const now = this.node.ctx.now();
    const stored: StoredMessage[] = [];
    const first = store.getCircle(l.circleId);
    if (!first) return stored;
    let circle = first;
    store.transaction(() => {
      for (const raw of raws) {
        if (isEnvelopeV2(raw)) {
          circle = store.getCircle(l.circleId) ?? circle; // a REKEY earlier in this batch raises the epoch
          const c = circle;
          const v = openEnvelopeV2(raw, {
            secret: l.secret,
            circleId: l.circleId,
            keyOf: (e) => epochKey(store, c, e),
          });
          if (!v.ok) {
            l.ahead.hold(raw, c.keyEpoch);
            continue;
          }
          const r = acceptSigned(v2Ctx(this.node.ctx), c, v.value.wire, this.origin);
          if (r.ok) stored.push(r.value);
          continue;
        }
        if (circle.mode === "v2") continue; // v2-only: the static secret's envelopes are not trusted
        const v = openEnvelope(l.key, l.secret, l.circleId, raw);
        if (!v.ok) continue;
        const m = v.value;
        if (store.hasMessage(m.msgId)) continue;
        const withMac = { ...m, mac: m.mac ?? computeMac(l.secret, m) };
        const row = storeVerified(store, this.node.calls, withMac, this.origin, now);
        if (row) stored.push(row);
      }
    });
    if (stored.length) this.node.stored(stored, { path: "relay" });
    if (l.ahead.size) stored.push(...this.retryAhead(l));
    return stored;
  }

  /** Envelopes held for a newer epoch, opened again once this node's epoch has risen. */
  private retryAhead(l: CircleLink): StoredMessage[] {
    const held = l.ahead.takeIfRisen(this.node.store.getCircle(l.circleId)?.keyEpoch ?? 0);
    return held.length ? this.ingest(l, held) : [];
  }

  private openWs(l: CircleLink): void {
    const u = this.url(`/relay/ws?circle_hint=${l.hint}&node_id=${encodeURIComponent(this.node.nodeId)}`).replace(
      /^http/,
      "ws",
    );
    let ws: WebSocket;
    try {
      ws = new WebSocket(u);
    } catch {
      l.wsRetry = Date.now() + 30_000;
      return;
    }
    l.ws = ws;
    ws.onopen = () => {
      l.wsLive = true;
      void this.pull(l);
    };
    ws.onmessage = (ev) => {
      let f: any;
      try {
        f = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (f?.t === "MESSAGES" && Array.isArray(f.messages)) this.ingest(l, f.messages);
      else if (f?.t === "PING") ws.send(JSON.stringify({ t: "PONG" }));
    };
    ws.onclose = () => {
      if (l.ws === ws) {
        l.ws = null;
        l.wsLive = false;
        l.wsRetry = Date.now() + 5_000;
      }
    };
    ws.onerror = () => {};
  }
}
