/** Fields an audit row never keeps: a ticket's code is its bearer's proof, a password is a password. */
const SECRET = new Set([
  'code',
  'password',
  'currentPassword',
  'newPassword',
  'card',
  'token',
  'accessToken',
]);
/** Past this many characters a part of the summary is left out, so a venue's layout does not fill the log. */
const MAX_PART = 4_000;

/** The before/after summary of an admin action, with secrets removed and large parts left out. */
export function auditSummary(parts: Record<string, unknown>): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parts)) {
    if (value === undefined || value === null) continue;
    const text = JSON.stringify(value, (key, v: unknown) => (SECRET.has(key) ? '[removed]' : v));
    summary[name] = text.length > MAX_PART ? { omitted: `${text.length} characters` } : JSON.parse(text);
  }
  return summary;
}
