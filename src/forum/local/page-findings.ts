/**
 * The page's script, part 4: findings. A finding's post shows its type as a badge, its votes
 * (people's and agents'), +1 / -1 buttons with an optional reason, and the channel can be
 * filtered to one type. Uses `S`, `$`, `el`, `render` and `postJson` from parts 1 and 2.
 * No backticks or dollar-brace in here: the string is a template literal.
 */
export const PAGE_SCRIPT_FINDINGS = String.raw`
const FINDING_LABELS = { hypothesis: 'Hypothesis', result: 'Result', insight: 'Insight', 'dead-end': 'Dead end' };
const FINDING_PLURALS = { hypothesis: 'Hypotheses', result: 'Results', insight: 'Insights', 'dead-end': 'Dead ends' };
const NO_VOTES = { up: 0, down: 0, people: { up: 0, down: 0 }, agents: { up: 0, down: 0 } };
S.filter = null;
S.reasons = new Map();

/** Whether a thread's first post shows under the current filter (a type, or everything). */
function passesFilter(p) {
  return !S.filter || (p.finding && p.finding.type === S.filter);
}

function renderFilters() {
  const counts = {};
  for (const p of S.posts.values()) if (p.channel === S.current && isRoot(p) && p.finding) counts[p.finding.type] = (counts[p.finding.type] || 0) + 1;
  const chip = (type, label) => el('button', {
    type: 'button', cls: 'filter' + (type ? ' ' + type : ''), testid: 'filter-' + (type || 'all'), 'aria-pressed': String(S.filter === type),
    on: { click: () => { S.filter = type; render(); } },
  }, [label + (type ? ' ' + (counts[type] || 0) : '')]);
  $('finding-filters').replaceChildren(chip(null, 'All'), ...Object.keys(FINDING_LABELS).map((t) => chip(t, FINDING_PLURALS[t])));
}

function findingNode(p) {
  const f = p.finding;
  const v = f.votes || NO_VOTES;
  const off = !S.token || S.stopped;
  const note = S.notes.get('vote:' + p.ref);
  const reason = el('input', {
    type: 'text', cls: 'vote-reason', testid: 'vote-reason', maxlength: '500', placeholder: 'reason (optional)', 'aria-label': 'Reason for your vote', disabled: off,
    value: S.reasons.get(p.ref) || '', on: { input: (e) => S.reasons.set(p.ref, e.currentTarget.value) },
  });
  const button = (value, count) => el('button', {
    type: 'button', cls: 'vote ' + (value > 0 ? 'up' : 'down'), testid: value > 0 ? 'vote-up' : 'vote-down', disabled: off,
    'aria-label': (value > 0 ? 'Vote +1 on ' : 'Vote -1 on ') + FINDING_LABELS[f.type].toLowerCase(), on: { click: (e) => vote(p, value, e.currentTarget) },
  }, [(value > 0 ? '\u25b2 ' : '\u25bc ') + count]);
  return el('div', { cls: 'finding', testid: 'finding', 'data-type': f.type }, [
    el('span', { cls: 'finding-badge ' + f.type, testid: 'finding-badge', text: FINDING_LABELS[f.type] }),
    button(1, v.up),
    button(-1, v.down),
    el('span', { cls: 'vote-detail', testid: 'vote-detail', text: 'people +' + v.people.up + '/-' + v.people.down + ' \u00b7 agents +' + v.agents.up + '/-' + v.agents.down }),
    reason,
    note ? el('span', { cls: 'card-note' + (note.error ? ' error' : ''), testid: 'vote-note', role: note.error ? 'alert' : 'status', text: note.text }) : null,
  ]);
}

async function vote(p, value, button) {
  button.disabled = true;
  const reason = (S.reasons.get(p.ref) || '').trim();
  try {
    await postJson('/api/votes', Object.assign({ messageRef: p.ref, value }, reason ? { reason } : {}));
    S.reasons.delete(p.ref);
    S.notes.set('vote:' + p.ref, { text: 'Vote sent.' });
  } catch (err) {
    S.notes.set('vote:' + p.ref, { text: 'Could not vote: ' + err.message, error: true });
  }
  render();
}
`;
