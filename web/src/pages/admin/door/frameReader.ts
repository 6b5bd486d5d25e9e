import { decodeQr } from './decodeQr';

// The Barcode Detection API is not in TypeScript's DOM library yet: the little of it used here.
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): {
    detect: (source: CanvasImageSource) => Promise<{ rawValue: string }[]>;
  };
  getSupportedFormats: () => Promise<string[]>;
}

/** Frames are read at most this wide: jsQR's time grows with the pixels, and a held-up QR fills the frame. */
const MAX_SIDE = 640;

/**
 * A QR reader for video frames: the browser's own BarcodeDetector where it reads QR codes (Chrome on
 * Android and macOS, Safari), else jsQR on the frame drawn to a canvas.
 */
export async function frameReader(): Promise<(video: HTMLVideoElement) => Promise<string | null>> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  const native =
    Detector && (await Detector.getSupportedFormats().catch((): string[] => [])).includes('qr_code');
  if (Detector && native) {
    const detector = new Detector({ formats: ['qr_code'] });
    return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
  }
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    if (!context || video.videoWidth === 0) return null;
    const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    return decodeQr(context.getImageData(0, 0, canvas.width, canvas.height));
  };
}
