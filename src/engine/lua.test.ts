import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION_TTL_MS } from './availability/port.js';
import { GATE_PROVISIONAL_MS } from './hold-gate/port.js';

const lua = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');

describe('Lua scripts', () => {
  it('when a constant is spelled in Lua as well as in TypeScript, then both spell the same value', () => {
    expect(lua('availability/version.lib.lua')).toContain(`\nlocal VERSION_TTL_MS = ${VERSION_TTL_MS}\n`);
    expect(lua('hold-gate/acquire.lua')).toContain(`\nlocal GATE_PROVISIONAL_MS = ${GATE_PROVISIONAL_MS}\n`);
  });
});
