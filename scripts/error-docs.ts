import { format, resolveConfig } from 'prettier';
import { ERRORS } from '../src/contract/errors.js';

export const ERROR_DOCS = new URL('../docs/errors.md', import.meta.url);

/** docs/errors.md, rendered from the catalog; `npm run docs` writes it and a test checks it is current. */
export async function renderErrorDocs(): Promise<string> {
  const rows = Object.entries(ERRORS).map(
    ([code, { status, message }]) => `| \`${code}\` | ${status} | ${message} |`,
  );
  const markdown = [
    '# Error codes',
    '',
    '<!-- Generated from src/contract/errors.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every error response is `{"error":{"code","message","details"}}`. Codes are stable: clients may rely',
    'on them; messages are for people and may change. `details` carries structured context (for',
    'validation errors: `field`, `in` and `problem`; for rate limits: `retryAfterSeconds`).',
    '',
    '| code | HTTP status | default message |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  // Formatted as `npm run check` expects, so the committed file passes both checks.
  return format(markdown, { ...(await resolveConfig(ERROR_DOCS)), parser: 'markdown' });
}
