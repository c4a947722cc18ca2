import { describe, expect, it } from 'vitest';
import {
  COMMAND_NAMES,
  COMMAND_USAGE,
  CommandErrorSchema,
  ParsedCommandSchema,
  helpText,
  isMutating,
  looksLikeCommand,
  parseCommand,
  type CommandError,
  type CommandName,
  type ParsedCommand,
} from '../../src/forum/commands.js';
import { Rng } from '../../workers/w2s/rng.js';

function ok(text: string, o?: { tasks?: readonly string[] }): ParsedCommand {
  const r = parseCommand(text, o);
  if (r.kind === 'error') throw new Error(`expected a command from ${JSON.stringify(text)}, got: ${r.message}`);
  return r;
}

function err(text: string, o?: { tasks?: readonly string[] }): CommandError {
  const r = parseCommand(text, o);
  if (r.kind !== 'error') throw new Error(`expected an error from ${JSON.stringify(text)}, got ${JSON.stringify(r)}`);
  return r;
}

function expectUsage(e: CommandError, command: CommandName, message: RegExp): void {
  expect(e.command).toBe(command);
  expect(e.message).toMatch(message);
  expect(e.usage).toBe(`usage: ${COMMAND_USAGE[command]}`);
}

describe('parseCommand: happy paths', () => {
  it.each<[string, ParsedCommand]>([
    ['status', { kind: 'status' }],
    ['leaderboard', { kind: 'leaderboard' }],
    ['leaderboard sst2', { kind: 'leaderboard', task: 'sst2' }],
    ['veto e123-abc seeds look leaky', { kind: 'veto', target: 'e123-abc', reason: 'seeds look leaky' }],
    ['veto aux-conf.v2 too slow', { kind: 'veto', target: 'aux-conf.v2', reason: 'too slow' }],
    ['unveto v17', { kind: 'unveto', id: 'v17' }],
    ['approve e123-abc', { kind: 'approve', experiment: 'e123-abc' }],
    ['overturn e123-abc the flagged detector misfires on balanced tasks', { kind: 'overturn', experiment: 'e123-abc', reason: 'the flagged detector misfires on balanced tasks' }],
    ['pause', { kind: 'pause', agent: 'all' }],
    ['pause alice', { kind: 'pause', agent: 'alice' }],
    ['pause all', { kind: 'pause', agent: 'all' }],
    ['pause ALL', { kind: 'pause', agent: 'all' }],
    ['resume', { kind: 'resume', agent: 'all' }],
    ['resume bob_2', { kind: 'resume', agent: 'bob_2' }],
    ['pause @alice', { kind: 'pause', agent: 'alice' }],
    ['direct alice try soft labels', { kind: 'direct', agent: 'alice', text: 'try soft labels' }],
    ['direct @alice try it', { kind: 'direct', agent: 'alice', text: 'try it' }],
    ['budget', { kind: 'budget' }],
    ['budget set 50', { kind: 'budget', set: 50 }],
    ['budget set 12.5', { kind: 'budget', set: 12.5 }],
    ['budget SET $0.99', { kind: 'budget', set: 0.99 }],
    ['budget set 1000000', { kind: 'budget', set: 1e6 }],
    ['budget set 2.500', { kind: 'budget', set: 2.5 }],
    ['stop', { kind: 'stop' }],
    ['report', { kind: 'report' }],
    ['help', { kind: 'help' }],
    ['help veto', { kind: 'help', command: 'veto' }],
    ['help BUDGET', { kind: 'help', command: 'budget' }],
  ])('%j', (text, expected) => {
    expect(ok(text)).toEqual(expected);
    expect(ParsedCommandSchema.parse(expected)).toEqual(expected);
  });

  it('treats empty or blank text, and a bare prefix, as help', () => {
    for (const t of ['', '   ', '\n\t', '/aar', 'aar', '@aar', '@aar /aar  ']) expect(ok(t)).toEqual({ kind: 'help' });
  });

  it("never takes someone else's mention for aar: the Slack adapter rewrites only the app's own to @aar", () => {
    for (const t of ['<@U123ABC> status', '<@UBOB> stop', '<@U1|bob> veto e1 leaky']) expect(err(t).message).toMatch(/^unknown command/);
  });
});

