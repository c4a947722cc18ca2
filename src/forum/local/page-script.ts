/**
 * The page's script, part 1: state, channels, messages, threads, cards and the composers
 * (part 2, page-live.ts, talks to the server). Plain browser JS in a string (no build step, no framework). Every piece of data
 * reaches the DOM through textContent, text nodes or setAttribute, never as markup.
 * No backticks or dollar-brace in here: the string is a template literal.
 */
export const PAGE_SCRIPT_CORE = String.raw`
const TOPICS = { forum: 'Hypotheses, plans and discussion', results: 'Result cards (veto or approve) and leader changes', audit: 'What needs a person: suspicious results, vetoes, overturns; routine reviews in one thread a day' };
const LABELS = { veto: 'Veto', approve: 'Approve', details: 'Details' };
const S = {
  channels: [], operator: { id: '', name: '' }, posts: new Map(), panel: { leaderboard: [], series: [] }, panelVersion: -1,
  instance: null, current: 'forum', thread: null, unread: {}, notes: new Map(), live: false, loaded: false,
  token: null, stopped: false, showAllRows: false, olderIn: new Set(), loadingOlder: false, olderError: null,
};

const $ = (id) => document.querySelector('[data-testid="' + id + '"]');

/** Builds an element; text only ever goes in as text. */
function el(tag, opts, kids) {
  const node = document.createElement(tag);
  for (const key of Object.keys(opts || {})) {
    const v = opts[key];
    if (v === undefined || v === null || v === false) continue;
    if (key === 'text') node.textContent = String(v);
    else if (key === 'cls') node.className = v;
    else if (key === 'testid') node.setAttribute('data-testid', v);
    else if (key === 'on') for (const ev of Object.keys(v)) node.addEventListener(ev, v[ev]);
    else node.setAttribute(key, v === true ? '' : String(v));
  }
  for (const kid of kids || []) if (kid !== null && kid !== undefined && kid !== false) node.append(kid);
  return node;
}
const compact = (xs) => xs.filter((x) => x !== null && x !== undefined && x !== false);
const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);

// FNV-1a plus a final mix, so names that differ in one character (researcher-1, -2) get far-apart hues.
function hue(name) {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193);
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return (h >>> 0) % 360;
}
function initials(name) {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  const first = (s) => Array.from(s)[0] || '';
  const text = parts.length > 1 ? first(parts[0]) + first(parts[1]) : Array.from(parts[0] || '?').slice(0, 2).join('');
  return text.toUpperCase();
}
function avatar(p) {
  const system = p.author === 'system';
  const node = el('div', { cls: 'avatar', testid: 'avatar', 'aria-hidden': 'true' }, [system ? '\u2699' : initials(p.persona.name)]);
  node.style.background = system ? '#616061' : 'hsl(' + hue(p.persona.name) + ', 55%, 36%)';
  return node;
}
function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + time;
}
function channelName(key) {
  const c = S.channels.find((x) => x.key === key);
  return c ? c.name : key;
}

/** Keeps the newest copy of each post: state answers and live events may arrive in any order. */
function upsert(p) {
  const old = S.posts.get(p.ref);
  if (old && old.version >= p.version) return false;
  S.posts.set(p.ref, p);
  return true;
}
const byOrder = (a, b) => a.order - b.order;
const isRoot = (p) => !p.threadRef || !S.posts.has(p.threadRef);
function threadIndex() {
  const index = new Map();
  for (const p of S.posts.values()) {
    if (isRoot(p)) continue;
    if (!index.has(p.threadRef)) index.set(p.threadRef, []);
    index.get(p.threadRef).push(p);
  }
  for (const list of index.values()) list.sort(byOrder);
  return index;
}

function render() {
  const index = threadIndex();
  renderSidebar();
  renderMain(index);
  renderThread(index);
}

function renderSidebar() {
  let total = 0;
  $('channel-list').replaceChildren(...S.channels.map((c) => {
    const n = S.unread[c.key] || 0;
    total += n;
    return el('li', null, [el('button', {
      type: 'button', cls: 'channel-btn' + (n ? ' has-unread' : ''), testid: 'channel-' + c.key,
      'aria-current': c.key === S.current ? 'true' : 'false', on: { click: () => selectChannel(c.key) },
    }, [el('span', { text: c.name }), n ? el('span', { cls: 'unread', testid: 'unread-' + c.key, text: String(n), 'aria-label': plural(n, 'unread message', 'unread messages') }) : null])]);
  }));
  document.title = (total ? '(' + total + ') ' : '') + 'aar \u00b7 ' + channelName(S.current);
}

function nearBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}
function renderList(list, nodes, forceBottom) {
  const stick = forceBottom || nearBottom(list);
  const top = list.scrollTop;
  list.replaceChildren(...nodes);
  list.scrollTop = stick ? list.scrollHeight : top;
}

function renderMain(index, forceBottom) {
  const name = channelName(S.current);
  $('channel-title').textContent = name;
  $('channel-topic').textContent = TOPICS[S.current] || '';
  $('composer-label').textContent = 'Message ' + name;
  $('composer-input').placeholder = 'Message ' + name + '  (/aar help lists commands)';
  renderFilters();
  const roots = [...S.posts.values()].filter((p) => p.channel === S.current && isRoot(p) && passesFilter(p)).sort(byOrder);
  const none = S.filter ? 'No ' + FINDING_PLURALS[S.filter].toLowerCase() + ' in ' + name + ' yet.' : 'No messages in ' + name + ' yet.';
  const nodes = roots.length
    ? roots.map((p) => messageNode(p, index.get(p.ref) || [], 'channel'))
    : [el('div', { cls: 'empty', testid: 'empty-state', text: S.loaded ? none : 'Loading\u2026' })];
  // The forum starts with each channel's newest threads; older ones come a page at a time.
  if (S.olderIn.has(S.current) && roots.length) {
    nodes.unshift(el('button', { type: 'button', cls: 'load-older', testid: 'load-older', disabled: S.loadingOlder ? '' : null,
      text: S.loadingOlder ? 'Loading older threads\u2026' : S.olderError || 'Show older threads', on: { click: () => loadOlder(roots[0].ref) } }));
  }
  renderList($('message-list'), nodes, forceBottom);
}

function renderThread(index, forceBottom) {
  const pane = $('thread-pane');
  const root = S.thread ? S.posts.get(S.thread) : undefined;
  $('app').classList.toggle('with-thread', Boolean(root));
  pane.hidden = !root;
  if (!root) return;
  const replies = index.get(root.ref) || [];
  $('thread-channel').textContent = channelName(root.channel);
  renderList($('thread-list'), compact([
    el('div', { cls: 'thread-root' }, [messageNode(root, replies, 'thread')]),
    replies.length ? el('div', { cls: 'reply-divider', testid: 'thread-reply-count', text: plural(replies.length, 'reply', 'replies') }) : null,
    ...replies.map((r) => messageNode(r, [], 'thread')),
  ]), forceBottom);
}

function messageNode(p, replies, where) {
  const tag = p.author === 'operator' ? 'you' : p.author === 'system' ? 'app' : 'bot';
  const head = el('div', { cls: 'msg-head' }, [
    el('span', { cls: 'author', testid: 'author', text: p.persona.name }),
    el('span', { cls: 'tag', text: tag }),
    el('time', { cls: 'time', testid: 'timestamp', datetime: p.at, title: new Date(p.at).toLocaleString(), text: fmtTime(p.at) }),
    p.editedAt ? el('span', { cls: 'edited', title: 'edited ' + new Date(p.editedAt).toLocaleString(), text: '(edited)' }) : null,
  ]);
  const body = el('div', { cls: 'msg-body' }, [
    head,
    p.text ? el('div', { cls: 'text', testid: 'message-text', text: p.text }) : null,
    p.image ? imageNode(p.image) : null,
    p.finding ? findingNode(p) : null,
    p.card ? cardNode(p) : null,
    where === 'channel' ? threadLink(p, replies) : null,
  ]);
  return el('article', { cls: 'msg ' + p.author, testid: 'message', 'data-ref': p.ref, 'data-author': p.author, 'aria-label': p.persona.name + ' ' + fmtTime(p.at) }, [avatar(p), body]);
}

// The image is served by this server (src is a same-origin path); a click opens it full size.
function imageNode(img) {
  const pic = el('img', { src: img.src, alt: img.alt, width: img.width || null, height: img.height || null, loading: 'lazy', decoding: 'async', testid: 'post-image' });
  return el('figure', { cls: 'post-image' }, [
    el('a', { href: img.src, target: '_blank', rel: 'noopener noreferrer', title: 'Open ' + img.title + ' full size' }, [pic]),
    el('figcaption', { testid: 'post-image-title', text: img.title }),
  ]);
}

function threadLink(p, replies) {
  const last = replies[replies.length - 1];
  return el('button', { type: 'button', cls: 'thread-link' + (replies.length ? '' : ' none'), testid: 'open-thread', 'data-ref': p.ref, on: { click: () => openThread(p.ref) } }, [
    el('span', { testid: 'reply-count', text: replies.length ? plural(replies.length, 'reply', 'replies') : 'Reply in thread' }),
    last ? el('span', { cls: 'last', text: 'last reply ' + fmtTime(last.at) }) : null,
  ]);
}

function cardNode(p) {
  const c = p.card;
  const note = S.notes.get(p.ref);
  const buttons = c.buttons.map((b) => el('button', {
    type: 'button', cls: b.action, testid: 'card-' + b.action, 'data-value': b.value, 'aria-label': LABELS[b.action] + ' ' + b.value,
    // Read-only without the token; and a veto of a vetoed card (an approval of an approved one) would change nothing.
    disabled: (b.action !== 'details' && (!S.token || S.stopped)) || (b.action === 'veto' && c.status === 'vetoed') || (b.action === 'approve' && c.status === 'approved'),
    on: { click: (e) => act(p, b, e.currentTarget) },
  }, [LABELS[b.action]]));
  return el('div', { cls: 'card', testid: 'card', 'data-status': c.status || 'none' }, [
    el('div', { cls: 'card-head' }, [
      el('span', { cls: 'card-title', testid: 'card-title', text: c.title }),
      c.status ? el('span', { cls: 'badge ' + c.status, testid: 'card-status', text: c.status }) : null,
    ]),
    c.fields.length ? el('table', { cls: 'card-fields', testid: 'card-fields' }, [el('tbody', null,
      c.fields.map((f) => el('tr', null, [el('th', { scope: 'row', text: f.label }), el('td', { text: f.value })])))]) : null,
    buttons.length ? el('div', { cls: 'card-actions' }, buttons) : null,
    note ? el('div', { cls: 'card-note' + (note.error ? ' error' : ''), testid: 'card-note', role: note.error ? 'alert' : 'status', text: note.text }) : null,
  ]);
}

async function act(p, b, button) {
  button.disabled = true;
  S.notes.set(p.ref, { text: 'Sending ' + LABELS[b.action].toLowerCase() + '\u2026' });
  try {
    await postJson('/api/actions', { messageRef: p.ref, action: b.action, value: b.value });
    S.notes.set(p.ref, { text: LABELS[b.action] + ' sent.' });
    // Answers to a card arrive in its thread, so show the thread.
    openThread(p.threadRef || p.ref);
  } catch (err) {
    S.notes.set(p.ref, { text: 'Could not send: ' + err.message, error: true });
    render();
  }
}

function selectChannel(key) {
  S.current = key;
  S.unread[key] = 0;
  const index = threadIndex();
  renderSidebar();
  renderMain(index, true);
  $('composer-input').focus();
}
function openThread(ref) {
  S.thread = ref;
  const index = threadIndex();
  renderMain(index);
  renderThread(index, true);
}
function closeThread() {
  S.thread = null;
  render();
}

function setupComposer(prefix, target) {
  const form = $(prefix), input = $(prefix + '-input'), send = $(prefix + '-send'), error = $(prefix + '-error');
  const grow = () => { input.style.height = 'auto'; input.style.height = Math.min(input.scrollHeight, 200) + 'px'; };
  input.addEventListener('input', grow);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    send.disabled = true;
    try {
      await postJson('/api/messages', Object.assign({ text }, target()));
      input.value = '';
      // A finding's type is picked per post: the next one is plain discussion again.
      if (prefix === 'composer') $('composer-type').value = 'discussion';
      grow();
      error.hidden = true;
      error.textContent = '';
    } catch (err) {
      error.textContent = 'Not sent: ' + err.message;
      error.hidden = false;
    } finally {
      applyAccess();
      if (!input.disabled) input.focus();
    }
  });
}
`;
