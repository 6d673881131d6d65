// What a member can put in front of the CLI user: message text and display names full of
// terminal escapes (OSC 52 clipboard write, OSC 0 retitle, CSI 2K line erasure with a
// carriage return, bidi override) come out inert in the human listings and exact in --json;
// messages without an author signature are marked; shared names get an id suffix; a
// timestamp no Date can hold prints as a number, never "NaN".
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { openSqlite } from "../../db/sqlite.ts";
import { NodeStore } from "../../db/node-store.ts";
import { felund, freePort, removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);
setDefaultTimeout(60_000);

const EVE = "eeee11112222333344445555";
const MALLORY = "aaaa11112222333344445555";
const OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07";
const TITLE = "\x1b]0;owned\x07";
const FAKE_LINE = "hi\r\x1b[2K[2026-01-01 10:00:00] #general alice: send me your key";
const BIDI = "abc\u202edcba";
const MULTI = "first\n[2026-01-01 10:00:00] #general alice: fake";
const FAR = 9e15;
const LOOKALIKE = "pаypal"; // with a Cyrillic а: refused when created here, marked when a peer made it // seconds: past what a Date can hold

/** Terminal-active bytes: C0 but newline, DEL, C1, bidi controls. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

async function setup() {
  const d = tempDir();
  await felund(d, "init", "--bind", "127.0.0.1", "--port", String(freePort()), "--name", "alice");
  const { circleId } = JSON.parse((await felund(d, "invite", "--name", "club", "--legacy", "--json")).stdout);
  const store = new NodeStore(openSqlite(`${d}/felund.sqlite`));
  const now = Math.floor(Date.now() / 1000);
  const put = (n: number, author: string, name: string, text: string, ts = now - 100 + n) =>
    store.insertMessage(
      {
        msgId: n.toString(16).padStart(32, "0"),
        circleId,
        channelId: "general",
        authorNodeId: author,
        displayName: name,
        createdTs: ts,
        text,
        mac: "00".repeat(32),
      },
      { origin: "test", receivedAt: now, sortTs: Math.min(ts, now), sortMs: Math.min(ts, now) * 1000 },
    );
  put(1, EVE, `eve${TITLE}`, OSC52 + "paste this");
  put(2, EVE, "eve", FAKE_LINE);
  put(3, EVE, "eve", BIDI);
  put(4, EVE, "eve", MULTI);
  put(5, MALLORY, "alice", "I am alice too");
  put(6, EVE, "eve", "from the far future", FAR);
  store.putPeer({
    circleId,
    nodeId: EVE,
    addr: "127.0.0.1:1",
    lastSeen: now,
    lastOk: 0,
    failures: 0,
    source: "test",
    proto: "v1",
  });
  store.setDisplayName(EVE, `eve${OSC52}\u202e`, now);
  store.setCircleName(circleId, `club${TITLE}`);
  store.createChannel({
    circleId,
    channelId: LOOKALIKE,
    createdBy: EVE,
    createdTs: now,
    accessMode: "public",
    keyHash: "",
  });
  store.sql.close();
  return { d, circleId };
}

describe("peer text in the CLI is inert", () => {
  test("inbox, peers and circles: no escapes, newlines as ⏎, marks and suffixes; --json exact", async () => {
    const { d, circleId } = await setup();
    const inbox = await felund(d, "inbox", "--circle-id", circleId);
    expect(inbox.code).toBe(0);
    expect(inbox.stdout).not.toMatch(ACTIVE);
    const lines = inbox.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(6); // one line per message: the two-line message stays on one
    for (const l of lines) expect(l).toMatch(/^\[[^\]]+\] #general /);
    expect(inbox.stdout).toContain("\ufffd]52;c;cm0gLXJmIH4K\ufffdpaste this");
    expect(inbox.stdout).toContain("hi⏎\ufffd[2K[2026-01-01 10:00:00] #general alice: send me your key"); // CR is a newline
    expect(inbox.stdout).toContain("abc\ufffddcba");
    expect(inbox.stdout).toContain("first⏎[2026-01-01 10:00:00] #general alice: fake");
    // v1 (MAC-only) messages have no author signature: every one is marked
    expect(lines.every((l) => l.includes(" (unverified): "))).toBe(true);
    // mallory took alice's name: both alices carry an id suffix; the names of the one eve collide with nobody
    expect(inbox.stdout).toContain(`alice#${MALLORY.slice(0, 4)} (unverified): I am alice too`);
    // a far-future time prints as its number, not NaN
    expect(inbox.stdout).not.toContain("NaN");
    expect(inbox.stdout).toContain(`[(time ${FAR})] #general`);

    const json = JSON.parse((await felund(d, "inbox", "--circle-id", circleId, "--json")).stdout) as {
      text: string;
      createdTs: number;
    }[];
    expect(json.map((m) => m.text)).toEqual(expect.arrayContaining([OSC52 + "paste this", FAKE_LINE, BIDI, MULTI]));
    expect(json.some((m) => m.createdTs === FAR)).toBe(true);

    const peers = await felund(d, "peers");
    expect(peers.stdout).toContain(EVE);
    expect(peers.stdout).not.toMatch(ACTIVE);
    expect(peers.stdout).toContain("eve\ufffd]52;c;cm0gLXJmIH4K\ufffd\ufffd");
    expect(JSON.parse((await felund(d, "peers", "--json")).stdout)[0].name).toBe(`eve${OSC52}\u202e`);

    const circles = await felund(d, "circles");
    expect(circles.stdout).not.toMatch(ACTIVE);
    expect(circles.stdout).toContain("club\ufffd]0;owned\ufffd [owner]");
    expect(JSON.parse((await felund(d, "circles", "--json")).stdout)[0].name).toBe(`club${TITLE}`);

    const channels = await felund(d, "channels", "--circle-id", circleId);
    expect(channels.stdout).toContain(`#${LOOKALIKE} (mixed scripts)  public`);
    expect(channels.stdout).toContain("#general  public");
    expect(
      JSON.parse((await felund(d, "channels", "--circle-id", circleId, "--json")).stdout).map(
        (c: { channelId: string }) => c.channelId,
      ),
    ).toContain(LOOKALIKE);
  });
});
