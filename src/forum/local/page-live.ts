/**
 * The page's script, part 2: talking to the server. The token (posting needs it), posting,
 * the live event stream, and the connection's state: live, reconnecting, or stopped (the
 * forum was closed or is gone: the page says how to open it again instead of "reconnecting"
 * forever, and still goes live by itself if the forum comes back).
 * Uses `S`, `$`, `el` and the renderers from part 1. No backticks or dollar-brace in here:
 * the string is a template literal.
 */
export const PAGE_SCRIPT_LIVE = String.raw`
const TOKEN_KEY = 'aar-forum-token';

/**
 * The token comes in the URL's fragment (#token=...), which aar prints at start; it is kept
 * for this tab and taken out of the address bar, so it is not shared with a screenshot or a
 * copied link. Without it the page is read-only.
 */
function readToken() {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    try { sessionStorage.setItem(TOKEN_KEY, m[1]); } catch (e) { /* private mode: keep it in memory */ }
    history.replaceState(null, '', location.pathname + location.search);
    return m[1];
  }
  try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
}

function applyAccess() {
  const readOnly = !S.token || S.stopped;
  for (const id of ['composer', 'thread-composer']) {
    $(id + '-input').disabled = readOnly;
    $(id + '-send').disabled = readOnly;
  }
  $('composer-type').disabled = readOnly;
  $('read-only').hidden = !(!S.token && !S.stopped);
}

async function postJson(url, body) {
  const headers = { 'content-type': 'application/json' };
  if (S.token) headers.authorization = 'Bearer ' + S.token;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    if (res.status === 401) throw new Error('this page has no valid token: open the link aar printed when it started');
    const problems = data && Array.isArray(data.problems) && data.problems.length ? data.problems.map((x) => x.field + ': ' + x.problem).join('; ') : '';
    throw new Error(problems || (data && data.message) || 'the server answered ' + res.status);
  }
  return data;
}

/** live, reconnecting or stopped: the dot, its words, the banner and body[data-conn] all follow it. */
function setConn(state) {
  const wasStopped = S.stopped;
  S.live = state === 'live';
  S.stopped = state === 'stopped';
  const dot = $('conn-status');
  dot.classList.toggle('live', S.live);
  dot.title = state;
  $('conn-text').textContent = state === 'live' ? 'live' : state === 'stopped' ? 'stopped' : 'reconnecting\u2026';
  $('forum-stopped').hidden = !S.stopped;
  document.body.setAttribute('data-live', String(S.live));
  document.body.setAttribute('data-conn', state);
  applyAccess();
  // Card buttons follow too: nothing can be pressed on a stopped forum.
  if (wasStopped !== S.stopped) render();
}

async function loadState() {
  const res = await fetch('/api/state');
  if (!res.ok) throw new Error('state: ' + res.status);
  const s = await res.json();
  if (s.instance !== S.instance) return;
  const first = !S.loaded;
  S.channels = s.channels;
  S.operator = s.operator;
  for (const p of s.posts) upsert(p);
  S.olderIn = new Set(s.olderIn || []);
  if (s.panelVersion > S.panelVersion) { S.panel = s.panel; S.panelVersion = s.panelVersion; }
  if (!S.channels.some((c) => c.key === S.current) && S.channels.length) S.current = S.channels[0].key;
  S.loaded = true;
  $('operator-name').textContent = s.operator.name;
  const index = threadIndex();
  renderSidebar();
  renderMain(index, first);
  renderThread(index, first);
  renderPanel();
  document.body.setAttribute('data-ready', 'true');
}

/** Loads the page of threads older than the one rooted at \`before\` in the current channel. */
async function loadOlder(before) {
  if (S.loadingOlder) return;
  S.loadingOlder = true;
  renderMain(threadIndex());
  const channel = S.current;
  try {
    const res = await fetch('/api/history?channel=' + encodeURIComponent(channel) + '&before=' + encodeURIComponent(before));
    if (!res.ok) throw new Error('history: ' + res.status);
    const page = await res.json();
    for (const p of page.posts) upsert(p);
    if (!page.more) S.olderIn.delete(channel);
    S.olderError = null;
  } catch (err) {
    S.olderError = 'Could not load older threads (' + err.message + '); click to try again.';
  } finally {
    S.loadingOlder = false;
    const list = $('message-list');
    const fromBottom = list.scrollHeight - list.scrollTop;
    renderMain(threadIndex());
    // Keep the reader where they were: the older threads appear above.
    list.scrollTop = list.scrollHeight - fromBottom;
  }
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => setConn('live'));
  // Every (re)connect starts with hello; then the whole state is fetched, since whatever
  // happened while away is in it. A new instance (the forum restarted) means start over.
  events.addEventListener('hello', (e) => {
    const d = JSON.parse(e.data);
    if (S.instance !== null && S.instance !== d.instance) {
      S.posts.clear();
      S.notes.clear();
      S.unread = {};
      S.panelVersion = -1;
    }
    S.instance = d.instance;
    loadState().catch((err) => console.warn('aar: could not load state', err));
  });
  // The forum was closed on purpose: say so and how to open it again. The browser keeps
  // trying quietly, so a page left open goes live again when the forum is back.
  events.addEventListener('bye', () => setConn('stopped'));
  // Lost without a goodbye (a crash, a kill): if nothing answers at all, it has stopped too.
  events.addEventListener('error', () => {
    if (S.stopped) return;
    setConn('reconnecting');
    fetch('/api/state', { cache: 'no-store' }).then(() => undefined, () => { if (!S.live) setConn('stopped'); });
  });
  events.addEventListener('post', (e) => {
    const p = JSON.parse(e.data);
    const fresh = !S.posts.has(p.ref);
    if (!upsert(p)) return;
    if (fresh && S.loaded && p.author !== 'operator' && p.channel !== S.current) S.unread[p.channel] = (S.unread[p.channel] || 0) + 1;
    render();
  });
  events.addEventListener('update', (e) => {
    if (upsert(JSON.parse(e.data))) render();
  });
  events.addEventListener('panel', (e) => {
    const d = JSON.parse(e.data);
    if (d.version <= S.panelVersion) return;
    S.panel = d.panel;
    S.panelVersion = d.version;
    renderPanel();
  });
}

function start() {
  S.token = readToken();
  setupComposer('composer', () => {
    const type = $('composer-type').value;
    return type === 'discussion' ? { channel: S.current } : { channel: S.current, type };
  });
  setupComposer('thread-composer', () => {
    const root = S.posts.get(S.thread);
    return { channel: root ? root.channel : S.current, threadRef: S.thread };
  });
  $('thread-close').addEventListener('click', closeThread);
  $('leaderboard-more').addEventListener('click', () => { S.showAllRows = !S.showAllRows; renderPanel(); });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && S.thread) closeThread(); });
  applyAccess();
  render();
  renderPanel();
  connect();
}
`;
