// Colours and glyphs of the terminal front end, in one place. Author colours come from
// ui/shared/format.ts so a person has the same colour in the web client and here.
export const theme = {
  bg: "#1b1e24",
  border: "#5c6370",
  title: "#61afef",
  text: "#d7dae0",
  dim: "#7f848e",
  accent: "#61afef",
  active: "#e5c07b",
  unread: "#ffffff",
  mention: "#e5c07b",
  mentionSelfFg: "#1e2127",
  mentionSelfBg: "#e5c07b",
  codeFg: "#98c379",
  codeBg: "#2c313a",
  link: "#56b6c2",
  notice: "#7f848e",
  error: "#e06c75",
  live: "#98c379",
  connecting: "#e5c07b",
  offline: "#e06c75",
  modalBg: "#262a33",
  debugText: "#8a8f98",
} as const;

/** Width of the sidebar for a terminal `width` columns wide (20 at 80 columns). */
export const sidebarWidth = (width: number): number => Math.max(16, Math.min(26, Math.floor(width / 4)));
