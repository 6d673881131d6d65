// The notification menu of the open channel (the channel title in the top bar opens it): what the
// channel notifies (every message, mentions and keywords, or nothing), muting the circle, and the
// circle's keywords. It runs the shared commands (/notify, /mute, /unmute, /keywords:
// ui/shared/notify-settings.ts), so it changes exactly what they change, and the unread badges
// and desktop notifications follow (notify-attach.ts). Part of the dialogs' chunk.
import { For, createSignal } from "solid-js";
import { levelOf, type NotifyLevel } from "../../../../src/peer/notify-prefs.ts";
import { attachPrefs, held } from "../../../shared/notify-attach.ts";
import { useApp } from "../app-store.ts";
import { Modal } from "./modal.tsx";

const LEVELS: [NotifyLevel, string][] = [
  ["all", "Every message"],
  ["mentions", "Mentions and keywords"],
  ["none", "Nothing"],
];

export function NotifyMenu() {
  const app = useApp();
  const circleId = app.state().circleId ?? "";
  const channelId = app.state().channelId;
  const prefs = () => held.get(app.core)?.prefs;
  const [level, setLevel] = createSignal<NotifyLevel>("all");
  const [muted, setMuted] = createSignal(false);
  const [words, setWords] = createSignal("");
  // `withWords`: also the keywords field — not after a level or mute change, which would
  // overwrite what the user is typing there meanwhile
  const read = (withWords: boolean) => {
    const p = prefs();
    if (!p) return;
    setLevel(levelOf(p, circleId, channelId));
    setMuted(p.muted.includes(circleId));
    if (withWords) setWords((p.keywords[circleId] ?? []).join(", "));
  };
  // the settings already loaded (the menu opened before): shown at once, not a frame later
  read(true);
  void attachPrefs(app.core).then(() => read(words() === ""));
  const run = async (line: string, withWords = false) => {
    await app.submit(line);
    read(withWords);
  };
  return (
    <Modal title={`Notifications: ${app.title()}`} testid="notify-menu">
      <div>
        <fieldset class="form">
          <legend>This channel notifies</legend>
          <For each={LEVELS}>
            {([l, label]) => (
              <label>
                <input
                  type="radio"
                  name="notify-level"
                  value={l}
                  data-testid={`notify-${l}`}
                  checked={level() === l}
                  onChange={() => void run(`/notify ${l}`)}
                />{" "}
                {label}
              </label>
            )}
          </For>
        </fieldset>
        <label>
          <input
            type="checkbox"
            data-testid="notify-mute"
            checked={muted()}
            onChange={(e) => void run(e.currentTarget.checked ? "/mute" : "/unmute")}
          />{" "}
          Mute this circle (no unread badges; mentions and keywords still count)
        </label>
        <form
          class="form"
          onSubmit={(e) => {
            e.preventDefault();
            void run(`/keywords ${words().trim() || "-"}`, true);
          }}
        >
          <label>
            <span>Keywords of this circle (comma separated; they count as mentions)</span>
            <input
              name="keywords"
              data-testid="notify-keywords"
              value={words()}
              onInput={(e) => setWords(e.currentTarget.value)}
            />
          </label>
          <button type="submit">Save keywords</button>
        </form>
      </div>
    </Modal>
  );
}
