import type { Ticket } from '@tmomi/contract/booking';
import { ApiError } from '../../../api';
import { useI18n, type I18n } from '../../../i18n';
import { ErrorNote } from '../../../ui';
import { seatLabel } from '../../orders/labels';

/** A scan's outcome; `n` counts scans, so that the same outcome twice still shows as a new one. */
export type Scan = { n: number; code: string } & ({ ticket: Ticket } | { error: unknown });

/** One scan's outcome, large enough to read at arm's length: in (and where to sit), or why not. */
export function ScanResult({ scan }: { scan: Scan }) {
  const i18n = useI18n();
  const { t } = i18n;
  if ('ticket' in scan) {
    return (
      <div className="door-result door-ok" role="status" data-testid="door-result">
        <p className="door-headline">{t('door.admitted')}</p>
        <p className="door-seat">{seatLabel(t, scan.ticket)}</p>
        <p>{t('ticket.grade', { grade: scan.ticket.grade })}</p>
      </div>
    );
  }
  const refused = refusal(scan.error, i18n);
  if (!refused) return <ErrorNote error={scan.error} />;
  return (
    <div className={`door-result door-${refused.kind}`} role="alert" data-testid="door-result">
      <p className="door-headline">{refused.headline}</p>
      <p>{refused.detail}</p>
      <p className="code">{scan.code}</p>
    </div>
  );
}

/** The door's own refusals, in words; anything else (the network, a server fault) is an ordinary error. */
function refusal(err: unknown, { t, dateTime, errorText }: I18n) {
  if (!(err instanceof ApiError)) return null;
  const at = (name: string) => {
    const value = err.details?.[name];
    return typeof value === 'string' ? dateTime(value) : null;
  };
  switch (err.code) {
    case 'WRONG_PERFORMANCE': {
      const time = at('startsAt');
      return {
        kind: 'wrong',
        headline: t('door.wrongPerformance'),
        detail: time ? t('door.wrongPerformanceAt', { time }) : errorText(err),
      };
    }
    case 'ALREADY_CHECKED_IN': {
      const time = at('checkedInAt');
      return {
        kind: 'used',
        headline: t('door.used'),
        detail: time ? t('door.usedAt', { time }) : errorText(err),
      };
    }
    case 'TICKET_VOID':
      return { kind: 'void', headline: t('door.void'), detail: t('door.voidHint') };
    case 'TICKET_NOT_FOUND':
      return { kind: 'unknown', headline: t('door.unknown'), detail: t('door.unknownHint') };
    default:
      return null;
  }
}
