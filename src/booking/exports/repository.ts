import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from '../../platform/db.js';
import { usedSql } from '../access/repository.js';

/** Excel, Numbers and LibreOffice read a CSV as UTF-8 (and so show Hangul) only when it starts with this. */
export const UTF8_BOM = '\uFEFF';

// A cell a spreadsheet would take for a formula (=, +, -, @, tab, CR first) is shown as text instead:
// buyers choose their names, and a name like `=HYPERLINK(…)` must not run on the organizer's machine
// (OWASP, "CSV injection").
const cell = (sql: string) => `CASE WHEN ${sql} ~ '^[=+@\\t\\r-]' THEN '''' || ${sql} ELSE ${sql} END`;
const instant = (sql: string) => `to_char(${sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

const SEATED = `JOIN performances p ON p.id = i.performance_id JOIN events e ON e.id = p.event_id
  JOIN seats st ON st.venue_id = e.venue_id AND st.seat_no = i.seat_no
  JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no`;

// A standing place is a ticket of its area, not a seat: no row and no seat number (its place number
// says nothing at the door), as its ticket and PDF show it (decision 033); the orders' list names the area.
const ATTENDEES = (perf: bigint) => `
  SELECT i.order_id AS order_id, ${cell('u.name')} AS buyer_name, ${cell('u.email')} AS buyer_email,
    ${cell('sc.name')} AS section, CASE WHEN NOT sc.standing THEN ${cell('st.row_label')} END AS "row",
    CASE WHEN NOT sc.standing THEN st.number END AS seat, ${cell('sc.grade')} AS grade,
    i.price, o.currency,
    CASE WHEN i.voided_at IS NOT NULL THEN 'void' WHEN i.checked_in_at IS NOT NULL THEN 'used' ELSE 'valid' END AS status,
    ${instant('i.checked_in_at')} AS checked_in_at
  FROM issued_tickets i JOIN orders o ON o.id = i.order_id JOIN users u ON u.id = o.user_id ${SEATED}
  WHERE i.performance_id = ${perf} ORDER BY i.seat_no, i.id`;

const ORDERS = (perf: bigint) => `
  SELECT o.id AS order_id, o.status, ${cell('u.name')} AS buyer_name, ${cell('u.email')} AS buyer_email,
    cardinality(o.seat_nos) AS tickets,
    (SELECT string_agg(${cell("CASE WHEN sc.standing THEN sc.name ELSE sc.name || '-' || st.row_label || '-' || st.number END")}, ' ' ORDER BY st.seat_no)
     FROM performances p JOIN events e ON e.id = p.event_id
       JOIN seats st ON st.venue_id = e.venue_id AND st.seat_no = ANY (o.seat_nos)
       JOIN sections sc ON sc.venue_id = st.venue_id AND sc.section_no = st.section_no
     WHERE p.id = o.performance_id) AS seats,
    o.amount, coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.order_id = o.id), 0) AS refunded, o.currency,
    ${instant('o.created_at')} AS created_at,
    ${instant("(SELECT pm.created_at FROM payments pm WHERE pm.order_id = o.id AND pm.status IN ('succeeded', 'refunded'))")} AS paid_at
  FROM orders o JOIN users u ON u.id = o.user_id
  WHERE o.performance_id = ${perf} ORDER BY o.id`;

// Codes are ours (upper-case letters, digits, - and _), never a formula; grades are the organizer's.
const CODES = (perf: bigint) => `
  SELECT c.code, c.max_uses, ${usedSql('now()')} AS used, c.discount_percent AS percent_off, c.discount_amount AS amount_off,
    ${cell("nullif(array_to_string(c.grades, ' '), '')")} AS grades, ${instant('c.created_at')} AS created_at
  FROM access_codes c WHERE c.performance_id = ${perf} ORDER BY c.id`;

export type ExportKind = 'attendees' | 'orders' | 'codes';

/**
 * A performance's rows as CSV, streamed out of PostgreSQL by COPY: the database writes the CSV (its
 * quoting is RFC 4180's) and pg-copy-streams hands it on chunk by chunk, pausing the connection while
 * the client reads slowly, so 100,000 rows cost the node a few chunks of memory, never the whole file.
 */
export class ExportRepository {
  constructor(private readonly db: Db) {}

  async csv(kind: ExportKind, performanceId: string): Promise<Readable> {
    // COPY takes no parameters; the id is a validated decimal, made a bigint literal here.
    const perf = BigInt(performanceId);
    const select = { attendees: ATTENDEES, orders: ORDERS, codes: CODES }[kind](perf);
    const client = await this.db.connect();
    const out = new PassThrough();
    out.write(UTF8_BOM);
    let rows: Readable;
    try {
      rows = client.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
    } catch (err) {
      client.release(true);
      throw err;
    }
    // A client that goes away mid-file destroys `out`; pipeline then stops the COPY, and the
    // connection, left mid-protocol, is discarded rather than returned to the pool.
    pipeline(rows, out, (err) => client.release(err ? true : undefined));
    return out;
  }
}
