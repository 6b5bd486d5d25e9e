/**
 * The availability bitset, one definition for the server, the engine's memory adapter and the web app:
 * bit j (least significant first) of byte i is seat 8i + j, set when the seat is shown available. The
 * Redis adapter's `flip.lua` writes the same layout with SETBIT (which numbers a byte's bits the other
 * way round); the engine's contract tests hold both adapters to this reader.
 */

/** Bytes needed for `seatCount` seats. */
export const bitsetBytes = (seatCount: number): number => Math.ceil(seatCount / 8);

/** Whether the bitset shows the seat available; a seat past its end is not. */
export const isFree = (bits: Uint8Array, seat: number): boolean =>
  (((bits[seat >> 3] ?? 0) >> (seat & 7)) & 1) === 1;

/** Shows the seat available or taken; a seat past the end is ignored. */
export function setFree(bits: Uint8Array, seat: number, free: boolean): void {
  const i = seat >> 3;
  if (i >= bits.length) return;
  const mask = 1 << (seat & 7);
  bits[i] = free ? bits[i]! | mask : bits[i]! & ~mask;
}

/** Every seat the bitset shows available, in order. */
export function freeSeats(bits: Uint8Array): number[] {
  const seats: number[] = [];
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] === 0) continue;
    for (let b = 0; b < 8; b++) if (isFree(bits, i * 8 + b)) seats.push(i * 8 + b);
  }
  return seats;
}

/** How many of the first `seatCount` seats the bitset shows available. */
export function countFree(bits: Uint8Array, seatCount: number): number {
  let count = 0;
  for (let seat = 0; seat < seatCount; seat++) if (isFree(bits, seat)) count++;
  return count;
}

/** Set bits of each byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v > 0; v >>= 1) n += v & 1;
  return n;
});

/**
 * How many of seats `from … to − 1` the bitset shows free: whole bytes by table, the ends bit by bit.
 * A section's places are one run of seat numbers, so the server's `seatsLeft` and the seat map's
 * overview count them with this, a few microseconds for 100,000 seats.
 */
export function countFreeIn(bits: Uint8Array, from: number, to: number): number {
  let count = 0;
  let seat = from;
  for (; seat < to && (seat & 7) !== 0; seat++) count += ((bits[seat >> 3] ?? 0) >> (seat & 7)) & 1;
  for (; seat + 8 <= to; seat += 8) count += POPCOUNT[bits[seat >> 3] ?? 0]!;
  for (; seat < to; seat++) count += ((bits[seat >> 3] ?? 0) >> (seat & 7)) & 1;
  return count;
}

/** The bitset from its base64 form in `GET /api/performances/:id/availability`. */
export function decodeBitset(base64: string): Uint8Array {
  const text = atob(base64);
  const bits = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bits[i] = text.charCodeAt(i);
  return bits;
}
