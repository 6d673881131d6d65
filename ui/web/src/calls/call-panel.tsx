// F4: the call panel, docked above the log so the chat stays usable. Without a call: the calls
// in progress in this circle (join, or watch: receive only) or a button to start one here. In a
// call: participants with level meters, viewers (the host removes one with ✕), mute, camera
// (video tiles), devices, leave, and end for the host.
import { For, Show, createEffect, createMemo, onMount } from "solid-js";
import { CALL_MAX_PARTICIPANTS, CALL_MAX_VIEWERS } from "../../../../src/protocol/limits.ts";
import type { CallOp, CallView } from "../../../shared/types.ts";
import type { AppStore } from "../app-store.ts";
import { callController } from "./controller.ts";

function Tile(p: { stream: MediaStream; label: string }) {
  let el!: HTMLVideoElement;
  createEffect(() => {
    if (el.srcObject !== p.stream) el.srcObject = p.stream;
    void el.play().catch(() => {});
  });
  return (
    <figure class="tile" data-testid="video-tile">
      <video ref={el} autoplay playsinline muted />
      <figcaption>{p.label}</figcaption>
    </figure>
  );
}

function Meter(p: { level: number }) {
  return (
    <span class="vu" data-testid="vu" data-level={p.level.toFixed(2)}>
      <i style={{ width: `${Math.round(p.level * 100)}%` }} />
    </span>
  );
}

