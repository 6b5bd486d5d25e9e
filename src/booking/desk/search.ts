/** What one search box may mean: the desk tries every reading at once (an email may look like a seat). */
export interface DeskSearch {
  /** An ILIKE pattern over the buyer's email, its wildcards escaped: a partial match, any case. */
  emailLike: string;
  orderId: string | null;
  ticketCode: string | null;
  seat: { section: string; row: string; seat: number } | null;
}

// The seat labels people read (tickets/labels.ts) and the short form support types.
const SEAT_FORMS = [
  /^(.+?)\s*구역\s*(\S+?)\s*열\s*(\d+)\s*번$/u,
  /^section\s+(.+?)\s*[·,/]?\s*row\s+(\S+?)\s*[·,/]?\s*seat\s+(\d+)$/iu,
  /^(.+)-([^-\s]+)-(\d+)$/u,
];

const ORDER_ID = /^[1-9][0-9]{0,17}$/;
// Codes are `T` + base64url + `.` + base64url (booking/codes.ts); anything else cannot be one.
const TICKET_CODE = /^T[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function readSearch(q: string): DeskSearch {
  const text = q.trim();
  return {
    emailLike: `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    orderId: ORDER_ID.test(text) ? text : null,
    ticketCode: TICKET_CODE.test(text) ? text : null,
    seat: seatOf(text),
  };
}

function seatOf(text: string): DeskSearch['seat'] {
  for (const form of SEAT_FORMS) {
    const m = form.exec(text);
    if (!m) continue;
    const seat = Number(m[3]);
    if (Number.isSafeInteger(seat) && seat <= 2_147_483_647)
      return { section: m[1]!.trim(), row: m[2]!, seat };
  }
  return null;
}
