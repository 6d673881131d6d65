// POST /v1/messages/batch, the history push (docs/PROTOCOL.md §25): batches signed with the
// circle's push key spend its push allowance, not its ordinary rate; unsigned, badly signed and
// other keys are refused without storing anything; floods beyond the allowance, or over
// POST /v1/messages from whoever knows the hint, are still refused with 429.
import { describe, expect, test } from "bun:test";
import { NO_RATE_LIMITS } from "../../src/relay/config.ts";
import { pushAllowance, pushKey } from "../../src/protocol/v2/push-allowance.ts";
import { envelope, HINT, makeRelay, msgId, type TestRelay } from "./helpers.ts";

const member = pushKey(new Uint8Array(32).fill(7));
const outsider = pushKey(new Uint8Array(32).fill(9));

async function batch(r: TestRelay, messages: unknown[], key = member, o: { ts?: number; hint?: string } = {}) {
  const hint = o.hint ?? HINT;
  const body = JSON.stringify({ circle_hint: hint, messages });
  const header = pushAllowance(key, hint, body, o.ts ?? r.nowS());
  return r.call("POST", "/v1/messages/batch", body, { "x-felund-push": header });
}
const count = (r: TestRelay) =>
  (r.db.$client.query("SELECT count(*) AS n FROM relay_messages").get() as { n: number }).n;
const ids = (r: TestRelay) =>
  (r.db.$client.query("SELECT msg_id FROM relay_messages ORDER BY seq").all() as { msg_id: string }[]).map(
    (x) => x.msg_id,
  );
// the default per-hint rate (100/s, burst 1000) and a push allowance of 5,000 at once
const limited = () =>
  makeRelay({
    rate: {
      ...NO_RATE_LIMITS,
      hintMessages: { perSecond: 100, burst: 1000 },
      hintPush: { perSecond: 1000, burst: 5000 },
    },
  });

describe("POST /v1/messages/batch", () => {
  test("the push key and X-Felund-Push of docs/PROTOCOL.md §25 (test vector)", () => {
    expect(member.publicHex).toBe("6bbc2987807a080dc06abb2b26417a6f066e66c1c20cae1b62e61839fcc79c71");
    const h = pushAllowance(member, HINT, `{"circle_hint":"${HINT}","messages":[]}`, 1_800_000_000);
    expect(h).toBe(
      "1800000000.6bbc2987807a080dc06abb2b26417a6f066e66c1c20cae1b62e61839fcc79c71." +
        "1c396e5e7440eb2915bb39a7e4d61d2e1ddeab864974233c41a08a7667289873c6474a537d4c5c6496864d4edbfc2cf3a424e463856cf1cb11b54d6a75626a0e",
    );
  });

  test("a member's 4,000-envelope history goes in at once, in order, and a re-push stores none twice", async () => {
    const r = limited();
    const sent = Array.from({ length: 4000 }, () => envelope());
    let stored = 0;
    for (let i = 0; i < sent.length; i += 1000) {
      const res = await batch(r, sent.slice(i, i + 1000));
      expect(res.status).toBe(200);
      stored += res.json.stored;
    }
    expect(stored).toBe(4000);
    expect(ids(r)).toEqual(sent.map((e) => e.msg_id));
    const again = await batch(r, sent.slice(0, 1000));
    expect(again.status).toBe(200);
    expect(again.json.stored).toBe(0);
    expect(count(r)).toBe(4000);
    // the ordinary rate of the hint is untouched: a live message still goes in
    expect((await r.post(HINT, [envelope()])).status).toBe(200);
  });

  test("beyond the allowance: 429 with Retry-After, nothing of that batch stored", async () => {
    const r = limited();
    for (let i = 0; i < 5; i++)
      expect(
        (
          await batch(
            r,
            Array.from({ length: 1000 }, () => envelope()),
          )
        ).status,
      ).toBe(200);
    // the bucket is spent (into debt by the last batch at most): the next is refused
    const res = await batch(
      r,
      Array.from({ length: 1000 }, () => envelope()),
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(count(r)).toBe(5000);
    r.advance(2);
    expect((await batch(r, [envelope()])).status).toBe(200);
  });

  test("a flood over POST /v1/messages from whoever knows the hint is still throttled", async () => {
    const r = limited();
    let refused = 0;
    for (let i = 0; i < 30; i++) {
      const res = await r.post(
        HINT,
        Array.from({ length: 50 }, () => envelope()),
      );
      if (res.status === 429) refused++;
    }
    expect(refused).toBeGreaterThan(0);
    expect(count(r)).toBeLessThanOrEqual(1050);
  });

  test("unsigned, malformed, stale, wrongly signed and unpinned keys: 401, nothing stored", async () => {
    const r = limited();
    const body = JSON.stringify({ circle_hint: HINT, messages: [envelope()] });
    const none = await r.call("POST", "/v1/messages/batch", body);
    expect(none.status).toBe(401);
    expect(none.json.detail).toContain("missing");
    const junk = await r.call("POST", "/v1/messages/batch", body, { "x-felund-push": "1.2.3" });
    expect(junk.status).toBe(401);
    const stale = await batch(r, [envelope()], member, { ts: r.nowS() - 3600 });
    expect(stale.status).toBe(401);
    expect(stale.json.detail).toContain("timestamp");
    // signed for another body: the signature covers the exact bytes
    const other = pushAllowance(member, HINT, JSON.stringify({ circle_hint: HINT, messages: [] }), r.nowS());
    const swapped = await r.call("POST", "/v1/messages/batch", body, { "x-felund-push": other });
    expect(swapped.status).toBe(401);
    expect(count(r)).toBe(0);
    // the member's key is pinned by its first valid batch; an outsider's is then refused
    expect((await batch(r, [envelope()])).status).toBe(200);
    const foreign = await batch(r, [envelope()], outsider);
    expect(foreign.status).toBe(401);
    expect(foreign.json.detail).toContain("pinned");
    expect(count(r)).toBe(1);
    // pins are per hint: the outsider may pin its own circle
    expect((await batch(r, [envelope()], outsider, { hint: "0011223344556677" })).status).toBe(200);
  });

  test("bad bodies: 400 as POST /v1/messages (a bad msg_id, a long text, more than 1000 envelopes), nothing stored", async () => {
    const r = limited();
    expect((await batch(r, [{ msg_id: "x" }])).status).toBe(400);
    expect(
      (
        await batch(
          r,
          Array.from({ length: 1001 }, () => envelope()),
        )
      ).status,
    ).toBe(400);
    expect((await batch(r, [envelope(msgId(), { text: "x".repeat(5000) })])).status).toBe(400);
    expect(count(r)).toBe(0);
  });
});
