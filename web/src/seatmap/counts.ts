import { countFreeIn } from '@tmomi/contract/bitset';
import type { SeatIndex } from './model';

// What is left, counted in the browser from the availability bitset with the server's own count
// (`countFreeIn`): a section's places are one run of seat numbers. 100,000 seats: well under a millisecond.

export interface Left {
  /** Free places of each section and area, in the index's order. */
  places: Int32Array;
  /** Free places of each grade, in the index's order. */
  grades: Int32Array;
  total: number;
}

/** Free places per section, area and grade; with no bitset (a preview), every place. */
export function countLeft(index: SeatIndex, bits: Uint8Array | null): Left {
  const places = new Int32Array(index.places.length);
  const grades = new Int32Array(index.grades.length);
  let total = 0;
  index.places.forEach((place, p) => {
    const left = bits ? countFreeIn(bits, place.first, place.first + place.count) : place.forSale;
    places[p] = left;
    grades[place.grade]! += left;
    total += left;
  });
  return { places, grades, total };
}