describe('parseCommand: prefixes, case and whitespace', () => {
  it.each([
    '/aar status',
    'aar status',
    'AAR status',
    '/AAR   STATUS',
    '@aar status',
    '@AAR, status',
    '@aar: status',
    '@aar /aar status',
    '  \n status \t ',
    'Status',
    'sTaTuS',
    '\u00a0status\u00a0',
  ])('%j is status', (text) => {
    expect(ok(text)).toEqual({ kind: 'status' });
  });

  it('does not strip words that merely start with aar', () => {
    expect(err('aardvark status').message).toMatch(/unknown "aardvark"/);
    expect(err('aar.x status').message).toMatch(/unknown "aar.x"/);
  });

  it('keeps extra whitespace and newlines inside reasons, trimming only the ends', () => {
    expect(ok('  veto   e1-abc    line one\n\n  line two   ')).toEqual({ kind: 'veto', target: 'e1-abc', reason: 'line one\n\n  line two' });
    expect(ok('direct\nalice\ndo this\nthen that')).toEqual({ kind: 'direct', agent: 'alice', text: 'do this\nthen that' });
  });

  it('keeps the case of ids and reasons', () => {
    expect(ok('VETO Aux-Conf Because I SAID so')).toEqual({ kind: 'veto', target: 'Aux-Conf', reason: 'Because I SAID so' });
  });
});

describe('parseCommand: tasks', () => {
  const tasks = ['sst2', 'boolq'];

  it('accepts a known task, answering with its own spelling', () => {
    expect(ok('leaderboard boolq', { tasks })).toEqual({ kind: 'leaderboard', task: 'boolq' });
    expect(ok('leaderboard SST2', { tasks })).toEqual({ kind: 'leaderboard', task: 'sst2' });
    expect(ok('leaderboard', { tasks })).toEqual({ kind: 'leaderboard' });
  });

  it('rejects an unknown task, listing the accepted ones', () => {
    const e = err('leaderboard mnli', { tasks });
    expectUsage(e, 'leaderboard', /unknown task; accepted tasks: sst2, boolq/);
    expect(err('leaderboard x', { tasks: [] }).message).toMatch(/\(none\)/);
  });

  it('rejects a malformed task name or two tasks', () => {
    expectUsage(err('leaderboard <b>x</b>'), 'leaderboard', /task name is letters/);
    expectUsage(err('leaderboard sst2 boolq'), 'leaderboard', /at most one task/);
  });
});

