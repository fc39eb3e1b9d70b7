// A run's live events over SSE, read with fetch rather than EventSource: EventSource cannot send
// an Authorization header, and a supervisor with SUPERVISOR_READ_AUTH on wants one on every read.
// It does what EventSource does: resumes after a drop with Last-Event-ID, waits the server's
// `retry:` before reconnecting, and stops on 204 (a finished run with nothing left).

const DEFAULT_RETRY_MS = 1_000;

/** Splits one SSE frame into its fields; a frame of comments only has no data. */
function parseFrame(frame) {
  const out = { id: undefined, event: "message", data: [], retry: undefined };
  for (const line of frame.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") out.id = value;
    else if (field === "event") out.event = value;
    else if (field === "data") out.data.push(value);
    else if (field === "retry" && /^\d+$/.test(value)) out.retry = Number(value);
  }
  return out;
}

/**
 * Streams `path`. `onEvent(type, { id, data })` for each event; `onState(state)` with "open",
 * "reconnecting", "end" (the server's `end` event), "complete" (204), "unauthorized" (401) or
 * "gone" (another 4xx, e.g. the run does not exist).
 * Returns a function that stops it.
 */
export function liveEvents(path, { token, onEvent, onState }) {
  let stopped = false;
  let controller;
  let timer;
  let lastId;
  let retryMs = DEFAULT_RETRY_MS;

  const read = async (signal) => {
    const headers = { accept: "text/event-stream" };
    const t = token();
    if (t) headers.authorization = `Bearer ${t}`;
    if (lastId !== undefined) headers["last-event-id"] = lastId;
    const res = await fetch(path, { headers, signal, cache: "no-store" });
    if (res.status === 204) return "complete";
    if (res.status === 401) return "unauthorized";
    // Like EventSource: a server error or an outage is retried; an answer that will not change is not.
    if (res.status >= 400 && res.status < 500) return "gone";
    if (!res.ok || !res.body) return "retry";
    onState("open");
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "retry";
      buffer += value.replaceAll("\r\n", "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) !== -1) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame.retry !== undefined) retryMs = frame.retry;
        if (frame.id !== undefined) lastId = frame.id;
        if (frame.data.length === 0) continue;
        if (frame.event === "end") return "end";
        // The page's handler failing on one event must not drop the stream or the events after it.
        try { onEvent(frame.event, { id: frame.id ?? lastId, data: frame.data.join("\n") }); } catch (err) { console.error(err); }
      }
    }
  };

  const loop = async () => {
    if (stopped) return;
    let outcome;
    controller = new AbortController();
    try { outcome = await read(controller.signal); } catch { outcome = "retry"; } finally {
      // Whatever ended this read, its request ends with it: an open one holds a server stream
      // and one of the browser's few connections to the host.
      controller.abort();
    }
    if (stopped) return;
    if (outcome !== "retry") { onState(outcome); return; }
    onState("reconnecting");
    timer = setTimeout(loop, retryMs);
  };
  loop();
  return () => { stopped = true; clearTimeout(timer); controller?.abort(); };
}
