// Who can join a channel, in plain words, for the create-channel dialog (web), the TUI's
// /channel create (its help, its errors and what it answers) and /help.
import type { AccessMode } from "./types.ts";

export const ACCESS_MODES: readonly { mode: AccessMode; label: string; who: string }[] = [
  { mode: "public", label: "Public", who: "everyone in the circle" },
  { mode: "key", label: "Key", who: "anyone who knows the passphrase you share" },
  { mode: "invite", label: "Invite", who: "only members you approve" },
];

/** "everyone in the circle" for "public", and so on. */
export const whoCanJoin = (mode: AccessMode): string => ACCESS_MODES.find((m) => m.mode === mode)?.who ?? mode;

/** "public: everyone in the circle; key: …; invite: …" */
export const modesInWords = (): string => ACCESS_MODES.map((m) => `${m.mode}: ${m.who}`).join("; ");