/** Takes the app store as a prop (not useApp): the panel's chunk then needs nothing of the main one but types. */
export default function CallPanel(p: { app: AppStore }) {
  const app = p.app;
  const ctl = callController(app);
  const me = () => app.state().app?.node.nodeId ?? "";
  const calls = createMemo(() => (app.state().app?.calls ?? []).filter((c) => c.circleId === app.state().circleId));
  const current = createMemo(() => {
    const j = ctl.joined();
    return j ? app.state().app?.calls.find((c) => c.sessionId === j.sessionId) : undefined;
  });
  const here = () => calls().find((c) => c.channelId === app.state().channelId);
  const name = (id: string) => app.core.nameOf(id);
  const act = async (op: CallOp, c?: CallView, target?: string) => {
    try {
      await ctl.run(op, {
        circleId: c?.circleId ?? app.state().circleId!,
        channelId: c?.channelId ?? app.state().channelId,
        sessionId: c?.sessionId,
        target,
      });
    } catch (e) {
      app.notice((e as Error).message, "error");
    }
  };
  const peer = (id: string) => ctl.peers().find((p) => p.nodeId === id);
  const kinds = (k: MediaDeviceKind) => ctl.devices().filter((d) => d.kind === k && d.deviceId);
  const canSink = "setSinkId" in HTMLMediaElement.prototype;
  const viewers = (c?: CallView) => c?.viewers ?? [];
  const watching = () => !!ctl.joined()?.viewer;
  onMount(() => void ctl.refreshDevices());

  return (
    <section class="call-panel" data-testid="call-panel" aria-label="Call">
      <header class="call-head">
        <strong>{current() ? `Call in #${current()!.channelId}` : "Calls"}</strong>
        <Show when={current()}>
          <span class="muted small">
            {current()!.participants.length} of {CALL_MAX_PARTICIPANTS} max
            {viewers(current()).length ? ` · ${viewers(current()).length}/${CALL_MAX_VIEWERS} watching` : ""}
          </span>
        </Show>
        <span class="grow" />
        <button
          type="button"
          class="icon-btn small"
          aria-label="Hide the call panel"
          title="Hide (F4)"
          onClick={() => app.setCallPanel(false)}
        >
          ×
        </button>
      </header>
      <Show
        when={current()}
        fallback={
          <div class="call-idle">
            <For each={calls()}>
              {(c) => (
                <div class="call-row" data-testid="call-row">
                  <span>
                    #{c.channelId}: {c.participants.map(name).join(", ")}
                    {viewers(c).length ? ` + ${viewers(c).length} watching` : ""}
                  </span>
                  <Show
                    when={c.participants.includes(me()) || viewers(c).includes(me())}
                    fallback={
                      <>
                        <button
                          type="button"
                          class="primary small"
                          data-testid="call-join"
                          disabled={ctl.busy() || c.participants.length >= CALL_MAX_PARTICIPANTS}
                          onClick={() => act("join", c)}
                        >
                          {c.participants.length >= CALL_MAX_PARTICIPANTS ? "Full" : "Join"}
                        </button>
                        <Show when={viewers(c).length < CALL_MAX_VIEWERS}>
                          <button
                            type="button"
                            class="ghost small"
                            data-testid="call-watch"
                            title="Receive only: your microphone stays off"
                            disabled={ctl.busy()}
                            onClick={() => act("view", c)}
                          >
                            Watch
                          </button>
                        </Show>
                      </>
                    }
                  >
                    <span class="muted small">you are listed (another tab, or before a reload)</span>
                    <button
                      type="button"
                      class="primary small"
                      onClick={() => act(c.participants.includes(me()) ? "join" : "view", c)}
                    >
                      Rejoin
                    </button>
                    <button type="button" class="ghost small" onClick={() => act("leave", c)}>
                      Leave
                    </button>
                  </Show>
                </div>
              )}
            </For>
            <Show when={!here()}>
              <button
                type="button"
                class="primary"
                data-testid="call-start"
                disabled={ctl.busy() || !app.state().circleId}
                onClick={() => act("start")}
              >
                Start a call in #{app.state().channelId}
              </button>
            </Show>
          </div>
        }
      >
        <ul class="participants">
          <For each={current()!.participants}>
            {(id) => (
              <li
                data-testid="participant"
                data-node={id}
                data-status={id === me() ? "self" : (peer(id)?.status ?? "connecting")}
                classList={{
                  speaking: (id === me() ? ctl.local().level : (peer(id)?.level ?? 0)) > 0.08,
                  lost: peer(id)?.status === "lost",
                }}
              >
                <Meter level={id === me() ? ctl.local().level : (peer(id)?.level ?? 0)} />
                <span class="ellipsis">
                  {name(id)}
                  {id === me() ? " (you)" : ""}
                </span>
                <Show when={id === current()!.hostNodeId}>
                  <span class="pill">host</span>
                </Show>
                <Show when={id === me() ? ctl.local().muted : peer(id)?.muted}>
                  <span class="pill" title="muted">
                    muted
                  </span>
                </Show>
                <Show
                  when={
                    id !== me() && peer(id)?.status !== "connected" && (!watching() || id === current()!.hostNodeId)
                  }
                >
                  <span class="muted small">{peer(id)?.status === "lost" ? "unreachable" : "connecting…"}</span>
                </Show>
              </li>
            )}
          </For>
        </ul>
        <Show when={viewers(current()).length}>
          <ul class="participants" aria-label="Viewers">
            <For each={viewers(current())}>
              {(id) => (
                <li data-testid="viewer" data-node={id} data-status={id === me() ? "self" : (peer(id)?.status ?? "")}>
                  <span class="ellipsis">
                    {name(id)}
                    {id === me() ? " (you)" : ""}
                  </span>
                  <span class="pill">watching</span>
                  <Show when={current()!.hostNodeId === me()}>
                    <button
                      type="button"
                      class="icon-btn small"
                      data-testid="viewer-revoke"
                      aria-label={`Remove ${name(id)} from the call`}
                      title="Remove from the call"
                      onClick={() => act("revoke", current(), id)}
                    >
                      ✕
                    </button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={ctl.local().overCapacity}>
          <p class="error-text small">
            This call has more than {CALL_MAX_PARTICIPANTS} participants; you are not connected.
          </p>
        </Show>
        <div class="tiles">
          <Show when={ctl.local().video}>{(v) => <Tile stream={v()} label="you" />}</Show>
          <For each={ctl.peers().filter((p) => p.cam && p.video && p.status === "connected")}>
            {(p) => <Tile stream={p.video!} label={name(p.nodeId)} />}
          </For>
        </div>
        <div class="call-controls">
          <Show when={!watching()}>
            <button
              type="button"
              class="ghost"
              data-testid="call-mute"
              aria-pressed={ctl.local().muted}
              onClick={() => void ctl.setMuted(!ctl.local().muted)}
            >
              {ctl.local().muted ? "Unmute" : "Mute"}
            </button>
            <button
              type="button"
              class="ghost"
              data-testid="call-camera"
              aria-pressed={ctl.local().camera}
              onClick={() => void ctl.setCamera(!ctl.local().camera)}
            >
              {ctl.local().camera ? "Camera off" : "Camera on"}
            </button>
          </Show>
          <button type="button" class="ghost" data-testid="call-leave" onClick={() => act("leave", current())}>
            Leave
          </button>
          <Show when={current()!.hostNodeId === me()}>
            <button type="button" class="danger" data-testid="call-end" onClick={() => act("end", current())}>
              End for everyone
            </button>
          </Show>
        </div>
        <details class="devices">
          <summary>Devices</summary>
          <label>
            <span>Microphone</span>
            <select
              data-testid="mic-select"
              value={ctl.inputDevice()}
              onChange={(e) => void ctl.setInput(e.currentTarget.value)}
            >
              <option value="">default</option>
              <For each={kinds("audioinput")}>
                {(d) => <option value={d.deviceId}>{d.label || d.deviceId.slice(0, 8)}</option>}
              </For>
            </select>
          </label>
          <Show when={canSink}>
            <label>
              <span>Speaker</span>
              <select
                data-testid="speaker-select"
                value={ctl.outputDevice()}
                onChange={(e) => void ctl.setOutput(e.currentTarget.value)}
              >
                <option value="">default</option>
                <For each={kinds("audiooutput")}>
                  {(d) => <option value={d.deviceId}>{d.label || d.deviceId.slice(0, 8)}</option>}
                </For>
              </select>
            </label>
          </Show>
          <label>
            <span>Camera</span>
            <select data-testid="camera-select" onChange={(e) => void ctl.setCamera(true, e.currentTarget.value)}>
              <option value="">default</option>
              <For each={kinds("videoinput")}>
                {(d) => <option value={d.deviceId}>{d.label || d.deviceId.slice(0, 8)}</option>}
              </For>
            </select>
          </label>
        </details>
      </Show>
    </section>
  );
}
