import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { decodeQr, repeatFilter, type Rgba } from './decodeQr';

/** A QR code as the camera would give it: black modules on white, `scale` pixels each, with a quiet zone. */
function render(text: string, scale = 4, margin = 4): Rgba {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const width = (modules.size + 2 * margin) * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let y = 0; y < width; y++)
    for (let x = 0; x < width; x++) {
      const row = Math.floor(y / scale) - margin;
      const col = Math.floor(x / scale) - margin;
      const dark = row >= 0 && col >= 0 && row < modules.size && col < modules.size && modules.get(row, col);
      if (dark) data.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }
  return { data, width, height: width };
}

describe('reading a ticket at the door', () => {
  it('when a ticket QR is in the frame, then its code is read', () => {
    // The shape of a ticket code (src/booking/codes.ts): T, 20 random characters, a dot, a 16-character signature.
    const code = 'TAbCdEfGhIjKlMnOpQrSt.0123456789_-abcd';
    expect(decodeQr(render(code))).toBe(code);
  });

  it('when the frame holds no QR code, then nothing is read', () => {
    const blank = { data: new Uint8ClampedArray(200 * 200 * 4).fill(255), width: 200, height: 200 };
    expect(decodeQr(blank)).toBeNull();
  });

  it('when the camera sees the same code again within 3 s, then it is not a new scan', () => {
    const isNew = repeatFilter(3000);
    expect(isNew('A', 0)).toBe(true);
    expect(isNew('A', 1000)).toBe(false);
    // Held there: still the same scan, 3 s after it was last seen and not after it was first.
    expect(isNew('A', 3500)).toBe(false);
    expect(isNew('A', 6600)).toBe(true);
  });

  it('when two tickets are held up in turn, then each is scanned once', () => {
    const isNew = repeatFilter(3000);
    expect(['A', 'B', 'A', 'B'].map((code, i) => isNew(code, i * 500))).toEqual([true, true, false, false]);
  });
});
