import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import type { SeatPlan } from '../contract/layout.js';
import { seatPositions } from '../contract/geometry.js';

export interface VenueRow {
  id: string;
  name: string;
  address: string;
  seatCount: number;
  plan: SeatPlan;
  organizationId: string;
  createdAt: Date;
  updatedAt: Date;
}

const VENUE = `id::text, name, address, seat_count AS "seatCount", layout AS plan, organization_id::text AS "organizationId",
  created_at AS "createdAt",
  updated_at AS "updatedAt"`;

export class VenueRepository {
  constructor(private readonly db: Db) {}

  /** The venue, its sections and every seat, in one transaction; the seats in one set-based statement. */
  async insertVenue(venue: {
    name: string;
    address: string;
    plan: SeatPlan;
    organizationId: string;
  }): Promise<VenueRow> {
    return inTransaction(this.db, async (client) => {
      const { rows } = await client.query<VenueRow>(
        `INSERT INTO venues (name, address, seat_count, layout, organization_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${VENUE}`,
        [venue.name, venue.address, venue.plan.seatCount, JSON.stringify(venue.plan), venue.organizationId],
      );
      const created = rows[0]!;
      await this.insertSeats(client, created.id, venue.plan);
      return created;
    });
  }

  /**
   * The sections (standing areas among them) and every seat of a plan (each standing place a seat
   * row with no row label), set-based: one statement for the sections, one for the seats, whose
   * positions and attributes come as arrays in seat order beside the rows that number them.
   */
  private async insertSeats(client: DbClient, venueId: string, plan: SeatPlan): Promise<void> {
    const areas = plan.standing ?? [];
    await client.query(
      `INSERT INTO sections (venue_id, section_no, name, grade, standing)
       SELECT $1, s.section_no, s.name, s.grade, s.standing
       FROM jsonb_to_recordset($2::jsonb) AS s(section_no int, name text, grade text, standing boolean)`,
      [
        venueId,
        JSON.stringify([
          ...plan.sections.map((s) => ({
            section_no: s.sectionNo,
            name: s.name,
            grade: s.grade,
            standing: false,
          })),
          ...areas.map((a) => ({ section_no: a.sectionNo, name: a.name, grade: a.grade, standing: true })),
        ]),
      ],
    );
    const rowList = [
      ...plan.sections.flatMap((s) =>
        s.rows.map((r) => ({
          section_no: s.sectionNo,
          label: r.label,
          seats: r.seats,
          first: r.firstSeatNo,
        })),
      ),
      ...areas.map((a) => ({ section_no: a.sectionNo, label: '', seats: a.capacity, first: a.firstSeatNo })),
    ];
    const { xs, ys, flags } = seatColumns(plan);
    await client.query(
      `INSERT INTO seats (venue_id, seat_no, section_no, row_label, number, x, y, accessible, companion, blocked)
       SELECT $1, r.first + n - 1, r.section_no, r.label, n, p.x, p.y,
              p.f & ${ACCESSIBLE} <> 0, p.f & ${COMPANION} <> 0, p.f & ${BLOCKED} <> 0
       FROM jsonb_to_recordset($2::jsonb) AS r(section_no int, label text, seats int, first int),
            generate_series(1, r.seats) AS n,
            LATERAL (SELECT ($3::real[])[r.first + n] AS x, ($4::real[])[r.first + n] AS y,
                            ($5::smallint[])[r.first + n] AS f) AS p`,
      [venueId, JSON.stringify(rowList), xs, ys, flags],
    );
  }

  async lockVenue(client: DbClient, id: string): Promise<VenueRow | undefined> {
    const { rows } = await client.query<VenueRow>(`SELECT ${VENUE} FROM venues WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return rows[0];
  }

  /** Events that use the venue (their tickets and prices follow its seats and grades). */
  async countEvents(client: DbClient, id: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM events WHERE venue_id = $1',
      [id],
    );
    return rows[0]!.n;
  }

  /** New name, address and (when given) seats; the caller checked under the venue's lock that none is in use. */
  async updateVenue(
    client: DbClient,
    id: string,
    patch: { name?: string; address?: string; plan?: SeatPlan },
  ): Promise<VenueRow> {
    if (patch.plan) {
      await client.query('DELETE FROM seats WHERE venue_id = $1', [id]);
      await client.query('DELETE FROM sections WHERE venue_id = $1', [id]);
      await this.insertSeats(client, id, patch.plan);
    }
    const { rows } = await client.query<VenueRow>(
      `UPDATE venues SET name = COALESCE($2, name), address = COALESCE($3, address),
         seat_count = COALESCE($4, seat_count), layout = COALESCE($5, layout), updated_at = now()
       WHERE id = $1 RETURNING ${VENUE}`,
      [
        id,
        patch.name ?? null,
        patch.address ?? null,
        patch.plan?.seatCount ?? null,
        patch.plan ? JSON.stringify(patch.plan) : null,
      ],
    );
    return rows[0]!;
  }

  /** Deletes the venue with its sections and seats (cascaded); the caller checked no event uses it. */
  async deleteVenue(client: DbClient, id: string): Promise<void> {
    await client.query('DELETE FROM venues WHERE id = $1', [id]);
  }

  async findVenue(id: string, db: Db = this.db): Promise<VenueRow | undefined> {
    const { rows } = await db.query<VenueRow>(`SELECT ${VENUE} FROM venues WHERE id = $1`, [id]);
    return rows[0];
  }

  async listVenues(limit: number, offset: number): Promise<VenueRow[]> {
    const { rows } = await this.db.query<VenueRow>(
      `SELECT ${VENUE} FROM venues ORDER BY venues.id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return rows;
  }
}

const [ACCESSIBLE, COMPANION, BLOCKED] = [1, 2, 4];

/**
 * Each seat's place and attributes, in seat order, for the seats table: a compact layout's seat i at
 * (x + i, y) as it always was (the square's corner), a version 2 seat at its centre on the plane, a
 * standing place at its area's middle. Rounded to a hundredth, which is all `real` keeps worth having.
 */
function seatColumns(plan: SeatPlan): { xs: number[]; ys: number[]; flags: number[] } {
  const positions = seatPositions(plan);
  const xs = new Array<number>(plan.seatCount);
  const ys = new Array<number>(plan.seatCount);
  const flags = new Array<number>(plan.seatCount).fill(0);
  // (A coordinate of 1e-300 would be too small for `real`: PostgreSQL refuses it rather than round.)
  const round = (n: number) => Math.round(n * 100) / 100;
  const compact = plan.version !== 2;
  for (let s = 0; s < plan.seatCount; s++) {
    xs[s] = round(positions[2 * s]! - (compact ? 0.5 : 0));
    ys[s] = round(positions[2 * s + 1]! - (compact ? 0.5 : 0));
  }
  for (const area of plan.standing ?? []) {
    xs.fill(round(area.x), area.firstSeatNo, area.firstSeatNo + area.capacity);
    ys.fill(round(area.y), area.firstSeatNo, area.firstSeatNo + area.capacity);
  }
  for (const section of plan.sections)
    for (const row of section.rows)
      for (const [key, bit] of [
        ['accessible', ACCESSIBLE],
        ['companion', COMPANION],
        ['blocked', BLOCKED],
      ] as const)
        for (const n of row[key] ?? []) flags[row.firstSeatNo + n - 1]! |= bit;
  return { xs, ys, flags };
}
