// Live updates: one SSE stream per workspace; polling takes over while the stream is down.
const POLL_MS = 5000;

export function connectLive(workspaceId, onChange, indicator) {
  let source;
  let pollTimer;
  let closed = false;
  const setState = (state) => {
    indicator.textContent = state === 'live' ? '● live' : '○ polling';
    indicator.classList.toggle('on', state === 'live');
    indicator.dataset.state = state;
  };
  const startPolling = () => {
    setState('polling');
    if (!pollTimer) pollTimer = setInterval(() => onChange({ type: 'poll' }), POLL_MS);
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = undefined;
  };
  const open = () => {
    source = new EventSource(`/api/workspaces/${encodeURIComponent(workspaceId)}/events`);
    source.onopen = () => {
      stopPolling();
      setState('live');
    };
    source.addEventListener('change', (e) => {
      try {
        onChange(JSON.parse(e.data));
      } catch {
        /* a malformed frame is ignored; the next change or poll refreshes */
      }
    });
    source.onerror = () => {
      if (!closed) startPolling();
    };
  };
  open();
  return () => {
    closed = true;
    stopPolling();
    source?.close();
  };
}
