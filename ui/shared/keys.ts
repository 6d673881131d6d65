// How a notice names an action's key: the function key on a keyboard ("press F2"), the button
// to tap on a touch screen ("tap Invite"), so a phone user is never told to press a key they
// do not have. Runtime-neutral: without matchMedia (the terminal) it is always the key.
type FKey = "F1" | "F2" | "F3" | "F4";
const BUTTON: Record<FKey, string> = { F1: "Help", F2: "Invite", F3: "Settings", F4: "Call" };

const media = (globalThis as { matchMedia?: (q: string) => { matches: boolean } }).matchMedia;
/** a touch screen without a fine pointer (a phone or tablet) */
export const isTouch = (): boolean => !!media?.("(pointer: coarse)").matches;

/** "F2", or on a touch screen the button's name ("Invite") */
export const keyName = (k: FKey): string => (isTouch() ? BUTTON[k] : k);
/** "press F2", or on a touch screen "tap Invite" */
export const pressKey = (k: FKey): string => (isTouch() ? "tap " : "press ") + keyName(k);