describe('parseCommand: malformed commands', () => {
  it.each<[string, CommandName, RegExp]>([
    ['veto', 'veto', /needs an experiment id or method tag/],
    ['veto e123-abc', 'veto', /veto needs a reason/],
    ['veto e123-abc   \n ', 'veto', /veto needs a reason/],
    ['veto <!channel> because', 'veto', /experiment id or method tag is letters/],
    ['approve', 'approve', /approve needs an experiment id/],
    ['approve e1 e2', 'approve', /at most one experiment id/],
    ['approve e1/../x', 'approve', /experiment id is letters/],
    ['overturn', 'overturn', /overturn needs an experiment id, then a reason/],
    ['overturn e1', 'overturn', /overturn needs a reason/],
    ['overturn <!channel> wrong', 'overturn', /experiment id is letters/],
    ['unveto', 'unveto', /unveto needs a veto id/],
    ['budget set', 'budget', /needs an amount/],
    ['budget set -5', 'budget', /more than \$0/],
    ['budget set 0', 'budget', /more than \$0/],
    ['budget set abc', 'budget', /dollar amount/],
    ['budget set 1e3', 'budget', /dollar amount/],
    ['budget set NaN', 'budget', /dollar amount/],
    ['budget set 1.234', 'budget', /2 decimal places/],
    ['budget set 1000000.01', 'budget', /at most \$1000000/],
    ['budget set 5 6', 'budget', /one amount/],
    ['budget 50', 'budget', /set <usd>/],
    ['pause al!ce', 'pause', /agent name is letters/],
    ['pause alice bob', 'pause', /at most one agent/],
    [`resume ${'a'.repeat(65)}`, 'resume', /agent name is letters/],
    ['direct', 'direct', /needs an agent and the text/],
    ['direct alice', 'direct', /direct needs text/],
    ['direct alice   ', 'direct', /direct needs text/],
    ['direct <@U123> hello', 'direct', /agent name is letters/],
    ['status now', 'status', /takes no arguments/],
    ['stop using aux-conf', 'stop', /takes no arguments/],
    ['report please', 'report', /takes no arguments/],
    ['help nope', 'help', /no such command; commands are: status, leaderboard/],
    ['help veto approve', 'help', /at most one command/],
  ])('%j', (text, command, message) => {
    const e = err(text);
    expectUsage(e, command, message);
    expect(CommandErrorSchema.parse(e)).toEqual(e);
  });

  it('answers an unknown command with the list of commands', () => {
    const e = err('frobnicate now');
    expect(e.command).toBeUndefined();
    expect(e.message).toBe(`unknown "frobnicate"; commands are: ${COMMAND_NAMES.join(', ')}`);
    expect(e.usage).toBe(helpText());
    for (const name of COMMAND_NAMES) expect(e.usage).toContain(COMMAND_USAGE[name]);
  });

  it('never echoes raw input that could carry markup into an error reply', () => {
    for (const t of ['<!channel> hi', '`rm -rf`', 'pause <!here>', 'leaderboard <@U1>', 'direct <!everyone> x']) {
      const e = err(t);
      expect(e.message).not.toMatch(/<!|<@|`/);
    }
  });

  it('rejects text longer than a Slack message', () => {
    expect(err(`veto e1 ${'x'.repeat(40_000)}`).message).toMatch(/at most 40000 characters/);
  });
});

describe('parseCommand: injection-ish text is kept verbatim', () => {
  it.each([
    '<script>alert(1)</script>',
    '<!channel> please look',
    '```drop table ledger;```',
    '`rm -rf /` and "quotes" and \'single\'',
    '*bold* _it_ ~strike~ <https://evil.example|click>',
    'emoji 🚫 and RTL \u202e text \u0000 nul',
    '$(whoami) ${process.env.SECRET}',
  ])('%j', (reason) => {
    expect(ok(`veto e123-abc ${reason}`)).toEqual({ kind: 'veto', target: 'e123-abc', reason: reason.trim() });
    expect(ok(`@aar direct alice ${reason}`)).toEqual({ kind: 'direct', agent: 'alice', text: reason.trim() });
  });
});

describe('parseCommand: never throws', () => {
  const pieces = [
    ...COMMAND_NAMES, 'set', 'all', '/aar', 'aar', '@aar', '<@U123>', '<@', '>', '|', ' ', '  ', '\n', '\t', '\u00a0',
    'e123-abc', '-5', '1.234', '$', '0', '1e6', '.', '..', 'é', '𝔘', '🙂', '\ud800', '\udfff', '\u202e', '\u0000', '"', "'",
    '`', '<script>', '<!channel>', '\\', '(', ')', '*', '+', '?', '[', ']', '{', '}', '^',
  ];

  function check(text: string): void {
    let r: unknown;
    expect(() => (r = parseCommand(text, { tasks: ['sst2'] }))).not.toThrow();
    const valid = ParsedCommandSchema.safeParse(r).success || CommandErrorSchema.safeParse(r).success;
    if (!valid) throw new Error(`invalid result for ${JSON.stringify(text)}: ${JSON.stringify(r)}`);
    expect(() => looksLikeCommand(text)).not.toThrow();
  }

  it('on 500 seeded random strings built from tricky pieces and random code units', () => {
    // Seeded, so a failing case reproduces.
    const rng = new Rng(20240611);
    const next = () => rng.next();
    for (let i = 0; i < 500; i++) {
      let s = '';
      const n = Math.floor(next() * 12);
      for (let j = 0; j < n; j++) {
        s += next() < 0.7 ? pieces[Math.floor(next() * pieces.length)] : String.fromCharCode(Math.floor(next() * 0x10000));
        if (next() < 0.5) s += ' ';
      }
      check(s);
    }
  });

  it('on huge and odd inputs', () => {
    for (const s of [
      ' '.repeat(1_000_000),
      `veto e1 ${'<@U1>'.repeat(200_000)}`,
      `<@${'U'.repeat(100_000)}`,
      `@aar ${'aar '.repeat(5_000)}`,
      'x'.repeat(39_999),
      '\ud800'.repeat(1000),
    ]) check(s);
    expect(parseCommand(undefined as unknown as string).kind).toBe('error');
    expect(parseCommand(42 as unknown as string).kind).toBe('error');
    expect(looksLikeCommand(null as unknown as string)).toBe(false);
  });
});

describe('helpers', () => {
  it('isMutating is true exactly for commands that change something', () => {
    const mutating = ['veto e1 r', 'unveto v1', 'approve e1', 'overturn e1 r', 'pause', 'resume alice', 'direct alice x', 'budget set 5', 'stop'];
    const reading = ['status', 'leaderboard', 'budget', 'report', 'help', 'help stop'];
    for (const t of mutating) expect(isMutating(ok(t)), t).toBe(true);
    for (const t of reading) expect(isMutating(ok(t)), t).toBe(false);
  });

  it('looksLikeCommand picks out commands and leaves guidance and conversation alone', () => {
    // Addressed to aar, the next word decides (so a malformed command gets its usage back); not addressed, only a whole valid command counts.
    for (const t of ['status', 'veto e1 leaky seeds', '/aar veto x', 'aar Pause', '@aar leaderboard', '@aar help', '@aar HELP me', 'aar stop using aux-conf', '/aar', 'stop']) {
      expect(looksLikeCommand(t), t).toBe(true);
    }
    for (const t of ['', 'aar', '@aar', '<@U1>', '<@U1> leaderboard', '<@UBOB> stop', '<@UBOB|bob> veto e1 x', 'HELP me', 'stop using aux-conf', 'please try soft labels', 'statuses?', 'what is the status', 'aardvark status', '<!channel>']) {
      expect(looksLikeCommand(t), t).toBe(false);
    }
  });

  it('COMMAND_USAGE has one line per command, starting with its name', () => {
    expect(COMMAND_NAMES).toEqual(['status', 'leaderboard', 'veto', 'unveto', 'approve', 'overturn', 'pause', 'resume', 'direct', 'budget', 'stop', 'report', 'help']);
    for (const name of COMMAND_NAMES) {
      expect(COMMAND_USAGE[name].startsWith(`${name}`)).toBe(true);
      expect(COMMAND_USAGE[name]).not.toContain('\n');
    }
  });

  it('helpText shows one command, or all of them', () => {
    expect(helpText('veto')).toBe(COMMAND_USAGE.veto);
    expect(helpText('VETO')).toBe(COMMAND_USAGE.veto);
    const all = helpText();
    // A heading, one line per command, and how to post findings and vote.
    expect(all.split('\n')).toHaveLength(COMMAND_NAMES.length + 2);
    expect(all.split('\n').at(-1)).toMatch(/^Findings: start a message with hypothesis:, insight:, dead-end: or result:/);
    expect(helpText('nope')).toBe(all);
    expect(helpText('toString')).toBe(all);
  });
});
