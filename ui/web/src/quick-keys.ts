// Ctrl+K opens the quick switcher (components/quick-switch.tsx); Alt+↑ / Alt+↓ go to the
// channel before or after the active one, across circles in sidebar order (ui/shared/switcher.ts).
// A chunk loaded at the first of these keys.
import { adjacentChannel } from "../../shared/switcher.ts";
import type { AppStore } from "./app-store.ts";

export function quickKey(app: AppStore, key: string): void {
  if (key === "k") {
    app.openModal("switcher");
    return;
  }
  const s = app.state();
  const t = adjacentChannel(s.app?.circles ?? [], s.circleId, s.channelId, key === "ArrowUp" ? -1 : 1);
  if (t) void app.select(t.circleId, t.channelId);
}
