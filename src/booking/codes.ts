import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const RANDOM_BYTES = 15;
const SIGNATURE_BYTES = 12;
const CODE = /^T([A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{16})$/;

/**
 * Ticket codes as printed in the QR: `T<120 random bits>.<96-bit HMAC of them>`. The randomness makes a
 * code unguessable; the signature lets check-in turn away a forged code without touching the database.
 * 42 characters keep the QR small enough to scan from a phone screen.
 */
export class TicketCodes {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('tmomi:ticket-code').digest();
  }

  issue(): string {
    const body = randomBytes(RANDOM_BYTES).toString('base64url');
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
