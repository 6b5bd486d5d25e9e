import { ERRORS } from '../src/contract/errors.js';

/**
 * What is wrong with an error answer, measured against the one error contract (DESIGN.md): JSON, and
 * exactly `{"error":{"code","message","details"?}}` with a code from the catalog. Undefined when nothing is.
 */
export function errorShapeProblem(answer: {
  contentType: string | undefined;
  body: string;
}): string | undefined {
  if (!/^application\/json\b/.test(answer.contentType ?? '')) return `content-type ${answer.contentType}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return 'a body that is not JSON';
  }
  if (!isPlainObject(parsed) || Object.keys(parsed).join() !== 'error' || !isPlainObject(parsed.error))
    return 'not {"error":{…}}';
  const { code, message, details, ...rest } = parsed.error;
  if (Object.keys(rest).length > 0) return `unknown fields ${Object.keys(rest).join(', ')}`;
  if (typeof code !== 'string' || !Object.hasOwn(ERRORS, code))
    return `code ${String(code)} not in the catalog`;
  if (typeof message !== 'string') return 'a message that is not a string';
  if (details !== undefined && !isPlainObject(details)) return 'details that are not an object';
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
