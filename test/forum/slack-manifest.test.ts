import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLASH_COMMAND } from '../../src/forum/slack/index.js';

// No YAML parser is installed; the manifest is simple enough to check line by line.
const text = readFileSync('infra/slack/manifest.yml', 'utf8');
const lines = text.split('\n').map((l) => l.replace(/\s+#.*$/, ''));

/** The `- item` lines directly under `key:`. */
function listUnder(key: string): string[] {
  const at = lines.findIndex((l) => l.trim() === `${key}:`);
  if (at < 0) return [];
  const indent = lines[at].search(/\S/);
  const items: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
    if (l.search(/\S/) <= indent && !l.trimStart().startsWith('- ')) break;
    const m = /^\s*- (\S+)$/.exec(l);
    if (!m) break;
    items.push(m[1]);
  }
  return items;
}

describe('infra/slack/manifest.yml', () => {
  it('asks for the bot scopes the adapter uses', () => {
    expect(listUnder('bot').sort()).toEqual(
      ['app_mentions:read', 'channels:history', 'channels:read', 'chat:write', 'chat:write.customize', 'commands', 'files:write', 'groups:history', 'groups:read', 'reactions:read', 'users:read'].sort(),
    );
  });

  it('subscribes to messages in public and private channels, to mentions, and to reactions (votes on findings)', () => {
    expect(listUnder('bot_events').sort()).toEqual(['app_mention', 'message.channels', 'message.groups', 'reaction_added', 'reaction_removed']);
  });

  it('declares the slash command, interactivity and Socket Mode', () => {
    expect(text).toContain(`- command: ${SLASH_COMMAND}\n`);
    expect(text).toMatch(/interactivity:\n\s+is_enabled: true/);
    expect(text).toMatch(/^\s+socket_mode_enabled: true$/m);
    expect(text).not.toMatch(/\t/);
  });
});
