import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../../i18n';
import { repeatFilter } from './decodeQr';
import { frameReader } from './frameReader';

/** A pause between frames: a few reads a second find a held-up code at once and leave the phone cool. */
const FRAME_GAP_MS = 150;
/** The same code within this long is the same ticket still in view. */
const REPEAT_MS = 3000;

/** The device's camera, reading QR codes while it is on; each new code goes to `onCode`. */
export function CameraScanner({ onCode }: { onCode: (code: string) => void }) {
  const { t } = useI18n();
  const [on, setOn] = useState(false);
  const [failed, setFailed] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  // The loop below lives as long as the camera; it calls whatever `onCode` is current.
  const latest = useRef(onCode);
  useEffect(() => {
    latest.current = onCode;
  }, [onCode]);

  useEffect(() => {
    if (!on) return;
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        // Throws where there is no camera, no permission, or no secure context (plain http).
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
        const element = video.current;
        if (stopped || !element) return;
        element.srcObject = stream;
        await element.play();
        const read = await frameReader();
        const isNew = repeatFilter(REPEAT_MS);
        const tick = async () => {
          if (stopped) return;
          const code = await read(element).catch(() => null);
          if (code && isNew(code, Date.now())) latest.current(code);
          timer = setTimeout(() => void tick(), FRAME_GAP_MS);
        };
        await tick();
      } catch {
        if (stopped) return;
        setFailed(true);
        setOn(false);
      }
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, [on]);

  return (
    <div className="camera">
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setFailed(false);
          setOn(!on);
        }}
      >
        {on ? t('door.cameraStop') : t('door.cameraStart')}
      </button>
      {on && (
        <>
          <video ref={video} muted playsInline />
          <p className="muted">{t('door.cameraHint')}</p>
        </>
      )}
      {failed && (
        <p className="note note-error" role="alert">
          {t('door.cameraFailed')}
        </p>
      )}
    </div>
  );
}
