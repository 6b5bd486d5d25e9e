import { inTransaction, type Db, type DbClient } from '../platform/db.js';
import type { SeatPlan } from '../contract/layout.js';

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

  /** The sections and every seat of a plan, set-based. */
  private async insertSeats(client: DbClient, venueId: string, plan: SeatPlan): Promise<void> {
    await client.query(
      `INSERT INTO sections (venue_id, section_no, name, grade)
       SELECT $1, s.section_no, s.name, s.grade
       FROM jsonb_to_recordset($2::jsonb) AS s(section_no int, name text, grade text)`,
      [
        venueId,
        JSON.stringify(plan.sections.map((s) => ({ section_no: s.sectionNo, name: s.name, grade: s.grade }))),
      ],
    );
    const rowList = plan.sections.flatMap((s) =>
      s.rows.map((r) => ({
        section_no: s.sectionNo,
        label: r.label,
        seats: r.seats,
        first: r.firstSeatNo,
        x: r.x,
        y: r.y,
      })),
    );
    await client.query(
      `INSERT INTO seats (venue_id, seat_no, section_no, row_label, number, x, y)
       SELECT $1, r.first + n - 1, r.section_no, r.label, n, r.x + n - 1, r.y
       FROM jsonb_to_recordset($2::jsonb) AS r(section_no int, label text, seats int, first int, x real, y real),
            generate_series(1, r.seats) AS n`,
      [venueId, JSON.stringify(rowList)],
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

  async findVenue(id: string): Promise<VenueRow | undefined> {
    const { rows } = await this.db.query<VenueRow>(`SELECT ${VENUE} FROM venues WHERE id = $1`, [id]);
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
