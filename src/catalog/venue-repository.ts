import { inTransaction, type Db } from '../platform/db.js';
import type { SeatPlan } from '../contract/layout.js';

export interface VenueRow {
  id: string;
  name: string;
  address: string;
  seatCount: number;
  plan: SeatPlan;
  createdAt: Date;
}

const VENUE = `id::text, name, address, seat_count AS "seatCount", layout AS plan, created_at AS "createdAt"`;

export class VenueRepository {
  constructor(private readonly db: Db) {}

  /** The venue, its sections and every seat, in one transaction; the seats in one set-based statement. */
  async insertVenue(venue: { name: string; address: string; plan: SeatPlan }): Promise<VenueRow> {
    return inTransaction(this.db, async (client) => {
      const { rows } = await client.query<VenueRow>(
        `INSERT INTO venues (name, address, seat_count, layout) VALUES ($1, $2, $3, $4) RETURNING ${VENUE}`,
        [venue.name, venue.address, venue.plan.seatCount, JSON.stringify(venue.plan)],
      );
      const created = rows[0]!;
      await client.query(
        `INSERT INTO sections (venue_id, section_no, name, grade)
         SELECT $1, s.section_no, s.name, s.grade
         FROM jsonb_to_recordset($2::jsonb) AS s(section_no int, name text, grade text)`,
        [
          created.id,
          JSON.stringify(
            venue.plan.sections.map((s) => ({ section_no: s.sectionNo, name: s.name, grade: s.grade })),
          ),
        ],
      );
      const rowList = venue.plan.sections.flatMap((s) =>
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
        [created.id, JSON.stringify(rowList)],
      );
      return created;
    });
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
