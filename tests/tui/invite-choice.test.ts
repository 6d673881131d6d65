// The terminal's F2 for the owner of a v2 circle: the route (through the relay by default when
// one is set), the expiry and the use limit are shown and chosen before a code is made, with the
// plain word that the inviter must be online; and when no copy was confirmed, c shows the bare
// code alone on the screen (no box characters on its rows) to select it.
import { afterEach, expect, test } from "bun:test";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import { decodeInvite2, encodeInvite2Compact } from "../../src/protocol/v2/invite.ts";
import type { InviteOptions } from "../../ui/shared/backend.ts";
import { NOT_CONFIRMED } from "../../ui/tui/clipboard.ts";
import { FakeBackend, T0 } from "./fake-backend.ts";
import { startHarness, type Harness } from "./harness.ts";

const RELAY = "https://relay.example.org";
const LAN = "192.168.1.20:9999";
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** an owner's backend with a relay set, whose inviteCode records what it was asked and signs a real code */
function ownerBackend() {
  const b = new FakeBackend({ name: "me" });
  b.app.node.relayBase = RELAY;
  b.app.node.listenAddr = LAN;
  const keys = nodeKeysFromSeed(new Uint8Array(32).fill(9));
  const asked: InviteOptions[] = [];
  let n = 0;
  b.inviteCode = async (circleId: string, opts: InviteOptions = {}) => {
    asked.push(opts);
    const ttl = opts.ttlS ?? 7 * 86400;
    return encodeInvite2Compact(
      {
        inviteId: new Uint8Array(16).fill(++n),
        ticket: new Uint8Array(32).fill(n),
        circleId,
        circleName: "mygroup",
        ownerKey: keys.edPublic,
        peer: opts.route === "relay" ? RELAY : LAN,
        issuedTs: T0,
        expiresTs: T0 + ttl,
        maxUses: opts.maxUses ?? 0,
      },
      keys.edSecret,
    );
  };
  return { b, asked };
}

test("F2: through the relay by default; n/e/u choose, m makes a code with the choice", async () => {
  const { b, asked } = ownerBackend();
  h = await startHarness(120, 40, b);
  h.t.mockInput.pressKey("F2");
  let f = await h.until((f) => f.includes("copied to the clipboard (test)"), "invite");
  expect(f).toContain(`Joiners reach you through the relay (${RELAY}) [n]`);
  expect(f).toContain("Expires in 7 days [e] · uses no limit [u]  (this code)");
  expect(f).toContain("This code works only while you are online");
  expect(asked).toEqual([{ route: "relay" }]);
  expect(h.copied).toHaveLength(1);
  expect(decodeInvite2(h.copied[0]!, T0)).toMatchObject({ ok: true, value: { peer: RELAY } });
  h.t.mockInput.pressKey("n");
  h.t.mockInput.pressKey("e");
  h.t.mockInput.pressKey("u");
  f = await h.until((f) => f.includes("press m to make a code with these"), "changed");
  expect(f).toContain(`Joiners reach you same network (${LAN}) [n]`);
  expect(f).toContain("Expires in 30 days [e] · uses 1 use [u]");
  h.t.mockInput.pressKey("m");
  f = await h.until((f) => f.includes("(this code)") && h!.copied.length === 2, "new code");
  expect(asked[1]).toEqual({ route: "lan", ttlS: 30 * 86400, maxUses: 1 });
  const inv = decodeInvite2(h.copied[1]!, T0);
  expect(inv).toMatchObject({ ok: true, value: { peer: LAN, maxUses: 1, expiresTs: T0 + 30 * 86400 } });
  expect(f).toContain("Expires in 30 days [e] · uses 1 use [u]  (this code)");
});

test("F2: a copy nobody confirmed is not called copied; c shows the bare code on clean rows", async () => {
  const { b } = ownerBackend();
  const said = `${NOT_CONFIRMED}: sent to the terminal's clipboard (OSC 52), which may ignore it`;
  h = await startHarness(80, 24, b, { copyResult: said });
  h.t.mockInput.pressKey("F2");
  let f = await h.until((f) => f.includes("press c for the code alone"), "invite");
  expect(f).not.toContain("copied to");
  const code = h.copied[0]!;
  h.t.mockInput.pressKey("c");
  f = await h.until((f) => f.includes("Select the code above"), "bare code");
  // the code's rows hold nothing but the code, from column 0 at full width: joined, they are the code
  const rows = h.lines();
  const codeRows = rows.slice(0, Math.ceil(code.length / 80));
  expect(codeRows.join("").trimEnd()).toBe(code);
  expect(f).not.toMatch(/[│╭╮╰╯]/);
  // any key returns to the dialog
  h.t.mockInput.pressKey("x");
  await h.until((f) => f.includes("╭─ invite") && !f.includes("Select the code above"), "back");
});
