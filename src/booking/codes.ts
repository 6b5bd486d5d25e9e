import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const RANDOM_BYTES = 15;
const SIGNATURE_BYTES = 12;
/** Random bytes are drawn for this many codes at once: one call to the system's generator, not one a code. */
const POOL_CODES = 128;
const CODE = /^T([A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{16})$/;

/**
 * Ticket codes as printed in the QR: `T<120 random bits>.<96-bit HMAC of them>`. The randomness makes a
 * code unguessable; the signature lets check-in turn away a forged code without touching the database.
 * 38 characters keep the QR small enough to scan from a phone screen.
 */
export class TicketCodes {
  private readonly key: Buffer;
  private pool = Buffer.alloc(0);
  private used = 0;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('tmomi:ticket-code').digest();
  }

  issue(): string {
    // As Node's randomUUID does: every byte of the pool serves one code only.
    if (this.used + RANDOM_BYTES > this.pool.length) {
      this.pool = randomBytes(RANDOM_BYTES * POOL_CODES);
      this.used = 0;
    }
    const body = this.pool.toString('base64url', this.used, (this.used += RANDOM_BYTES));
    return `T${body}.${this.sign(body)}`;
  }

  /** Whether the code is well-formed and signed by us (it may still be unknown, voided or used). */
  isGenuine(code: string): boolean {
    const match = CODE.exec(code);
    if (!match) return false;
    const expected = Buffer.from(this.sign(match[1]!));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key)
      .update(body)
      .digest()
      .subarray(0, SIGNATURE_BYTES)
      .toString('base64url');
  }
}
