// Desktop notifications for mentions while the tab is hidden. Permission is asked on the
// first mention (or from settings); the choice to mute is kept per origin.
import type { MessageView } from "../../shared/types.ts";

const PREF_KEY = "felund.notify";

export const notificationsSupported = (): boolean => typeof Notification !== "undefined";
export const notificationsMuted = (): boolean => localStorage.getItem(PREF_KEY) === "off";
export const setNotificationsMuted = (off: boolean): void => localStorage.setItem(PREF_KEY, off ? "off" : "on");
export const notificationPermission = (): NotificationPermission | "unsupported" =>
  notificationsSupported() ? Notification.permission : "unsupported";

export async function askNotificationPermission(): Promise<NotificationPermission | "unsupported"> {
  if (!notificationsSupported()) return "unsupported";
  if (Notification.permission !== "default") return Notification.permission;
  return Notification.requestPermission();
}

export async function notifyMention(m: MessageView, where: string, onClick: () => void): Promise<void> {
  if (!notificationsSupported() || !document.hidden || notificationsMuted()) return;
  if ((await askNotificationPermission()) !== "granted") return;
  const n = new Notification(`${m.author} mentioned you in ${where}`, {
    body: m.text.slice(0, 240),
    tag: m.msgId,
    icon: "/icon-192.png",
  });
  n.onclick = () => {
    window.focus();
    onClick();
    n.close();
  };
}
