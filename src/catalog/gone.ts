import { AppError, type ErrorCode } from '../contract/errors.js';

const FOREIGN_KEY_VIOLATION = '23503';

/**
 * The rows a catalog write refers to, by the foreign key that refers to them, and their 404. The
 * services check that these rows exist before writing, but a delete can commit in between (an
 * organization deleted while its owner creates a venue; a venue deleted while an event is created in
 * it): PostgreSQL then refuses the write, and the request is told the row is gone instead of a 500.
 */
const GONE: Record<string, ErrorCode> = {
  venues_organization_id_fkey: 'ORGANIZATION_NOT_FOUND',
  events_organization_id_fkey: 'ORGANIZATION_NOT_FOUND',
  events_venue_id_fkey: 'VENUE_NOT_FOUND',
};

/** `write`, with a foreign-key violation on a row deleted meanwhile answered as that row's 404. */
export async function unlessGone<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    const { code, constraint } = err as { code?: string; constraint?: string };
    const gone = code === FOREIGN_KEY_VIOLATION && constraint !== undefined ? GONE[constraint] : undefined;
    if (gone) throw new AppError(gone);
    throw err;
  }
}
