import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION_TTL_MS } from './availability/port.js';
import { GATE_PROVISIONAL_MS } from './hold-gate/port.js';
import { STATE_TAG } from './waiting-room/state.js';

const lua = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

describe('Lua scripts', () => {
  it('when a constant is spelled in Lua as well as in TypeScript, then both spell the same value', () => {
    expect(lua('availability/version.lib.lua')).toContain(`\nlocal VERSION_TTL_MS = ${VERSION_TTL_MS}\n`);
    expect(lua('hold-gate/acquire.lua')).toContain(`\nlocal GATE_PROVISIONAL_MS = ${GATE_PROVISIONAL_MS}\n`);
  });

  it("when the waiting room's scripts write or test an entry's state, then they use the tags of state.ts", () => {
    const scripts = readdirSync(new URL('waiting-room/', import.meta.url))
      .filter((file) => file.endsWith('.lua'))
      .map((file) => lua(`waiting-room/${file}`))
      .join('\n');
    // Written or matched: 'w:' .. seq, '^a:(%d+):(%d+)$'; tested: string.sub(raw, 1, 1) == 'p'.
    const written = new Set([...scripts.matchAll(/'\^?([a-z]):/g)].map((m) => m[1]));
    const tested = new Set([...scripts.matchAll(/[=~]= '([a-z])'/g)].map((m) => m[1]));
    const tags = Object.values(STATE_TAG);
    expect([...written].sort()).toEqual([...tags].sort());
    expect(tags).toEqual(expect.arrayContaining([...tested]));
  });
});
