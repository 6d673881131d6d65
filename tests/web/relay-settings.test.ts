// The relay-only peer's settings (served by its actions chunk): a relay URL is checked, saved
// and used from then on; a display name is saved and told to every circle by a fresh card.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { FelundError } from "../../src/protocol/errors.ts";
import type { MessageView } from "../../ui/shared/types.ts";
import { MemoryPersistence } from "../../ui/web/src/relay/persist.ts";
import { RelayBackend } from "../../ui/web/src/relay/relay-backend.ts";
import { startRelay, type TestRelay } from "./relay-helpers.ts";

let relay: TestRelay;
let other: TestRelay;
beforeAll(() => {
  relay = startRelay();
  other = startRelay();
});
afterAll(() => {
  relay.stop();
  other.stop();
});

test("relay URL and display name: checked, saved, in the state, the name in a new card", async () => {
  const persist = new MemoryPersistence();
  const b = await RelayBackend.open({ relayBase: relay.base, persist, pollMs: 300, idlePollMs: 2000 });
  try {
    const { circleId } = await b.createCircle("settings");
    const err = await b.updateSettings({ relayBase: "ftp://relay.example" }).catch((e) => e);
    expect(err).toBeInstanceOf(FelundError);
    expect(err).toMatchObject({ code: "E_BAD_INPUT", message: "relay URL must start with http:// or https://" });

    await b.updateSettings({ relayBase: `${other.base}/` });
    expect((await b.getState()).node.relayBase).toBe(other.base);
    expect(persist.snap.node?.relayBase).toBe(other.base);

    const written: MessageView[] = [];
    const off = b.subscribe((e) => void (e.t === "message" && written.push(e.message)));
    await b.updateSettings({ displayName: "  renamed  " });
    off();
    expect((await b.getState()).node.displayName).toBe("renamed");
    expect(persist.snap.node?.displayName).toBe("renamed");
    expect(written).toMatchObject([{ circleId, displayName: "renamed", own: true, verified: "sig" }]);
  } finally {
    b.close();
  }
});
