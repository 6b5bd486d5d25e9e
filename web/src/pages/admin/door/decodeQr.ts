import jsQR from 'jsqr';

/** An RGBA image, as a canvas's getImageData gives it. */
export interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** The text of the QR code in the image, or null when none can be read. */
export function decodeQr(image: Rgba): string | null {
  // Tickets are dark on light, on paper and on screens alike; not trying the inverted image as well
  // halves the time a frame takes, and the camera's next frame comes sooner.
  const found = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
  return found?.data ? found.data : null;
}

/**
 * Whether a code read from the camera is a new scan: a code seen again within `windowMs` is a ticket
 * still held up to the lens (or two held up in turn), not a second attempt to enter.
 */
export function repeatFilter(windowMs: number): (code: string, now: number) => boolean {
  const seen = new Map<string, number>();
  return (code, now) => {
    const last = seen.get(code);
    for (const [other, at] of seen) if (now - at >= windowMs) seen.delete(other);
    // Each sighting restarts the window: a ticket held there stays one scan until it has been away.
    seen.set(code, now);
    return last === undefined || now - last >= windowMs;
  };
}
