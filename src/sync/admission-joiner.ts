// The joiner's side of felund2 admission through a relay (relay-admission.ts): a
// V2Exchange.joiner whose lines go to the code's owner by /v1/signal, answers read back by session.
import { toHex } from "../protocol/bytes.ts";
import { circleHint, circleIdFromSecret } from "../protocol/ids.ts";
import * as L from "../protocol/limits.ts";
import { accept, reject, type Verdict } from "../protocol/verdict.ts";
import type { Admit } from "../protocol/v2/frames.ts";
import type { Invite2 } from "../protocol/v2/invite.ts";
import { bytesEqual, nodeIdOf } from "../protocol/v2/keys.ts";
import { ADMISSION_PREFIX, ADMISSION_SIGNAL } from "./admission-signal.ts";
import { admissionPost, errorText, isSignalRow, shapedAs, type SignalIo, type SignalPost } from "./admission-wire.ts";
import { TentativeExchange, type Verified } from "./tentative-exchange.ts";
import { V2Exchange, type V2Deps } from "./v2-exchange.ts";

/**
 * The joiner takes the issuer's V2_HS only if it completes the handshake, and a session frame
 * only if it opens under the session keys: an ADMIT, or the issuer's sealed refusal.
 */
const joinerVerified: Verified = (before, after) => {
  if (!before.result.established) return after.result.established;
  return !!after.result.admitted || after.abortReason.startsWith("issuer refused: ");
};

/**
 * An ADMIT is taken only from the code's owner key (the handshake proved `peerNodeId`), naming
 * that owner, for the circle the code names: what lets a compact code go unsigned (§10.3).
 */
export function admitFromOwner(inv: Invite2, peerNodeId: string, a: Admit): Verdict<Admit> {
  if (peerNodeId !== nodeIdOf(inv.ownerKey)) return reject("admitted by a node that is not the circle's owner");
  if (!bytesEqual(a.ownerKey, inv.ownerKey)) return reject("the ADMIT names another owner than the code");
  if (circleIdFromSecret(toHex(a.secret)) !== inv.circleId)
    return reject("admitted to another circle than the code names");
  return accept(a);
}

export class AdmissionJoiner {
  readonly sessionId: string;
  /** a throwaway address for the answers: the relay never learns the joiner's node id */
  readonly replyId: string;
  readonly ownerId: string;
  private tx: TentativeExchange;
  private seen = new Set<string>();
  private lines = 0;
  private error = "";
  /** the last unverified ERROR line (it ends the join only if nothing verified follows in time) */
  unverifiedError = "";
  cursor = 0;

  constructor(
    deps: V2Deps,
    private inv: Invite2,
  ) {
    this.sessionId = ADMISSION_PREFIX + toHex(deps.rng(16));
    this.replyId = toHex(deps.rng(12));
    this.ownerId = nodeIdOf(inv.ownerKey);
    const ticket = { inviteId: inv.inviteId, ticket: inv.ticket, circleId: inv.circleId };
    this.tx = new TentativeExchange((rng) => V2Exchange.joiner({ ...deps, rng }, ticket, ""), deps.rng, true);
  }

  private get ex(): V2Exchange {
    return this.tx.exchange;
  }

  get done(): boolean {
    return this.ex.done || !!this.error;
  }

  private misshapen = 0;
  /** lines dropped because they did not verify (or were not even shaped like the line expected) */
  get dropped(): number {
    return this.tx.dropped + this.misshapen;
  }

  start(): SignalPost[] {
    return this.posts(this.tx.start().send);
  }

  receive(rows: unknown[]): SignalPost[] {
    const out: SignalPost[] = [];
    let trials = 0;
    for (const s of rows) {
      if (!isSignalRow(s)) continue;
      // tries are bounded per poll: the rest is read again from here next time
      if (trials >= L.V2_RELAY_ADMISSION_TRIALS_PER_POLL) break;
      if (s.id > this.cursor) this.cursor = s.id;
      if (this.done || s.session_id !== this.sessionId || s.from_node !== this.ownerId || s.type !== ADMISSION_SIGNAL)
        continue;
      if (this.seen.has(s.payload)) continue;
      this.seen.add(s.payload);
      const shaped = shapedAs(s.payload, this.ex.result.established ? "sealed" : "V2_HS");
      if (shaped) trials++;
      const step = shaped ? this.tx.offer(s.payload, joinerVerified) : null;
      if (!step) {
        if (!shaped) this.misshapen++;
        const err = errorText(s.payload);
        if (err !== null) this.unverifiedError = err;
        continue;
      }
      this.unverifiedError = "";
      if (++this.lines > L.V2_RELAY_ADMISSION_LINES_MAX) {
        this.fail("the issuer sent too many lines");
        continue;
      }
      out.push(...this.posts(step.send));
    }
    return out;
  }

  fail(reason: string): void {
    this.tx.abort(reason);
    this.error ||= reason;
  }

  /** The ADMIT, checked against the code (admitFromOwner). */
  result(): Verdict<Admit> {
    const a = this.ex.result.admitted;
    if (!a) return reject(this.error || this.ex.abortReason.replace(/^issuer refused: /, "") || "not admitted");
    return admitFromOwner(this.inv, this.ex.result.peerNodeId, a);
  }

  private posts(lines: string[]): SignalPost[] {
    return lines.map((l) =>
      admissionPost(this.sessionId, this.replyId, this.ownerId, circleHint(this.inv.circleId), l),
    );
  }
}

/**
 * Redeem a felund2 code through a relay: post the HELLO to the owner's node id, poll the
 * session's answers, post V2_AUTH, wait for ADMIT. At most V2_RELAY_ADMISSION_S seconds.
 */
export async function joinViaRelay(io: SignalIo, deps: V2Deps, inv: Invite2): Promise<Verdict<Admit>> {
  const j = new AdmissionJoiner(deps, inv);
  const deadline = io.nowMs() + L.V2_RELAY_ADMISSION_S * 1000;
  let errorSince = 0;
  try {
    for (const p of j.start()) await io.post(p);
  } catch (e) {
    return reject(`relay: ${(e as Error).message}`);
  }
  while (!j.done) {
    if (io.nowMs() > deadline) {
      j.fail("timeout");
      return reject(
        `the inviter did not answer through the relay within ${L.V2_RELAY_ADMISSION_S} s (their node or browser must be online)`,
      );
    }
    await io.sleep(L.V2_RELAY_ADMISSION_JOIN_POLL_MS);
    let rows: unknown[];
    try {
      rows = (await io.list({ toNodeId: j.replyId, sinceId: j.cursor, sessionId: j.sessionId })).signals;
    } catch {
      continue; // the relay hiccuped: keep trying until the deadline
    }
    try {
      for (const p of j.receive(rows)) await io.post(p);
    } catch (e) {
      j.fail(`relay: ${(e as Error).message}`);
    }
    // an unverified ERROR (a real refusal before the handshake, or a forgery) ends the join only
    // if nothing verified came after it in time
    if (!j.unverifiedError) errorSince = 0;
    else if (!errorSince) errorSince = io.nowMs();
    else if (io.nowMs() - errorSince > L.V2_RELAY_ADMISSION_ERROR_GRACE_MS)
      j.fail(`peer error: ${j.unverifiedError} (unverified)`);
  }
  return j.result();
}
