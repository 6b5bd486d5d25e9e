import { countFreeIn } from '../contract/bitset.js';
import type { SeatsLeft } from '../contract/catalog.js';
import type { SeatPlan } from '../contract/layout.js';
import { Memo } from '../platform/memo.js';
import type { AvailabilityService, AvailabilitySnapshot } from './availability.js';
import type { PerformanceRow } from './performance.js';

/**
 * What is left of each section (standing areas among them, each a run of seat numbers) and of each
 * grade, counted from the availability bitset: a few microseconds for 100,000 seats. Blocked seats are
 * never shown free, so they are never left; `seats` is what the layout puts on sale.
 */
export function seatsLeftOf(plan: SeatPlan, bits: Uint8Array, version: number): Required<SeatsLeft> {
  const parts = [
    ...plan.sections.map((s) => {
      const last = s.rows.at(-1)!;
      const blocked = s.rows.reduce((n, r) => n + new Set(r.blocked ?? []).size, 0);
      const [from, to] = [s.rows[0]!.firstSeatNo, last.firstSeatNo + last.seats];
      return { sectionNo: s.sectionNo, name: s.name, grade: s.grade, from, to, seats: to - from - blocked };
    }),
    ...(plan.standing ?? []).map((a) => ({
      sectionNo: a.sectionNo,
      name: a.name,
      grade: a.grade,
      standing: true,
      from: a.firstSeatNo,
      to: a.firstSeatNo + a.capacity,
      seats: a.capacity,
    })),
  ];
  const grades = new Map<string, { grade: string; left: number; seats: number }>();
  const sections = parts.map(({ from, to, ...part }) => {
    const left = countFreeIn(bits, from, to);
    const grade = grades.get(part.grade) ?? { grade: part.grade, left: 0, seats: 0 };
    grade.left += left;
    grade.seats += part.seats;
    grades.set(part.grade, grade);
    return { ...part, left };
  });
  return { version, grades: [...grades.values()], sections };
}

/**
 * Seats left per performance, made from the bitset snapshot the public availability read already keeps
 * (AvailabilityService.snapshot: the engine's bitset, at most a quarter second old on this node), and
 * the same object again while that snapshot and the venue's plan are the same ones (Memo): the public
 * pages that show it are built and serialized again only when a seat moved.
 */
export class SeatsLeftCounter {
  private readonly counts = new Memo<Required<SeatsLeft>>();
  private readonly grades = new Memo<SeatsLeft>();

  constructor(private readonly availability: AvailabilityService) {}

  async of(perf: PerformanceRow, plan: SeatPlan): Promise<Required<SeatsLeft>> {
    const snapshot = await this.availability.snapshot(perf.id, perf.seatCount);
    return this.count(perf.id, plan, snapshot);
  }

  /** Per grade only, for a list of performances (the event page). */
  async gradesOf(perf: PerformanceRow, plan: SeatPlan): Promise<SeatsLeft> {
    const all = await this.of(perf, plan);
    return this.grades.get(perf.id, [all], () => ({ version: all.version, grades: all.grades }));
  }

  private count(id: string, plan: SeatPlan, snapshot: AvailabilitySnapshot): Required<SeatsLeft> {
    return this.counts.get(id, [snapshot, plan], () => seatsLeftOf(plan, snapshot.bits, snapshot.version));
  }
}
