// The download budget of the web client (issue 4): at first load, relay-only mode (the browser
// is its own v2 peer; after setup, and with a message sent) and local mode each fetch at most
// FIRST_LOAD_BUDGET of JavaScript gzip (issue 4's and 16's 45 KB; see bench/bundle.ts); after a message is
// sent (the first keystroke loads typing's sending half and the Ed25519 code that signs) at most
// AFTER_SEND_BUDGET (48.5 KB). Measured by bench/bundle.ts in Chromium: the scripts the page
// really requests, each gzipped at level 9. Sizes depend on the build alone, not on timing.
import { expect, test } from "bun:test";
import { AFTER_SEND_BUDGET, FIRST_LOAD_BUDGET, measureBundle } from "../../bench/bundle.ts";

test("relay-only and local first loads stay within the budget (45 KB of JavaScript gzip; 48.5 KB once a message is sent)", async () => {
  const f = await measureBundle();
  const show = (l: { files: string[]; bytes: number }) => `${l.bytes} B: ${l.files.join(", ")}`;
  expect(f.relayFirstLoad.bytes, show(f.relayFirstLoad)).toBeLessThanOrEqual(FIRST_LOAD_BUDGET);
  expect(f.relayAfterSend.bytes, show(f.relayAfterSend)).toBeLessThanOrEqual(AFTER_SEND_BUDGET);
  expect(f.localFirstLoad.bytes, show(f.localFirstLoad)).toBeLessThanOrEqual(FIRST_LOAD_BUDGET);
  // what a returning relay-only user never loads to chat: owner actions, admission, legacy v1, dialogs, commands,
  // notification settings (none saved), control events' authority and effects and the calls' registry (no control
  // event came), the sealed channels' code (no channel key held: sealed-soon.ts)
  for (const lazy of [
    "relay-actions",
    "admission",
    "legacy",
    "modals",
    "setup",
    "commands",
    "local-backend",
    "notify-attach",
    "v2-control-effects",
    "call-registry",
    "mem-control",
    "v2-events",
    "channel-keys",
  ])
    expect(f.relayAfterSend.files.filter((x) => x.startsWith(lazy + "-"))).toEqual([]);
  // the Ed25519 code comes with the first signature (the first keystroke), not at start
  expect(f.relayFirstLoad.files.filter((x) => x.startsWith("ed-noble-"))).toEqual([]);
  expect(f.relayAfterSend.files.filter((x) => x.startsWith("ed-noble-"))).toHaveLength(1);
  expect(f.localFirstLoad.files.filter((x) => x.startsWith("relay-"))).toEqual([]);
}, 60_000);
