// Compact felund2 codes (docs/PROTOCOL.md §10.3) and pasted codes with whitespace: the compact
// form round-trips, is much shorter than the long form (no signature, the invite id derived from
// the ticket), the long form stays accepted, spaces and line breaks anywhere are dropped before
// decoding (both code families), a damaged code says so, and a bad code gives a clear FelundError
// at the join. The byte-exact cases are tests/vectors/v2-invite-compact.json.
import { describe, expect, test } from "bun:test";
import { decodeInvite, encodeInvite } from "../../src/protocol/invite.ts";
import { FelundError } from "../../src/protocol/errors.ts";
import { nodeKeysFromSeed } from "../../src/protocol/v2/keys.ts";
import {
  DAMAGED,
  decodeInvite2,
  encodeInvite2,
  encodeInvite2Compact,
  type Invite2,
  inviteIdOf,
} from "../../src/protocol/v2/invite.ts";
import { joinCircle } from "../../src/peer/actions.ts";
import { codeInviteId } from "../../ui/shared/invites.ts";
import { joinV2 } from "../../src/peer/join2.ts";
import { ALICE_SEED, CIRCLE_ID, TS, bytes, fill } from "./vector-inputs.ts";

const owner = nodeKeysFromSeed(bytes(ALICE_SEED));
const TICKET = bytes(fill(101, 32));
const base: Invite2 = {
  inviteId: inviteIdOf(TICKET),
  ticket: TICKET,
  circleId: CIRCLE_ID,
  circleName: "friends",
  ownerKey: owner.edPublic,
  peer: "192.168.1.20:9999",
  issuedTs: TS,
  expiresTs: TS + 7 * 86400,
  maxUses: 0,
};
const RELAY = { ...base, peer: "https://relay.example.org" };

/** spaces, tabs and line breaks at every `step` characters, as a chat or mail client might wrap */
const mangle = (code: string, step: number) =>
  code.replace(new RegExp(`(.{${step}})`, "g"), (m, _g, i: number) => m + ["\n", " ", "\r\n", "\t "][i % 4]);

describe("compact felund2 codes", () => {
  test("round trip: the compact code decodes to the invite, as the long one does", () => {
    for (const inv of [
      base,
      RELAY,
      { ...base, peer: "http://relay.lan:8080/x", maxUses: 5 },
      { ...base, peer: "[::1]:9999", circleName: "ünïcode ✓" },
      { ...base, peer: "010.1.1.1:9999" },
      { ...base, peer: "10.0.0.1:65535", maxUses: 1_000_000 },
    ]) {
      const compact = encodeInvite2Compact(inv, owner.edSecret);
      const long = encodeInvite2(inv, owner.edSecret);
      expect(compact.startsWith("felund2.")).toBe(true);
      const a = decodeInvite2(compact, TS);
      const b = decodeInvite2(long, TS);
      expect(a).toEqual(b);
      expect(a.ok && a.value).toEqual(inv);
      expect(compact.length).toBeLessThan(long.length * 0.6);
    }
  });

  test("the compact form carries no signature and no invite id: the id is the ticket's", () => {
    const compact = encodeInvite2Compact(base, owner.edSecret);
    const raw = Buffer.from(compact.slice(8), "base64url");
    expect(raw[0]).toBe(3);
    expect(raw.includes(Buffer.from(base.ticket))).toBe(true);
    expect(raw.includes(Buffer.from(base.inviteId))).toBe(false);
    const d = decodeInvite2(compact, TS);
    expect(d.ok && Buffer.from(d.value.inviteId).toString("hex")).toBe(
      new Bun.CryptoHasher("sha256")
        .update(Uint8Array.from([0, 0, 0, 17, ...Buffer.from("felund2/invite-id"), ...base.ticket]))
        .digest("hex")
        .slice(0, 32),
    );
    // what the F2 dialogs read to mark the shown code's row, without decoding it
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    expect(codeInviteId(compact)).toBe(hex(base.inviteId));
    expect(codeInviteId(encodeInvite2(base, owner.edSecret))).toBe(hex(base.inviteId));
    // an invite whose id is not its ticket's (one issued before ids were derived) keeps the long, signed form
    const odd = { ...base, inviteId: bytes(fill(100, 16)) };
    const c = encodeInvite2Compact(odd, owner.edSecret);
    expect(c).toBe(encodeInvite2(odd, owner.edSecret));
    expect(decodeInvite2(c, TS)).toEqual({ ok: true, value: odd });
  });

  test("shorter: a LAN code and a relay code, before and after", () => {
    const lens = [base, RELAY].map((i) => [
      encodeInvite2(i, owner.edSecret).length,
      encodeInvite2Compact(i, owner.edSecret).length,
    ]);
    // (long, compact): the figures quoted in docs/PROTOCOL.md §10.3
    expect(lens).toEqual([
      [308, 148],
      [319, 164],
    ]);
  });

  test("whitespace and line breaks anywhere are dropped (felund2 both forms, felund1)", () => {
    const codes = [encodeInvite2Compact(base, owner.edSecret), encodeInvite2(RELAY, owner.edSecret)];
    for (const c of codes)
      for (const step of [1, 7, 40, 64]) {
        const m = `  \n${mangle(c, step)}\n `;
        expect(m).not.toBe(c);
        expect(decodeInvite2(m, TS)).toEqual(decodeInvite2(c, TS));
      }
    const v1 = encodeInvite("ab".repeat(32), "10.0.0.1:9999");
    expect(decodeInvite(mangle(v1, 5))).toEqual(decodeInvite(v1));
    expect(decodeInvite(`fel und1.${v1.slice(8)}`)).toEqual(decodeInvite(v1));
  });

  test("bad codes: clear verdicts, and a FelundError E_BAD_INVITE at the join", async () => {
    const c = encodeInvite2Compact(base, owner.edSecret);
    const cases: [string, string][] = [
      [c.slice(0, 80), DAMAGED],
      [c.slice(0, -3) + "AAA", DAMAGED],
      [c.slice(0, 40) + (c[40] === "Q" ? "R" : "Q") + c.slice(41), DAMAGED],
      [c.slice(0, 40) + c.slice(41), DAMAGED],
      [c.slice(0, 40) + "Q" + c.slice(40), DAMAGED],
      // a long code altered keeps failing on its signature
      [encodeInvite2(RELAY, owner.edSecret).replace(/.{6}$/, "AAAAAA"), "invite is not signed by the circle owner"],
      ["felund2.", "unsupported invite version"],
      ["felund2.BA", "unsupported invite version"],
      ["felund2.A%", "invite code is not base64url"],
      ["felund3.AAAA", 'invite code must start with "felund2."'],
    ];
    for (const [code, reason] of cases) {
      expect(decodeInvite2(code, TS)).toMatchObject({ ok: false, reason });
      const err = await joinV2({ now: () => TS, store: { getCircle: () => null } } as never, code, {} as never).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(FelundError);
      expect(err.code).toBe("E_BAD_INVITE");
      expect(err.message).toBe(`invalid invite code: ${reason}`);
    }
    // a felund1 path given garbage says which prefixes it takes
    expect(() => joinCircle({} as never, { code: "hello there" })).toThrow(
      /must start with "felund2\." or "felund1\."/,
    );
  });
});
