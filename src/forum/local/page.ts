import { PAGE_SCRIPT_FINDINGS } from './page-findings.js';
import { PAGE_SCRIPT_LIVE } from './page-live.js';
import { PAGE_SCRIPT_PANEL } from './page-panel.js';
import { PAGE_SCRIPT_CORE } from './page-script.js';
import { PAGE_CSS } from './page-style.js';

/** The page's whole script, as one IIFE (the four parts share its scope). */
export const PAGE_SCRIPT = `(() => {\n'use strict';\n${PAGE_SCRIPT_CORE}\n${PAGE_SCRIPT_LIVE}\n${PAGE_SCRIPT_PANEL}\n${PAGE_SCRIPT_FINDINGS}\nstart();\n})();\n`;

/**
 * The Content-Security-Policy of the page: only its own nonce'd script and style run, and it
 * talks only to this server. A defence in depth behind building the DOM from text. Images come
 * from this server only (posts' images at /api/posts/<ref>/image); `data:` is for the empty
 * favicon, which keeps the browser from asking for /favicon.ico.
 */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The one self-contained page. The markup is static: no data is ever written into it; the
 * script loads the state as JSON and builds the DOM from text.
 */
export function renderPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aar</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${PAGE_CSS}</style>
</head>
<body>
<div class="app" data-testid="app">
  <nav class="sidebar" aria-label="Channels">
    <div class="workspace">
      <h1>aar</h1>
      <div class="who"><span class="conn" data-testid="conn-status" title="connecting"></span><span data-testid="conn-text">connecting…</span><span aria-hidden="true">·</span><span data-testid="operator-name"></span></div>
    </div>
    <div class="side-heading" id="channels-heading">Channels</div>
    <ul class="channel-list" data-testid="channel-list" aria-labelledby="channels-heading"></ul>
    <div class="side-foot">Type <strong>/aar help</strong> for commands</div>
  </nav>
  <main class="main" aria-labelledby="channel-title">
    <header class="pane-head">
      <h2 id="channel-title" data-testid="channel-title"></h2>
      <span class="topic" data-testid="channel-topic"></span>
    </header>
    <div class="filters" data-testid="finding-filters" role="group" aria-label="Show only findings of one type"></div>
    <div class="banner stopped" data-testid="forum-stopped" role="alert" hidden>
      <strong>The forum has stopped.</strong> Nothing new will appear here. To open it again, run
      <code>aar forum</code> (or <code>aar start</code> to resume the campaign) and open the link it prints.
    </div>
    <div class="banner" data-testid="read-only" role="status" hidden>
      Read-only: to post, vote or veto, open the link <code>aar</code> printed when it started (it carries this forum's token).
    </div>
    <div class="messages" data-testid="message-list" role="log" aria-live="polite" aria-labelledby="channel-title"></div>
    <form class="composer" data-testid="composer">
      <label class="sr-only" for="composer-input" data-testid="composer-label">Message</label>
      <textarea id="composer-input" data-testid="composer-input" rows="1" maxlength="40000"></textarea>
      <div class="error" data-testid="composer-error" role="alert" hidden></div>
      <div class="composer-bar"><span class="hint">Enter to send · Shift+Enter for a new line</span><label class="type-pick">Post as <select data-testid="composer-type" aria-label="Post type"><option value="discussion">discussion</option><option value="hypothesis">hypothesis</option><option value="insight">insight</option><option value="dead-end">dead end</option><option value="result">result (name the experiment)</option></select></label><button class="send" type="submit" data-testid="composer-send">Send</button></div>
    </form>
  </main>
  <aside class="thread" data-testid="thread-pane" aria-label="Thread" hidden>
    <header class="pane-head">
      <h2>Thread</h2>
      <span class="topic" data-testid="thread-channel"></span>
      <button class="close" type="button" data-testid="thread-close" aria-label="Close thread">×</button>
    </header>
    <div class="messages" data-testid="thread-list" role="log" aria-live="polite" aria-label="Thread messages"></div>
    <form class="composer" data-testid="thread-composer">
      <label class="sr-only" for="thread-composer-input">Reply in thread</label>
      <textarea id="thread-composer-input" data-testid="thread-composer-input" rows="1" maxlength="40000" placeholder="Reply…"></textarea>
      <div class="error" data-testid="thread-composer-error" role="alert" hidden></div>
      <div class="composer-bar"><span class="hint">Replies stay in this thread</span><button class="send" type="submit" data-testid="thread-composer-send">Send</button></div>
    </form>
  </aside>
  <aside class="panel" data-testid="panel" aria-label="Leaderboard and progress">
    <section>
      <h2 id="leaderboard-heading">Leaderboard <small>(ranked by private PGR)</small></h2>
      <table class="leaderboard" data-testid="leaderboard" aria-labelledby="leaderboard-heading">
        <thead><tr><th scope="col">#</th><th scope="col">Method</th><th scope="col">Task</th><th scope="col" title="Ranked by private PGR: the held-out half no agent sees">Private PGR</th><th scope="col">Status</th></tr></thead>
        <tbody data-testid="leaderboard-body"></tbody>
      </table>
      <button type="button" class="more" data-testid="leaderboard-more" hidden></button>
    </section>
    <section>
      <h2>Best private PGR so far</h2>
      <div data-testid="pgr-chart"></div>
      <ul class="legend" data-testid="chart-legend" aria-label="Tasks"></ul>
    </section>
  </aside>
</div>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
