/** The page's stylesheet: a team-chat layout (channels, messages, thread, leaderboard panel). */
export const PAGE_CSS = String.raw`
:root {
  --side-bg: #3f0e40; --side-fg: #e9dfea; --side-active: #1164a3; --border: #e2e2e4;
  --fg: #1d1c1d; --muted: #616061; --bg: #ffffff; --panel-bg: #f8f8fa; --hover: #f6f6f7;
  --red: #c0392b; --amber: #b7791f; --green: #1f8a4c; --blue: #1264a3;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
button { font: inherit; cursor: pointer; }
button:disabled { cursor: default; opacity: 0.55; }
:focus-visible { outline: 2px solid var(--blue); outline-offset: 2px; }

.app { display: grid; grid-template-columns: 230px minmax(0, 1fr) 360px; height: 100vh; }
.app.with-thread { grid-template-columns: 230px minmax(0, 1fr) 380px 360px; }

.sidebar { background: var(--side-bg); color: var(--side-fg); display: flex; flex-direction: column; min-height: 0; }
.workspace { padding: 16px 16px 12px; border-bottom: 1px solid rgba(255,255,255,0.12); }
.workspace h1 { font-size: 18px; margin: 0; color: #fff; }
.workspace .who { font-size: 13px; margin-top: 4px; display: flex; align-items: center; gap: 6px; }
.conn { width: 9px; height: 9px; border-radius: 50%; background: #9a8f9b; display: inline-block; }
.conn.live { background: #2bac76; }
body[data-conn="stopped"] .conn { background: #e01e5a; }
.side-heading { font-size: 13px; text-transform: uppercase; letter-spacing: 0.04em; opacity: 0.75; margin: 16px 16px 6px; }
.channel-list { list-style: none; margin: 0; padding: 0 8px; }
.channel-btn { width: 100%; display: flex; align-items: center; justify-content: space-between; gap: 8px; border: 0; background: transparent;
  color: var(--side-fg); padding: 6px 10px; border-radius: 6px; text-align: left; }
.channel-btn:hover { background: rgba(255,255,255,0.08); }
.channel-btn[aria-current="true"] { background: var(--side-active); color: #fff; }
.channel-btn.has-unread { color: #fff; font-weight: 700; }
.unread { background: #e01e5a; color: #fff; border-radius: 10px; font-size: 12px; font-weight: 700; padding: 1px 7px; }
.side-foot { margin-top: auto; padding: 12px 16px; font-size: 12px; opacity: 0.7; }

.main, .thread { display: flex; flex-direction: column; min-width: 0; min-height: 0; border-right: 1px solid var(--border); }
.pane-head { display: flex; align-items: baseline; gap: 10px; padding: 12px 18px; border-bottom: 1px solid var(--border); min-height: 54px; }
.pane-head h2 { font-size: 18px; margin: 0; }
.pane-head .topic { color: var(--muted); font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pane-head .close { margin-left: auto; border: 0; background: transparent; font-size: 20px; line-height: 1; color: var(--muted); padding: 4px 8px; border-radius: 6px; }
.pane-head .close:hover { background: var(--hover); }
.messages { flex: 1; overflow-y: auto; padding: 8px 0 12px; min-height: 0; }
.empty { color: var(--muted); padding: 24px 18px; }
.load-older { display: block; margin: 12px auto; border: 1px solid var(--border); background: #fff; color: var(--blue); font-weight: 700; font-size: 13px; padding: 5px 14px; border-radius: 14px; }
.load-older:hover:not(:disabled) { background: var(--hover); }

.msg { display: grid; grid-template-columns: 40px minmax(0, 1fr); gap: 10px; padding: 8px 18px; }
.msg:hover { background: var(--hover); }
.msg.system { background: #fbfaf3; }
.avatar { width: 36px; height: 36px; border-radius: 50%; color: #fff; font-weight: 700; font-size: 14px; display: flex; align-items: center; justify-content: center; user-select: none; }
.msg-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.author { font-weight: 800; }
.tag { font-size: 10px; font-weight: 700; color: var(--muted); background: #e8e8e8; border-radius: 3px; padding: 1px 4px; text-transform: uppercase; }
.time, .edited { color: var(--muted); font-size: 12px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin-top: 2px; line-height: 1.45; }
.thread-link { margin-top: 6px; border: 1px solid transparent; background: transparent; color: var(--blue); font-weight: 700; font-size: 13px; padding: 3px 6px 3px 0; border-radius: 6px; }
.thread-link:hover { border-color: var(--border); background: #fff; padding-left: 6px; }
.thread-link.none { opacity: 0; font-weight: 400; font-size: 12px; margin-top: 2px; }
.msg:hover .thread-link.none, .thread-link.none:focus-visible { opacity: 1; }
.thread-link .last { color: var(--muted); font-weight: 400; margin-left: 6px; }
.thread-root { border-bottom: 1px solid var(--border); padding-bottom: 12px; margin-bottom: 6px; }
.reply-divider { color: var(--muted); font-size: 13px; padding: 4px 18px; }

.post-image { margin: 8px 0 0; max-width: 560px; }
.post-image img { display: block; max-width: 100%; height: auto; border: 1px solid var(--border); border-radius: 8px; background: #fff; }
.post-image figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
.card { margin-top: 8px; border: 1px solid var(--border); border-left: 4px solid var(--blue); border-radius: 8px; padding: 10px 12px; background: #fff; max-width: 560px; }
.card[data-status="flagged"] { border-left-color: var(--amber); }
.card[data-status="vetoed"] { border-left-color: var(--red); }
.card[data-status="approved"] { border-left-color: var(--green); }
.card-head { display: flex; align-items: center; gap: 8px; justify-content: space-between; }
.card-title { font-weight: 800; }
.badge { font-size: 11px; font-weight: 800; text-transform: uppercase; border-radius: 10px; padding: 2px 8px; color: #fff; background: #888; white-space: nowrap; }
.badge.flagged { background: var(--amber); }
.badge.vetoed { background: var(--red); }
.badge.approved { background: var(--green); }
.card-fields { border-collapse: collapse; margin: 8px 0; font-size: 13px; width: 100%; }
.card-fields th { text-align: left; color: var(--muted); font-weight: 600; padding: 2px 12px 2px 0; vertical-align: top; width: 35%; }
.card-fields td { padding: 2px 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.card-actions { display: flex; gap: 8px; flex-wrap: wrap; }
.card-actions button { border: 1px solid #c9c9cc; background: #fff; border-radius: 6px; padding: 4px 12px; font-weight: 700; font-size: 13px; }
.card-actions button:hover:not(:disabled) { background: var(--hover); }
.card-actions button.veto { color: var(--red); border-color: #e3b5b0; }
.card-actions button.approve { color: var(--green); border-color: #b3d9c2; }
.card-note { font-size: 12px; color: var(--muted); margin-top: 6px; }
.card-note.error { color: var(--red); }

.composer { border: 1px solid #c9c9cc; border-radius: 8px; margin: 0 18px 16px; display: flex; flex-direction: column; background: #fff; }
.composer:focus-within { border-color: #8a8a8e; box-shadow: 0 0 0 1px #8a8a8e; }
.composer textarea { border: 0; resize: none; font: inherit; padding: 10px 12px; min-height: 44px; max-height: 200px; outline: none; border-radius: 8px; background: transparent; }
.composer-bar { display: flex; align-items: center; justify-content: space-between; padding: 4px 8px 6px 12px; gap: 8px; }
.composer .hint { color: var(--muted); font-size: 12px; }
.composer .send { background: #007a5a; color: #fff; border: 0; border-radius: 6px; padding: 5px 14px; font-weight: 700; }
.composer .error { color: var(--red); font-size: 12px; padding: 0 12px 6px; }

.panel { background: var(--panel-bg); overflow-y: auto; padding: 0 0 16px; min-height: 0; }
.panel section { padding: 12px 16px; }
.panel h2 { font-size: 15px; margin: 0 0 8px; }
.leaderboard { width: 100%; border-collapse: collapse; font-size: 13px; background: #fff; border: 1px solid var(--border); border-radius: 6px; }
.leaderboard th, .leaderboard td { padding: 5px 6px; text-align: left; border-bottom: 1px solid var(--border); vertical-align: top; }
.leaderboard th { color: var(--muted); font-weight: 600; font-size: 12px; }
.leaderboard td.num { text-align: right; font-variant-numeric: tabular-nums; }
.leaderboard .exp { display: block; overflow-wrap: anywhere; color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 11px; }
.status-pill { font-size: 11px; border-radius: 8px; padding: 1px 6px; background: #e8e8e8; white-space: nowrap; }
.status-pill.vetoed { background: #f7d9d5; color: var(--red); }
.status-pill.flagged { background: #f8ebcf; color: var(--amber); }
.status-pill.approved { background: #d5efdf; color: var(--green); }
.banner { margin: 10px 18px 0; padding: 10px 12px; border-radius: 8px; background: #eef4fb; border: 1px solid #c8dbef; font-size: 14px; line-height: 1.45; }
.banner.stopped { background: #fdecea; border-color: #f1b8b0; }
.banner code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; background: rgba(0,0,0,0.06); padding: 0 4px; border-radius: 4px; }
.composer textarea:disabled { background: #f4f4f5; cursor: not-allowed; }
.more { margin-top: 6px; border: 0; background: transparent; color: var(--blue); font-weight: 700; font-size: 13px; padding: 2px 0; }
.more:hover { text-decoration: underline; }
.leaderboard .task-head td { background: #f1f1f4; font-weight: 700; font-size: 12px; color: var(--muted); }
.chart { width: 100%; height: auto; background: #fff; border: 1px solid var(--border); border-radius: 6px; }
.chart text { font-size: 10px; fill: #616061; }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }

.filters { display: flex; flex-wrap: wrap; gap: 6px; padding: 8px 18px 0; }
.filter { border: 1px solid #c9c9cc; background: #fff; border-radius: 12px; padding: 2px 10px; font-size: 12px; font-weight: 600; color: var(--muted); }
.filter[aria-pressed="true"] { background: var(--blue); border-color: var(--blue); color: #fff; }
.finding { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; margin-top: 6px; font-size: 12px; }
.finding-badge { font-size: 11px; font-weight: 800; text-transform: uppercase; border-radius: 10px; padding: 2px 8px; color: #fff; background: #6b6b6f; }
.finding-badge.hypothesis { background: #6a4fb3; }
.finding-badge.result { background: var(--blue); }
.finding-badge.insight { background: var(--green); }
.finding-badge.dead-end { background: #8a5a44; }
.vote { border: 1px solid #c9c9cc; background: #fff; border-radius: 6px; padding: 1px 8px; font-size: 12px; font-weight: 700; font-variant-numeric: tabular-nums; }
.vote.up { color: var(--green); }
.vote.down { color: var(--red); }
.vote-detail { color: var(--muted); }
.vote-reason { border: 1px solid var(--border); border-radius: 6px; padding: 1px 6px; font: inherit; font-size: 12px; width: 180px; }
.type-pick { margin-left: auto; color: var(--muted); font-size: 12px; }
.type-pick select { font: inherit; font-size: 12px; margin-left: 4px; }

@media (max-width: 1100px) {
  .app, .app.with-thread { grid-template-columns: 200px minmax(0, 1fr); }
  .thread { position: fixed; inset: 0 0 0 auto; width: min(420px, 100vw); background: #fff; box-shadow: -4px 0 16px rgba(0,0,0,0.15); }
  .panel { display: none; }
}
`;
