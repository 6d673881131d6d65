// Mentions by whole display name (issue 14, item 7): spaces and case, the longest known name
// winning, a mention ending where a name cannot go on; completion by the same rule; and the
// store's badge and notification hook counting only mentions of this user's whole name.
import { describe, expect, test } from "bun:test";
import { ChatStore, keyOf } from "../../ui/shared/chat-store.ts";
import { Completer, candidates } from "../../ui/shared/completion.ts";
import { mentionCompletions } from "../../ui/shared/completion.ts";
import { mentionAt, mentions, parseInline } from "../../ui/shared/format.ts";
import { FakeBackend, msg } from "./fake-backend.ts";

const tags = (text: string, self: string[], names: string[] = []) =>
  parseInline(text, self, names).flatMap((t) => (t.t === "mention" ? [`${t.text}${t.self ? "!" : ""}`] : []));

describe("mention parsing", () => {
  test("a name with a space is one mention, in any case", () => {
    expect(tags("hi @Alice W. how are you", ["Alice W."])).toEqual(["@Alice W.!"]);
    expect(tags("hi @alice w., sure", ["Alice W."])).toEqual(["@alice w.!"]);
    expect(mentions("ping @ALICE W.", ["Alice W."])).toBe(true);
    expect(mentions("@Alice W.", ["alice w."])).toBe(true);
  });
  test("the longest known name wins", () => {
    // "Al" is me; "Al Bundy" is someone else: "@Al Bundy" is not a mention of me
    expect(tags("@Al Bundy hi", ["Al"], ["Al Bundy"])).toEqual(["@Al Bundy"]);
    expect(mentions("@Al Bundy hi", ["Al"], ["Al Bundy"])).toBe(false);
    expect(mentions("@Al hi", ["Al"], ["Al Bundy"])).toBe(true);
    expect(mentionAt("@al bundy!", 0, ["Al", "Al Bundy"])).toBe("al bundy");
  });
  test("a mention ends at a non-name character", () => {
    expect(mentions("@Alicex", ["Alice"])).toBe(false);
    expect(mentions("@Alice_2 hi", ["Alice"])).toBe(false);
    expect(mentions("@Alice-B", ["Alice"])).toBe(false);
    expect(mentions("@Alice, hi", ["Alice"])).toBe(true);
    expect(mentions("(@Alice)", ["Alice"])).toBe(true);
    expect(mentions("@Alice W.x", ["Alice W."])).toBe(false);
    expect(mentions("mail alice@example.org", ["alice"])).toBe(false);
  });
  test("an unknown @word is still shown as a mention of someone else", () => {
    expect(tags("@carol and @Alice W.", ["Alice W."])).toEqual(["@carol", "@Alice W.!"]);
  });
});

describe("mention completion", () => {
  const names = ["Alice W.", "Alice Z", "Bob"];
  test("completes a name with spaces, the same rule as parsing", () => {
    expect(mentionCompletions("hi @Alice W", names)).toEqual({ prefix: "Alice W", matches: ["Alice W."] });
    expect(mentionCompletions("hi @ali", names)).toEqual({ prefix: "ali", matches: ["Alice W.", "Alice Z"] });
    expect(mentionCompletions("@bob and @alice z", names)).toBeNull(); // complete already
    expect(mentionCompletions("hi there", names)).toBeNull();
  });
  test("Tab turns '@alice w' into '@Alice W. '", () => {
    const src = { commands: [], names, channels: [], circles: [] };
    expect(candidates("hey @alice w", src)).toEqual({ start: 4, matches: ["@Alice W."] });
    expect(new Completer().complete("hey @alice w", src)?.value).toBe("hey @Alice W. ");
    const c = new Completer();
    expect(c.complete("hey @ali", src)?.value).toBe("hey @Alice ");
    expect(c.complete("hey @Alice W", src)?.value).toBe("hey @Alice W. ");
  });
});

describe("badge and notification", () => {
  const C = "c".repeat(24);
  test("count mentions of the whole name only, spaces included", async () => {
    const backend = new FakeBackend();
    backend.state.node.displayName = "Alice W.";
    backend.addCircle(C, "friends", ["general", "random"]);
    const store = new ChatStore(backend);
    await store.init();
    const heard: string[] = [];
    store.onMention = (m) => heard.push(m.text);
    const say = (text: string, channelId = "random") =>
      backend.emit({ t: "message", message: msg({ circleId: C, channelId, text }) });
    say("@Alice W. look");
    say("@alice w., again");
    say("@Alice what"); // not the whole name
    expect(store.state.unread[keyOf(C, "random")]).toBe(3);
    expect(store.state.mentioned[keyOf(C, "random")]).toBe(2);
    say("@ALICE W. here too", "general");
    expect(heard).toEqual(["@ALICE W. here too"]);
  });
});
