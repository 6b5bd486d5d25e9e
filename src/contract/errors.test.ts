import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERRORS } from './errors.js';
import { ERROR_DOCS, renderErrorDocs } from '../../scripts/error-docs.js';
import { ErrorResponse } from './common.js';

describe('error catalog', () => {
  it('when the catalog changes, then docs/errors.md has been regenerated (npm run docs)', async () => {
    expect(await readFile(ERROR_DOCS, 'utf8')).toBe(await renderErrorDocs());
  });

  it('when a code is declared, then it is SCREAMING_SNAKE, has a 4xx/5xx status, and is in the response schema', () => {
    const schemaCodes: string[] = ErrorResponse.properties.error.properties.code.enum;
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(schemaCodes).toContain(code);
    }
  });
});
