import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import type { Job, PerformanceCreated } from '@tmomi/contract/catalog';
import { client } from '../../api';
import { useI18n } from '../../i18n';
import { ErrorNote, Field, ProgressBar } from '../../ui';

/** `datetime-local` speaks the browser's local time without a zone; the API wants an instant. */
const toLocalInput = (ms: number) => {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const HOUR = 3600_000;

/** The waiting-room settings: label, field, bounds (src/contract/catalog.ts) and default. */
const QUEUE_FIELDS = [
  ['admin.prequeue', 'prequeueMinutes', 0, 1440, 30],
  ['admin.admitPerSecond', 'admitPerSecond', 1, 10_000, 50],
  ['admin.maxActive', 'maxActive', 1, 1_000_000, 500],
  ['admin.passTtl', 'passTtlSeconds', 60, 7200, 600],
] as const;

export default function PerformanceForm() {
  const { id: eventId = '' } = useParams();
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<PerformanceCreated | null>(null);
  const [queueEnabled, setQueueEnabled] = useState(true);
  const [defaults] = useState(() => {
    const now = Date.now();
    return {
      startsAt: toLocalInput(now + 7 * 24 * HOUR),
      salesOpenAt: toLocalInput(now + HOUR),
      salesCloseAt: toLocalInput(now + 7 * 24 * HOUR - HOUR),
    };
  });

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const instant = (name: string) => new Date(form.get(name) as string).toISOString();
    const int = (name: string) => Number(form.get(name));
    const refundUntil = form.get('refundUntil') as string;
    const difficulty = form.get('challengeDifficulty') as string | null;
    setError(null);
    try {
      setCreated(
        await client.performances.create(eventId, {
          startsAt: instant('startsAt'),
          salesOpenAt: instant('salesOpenAt'),
          salesCloseAt: instant('salesCloseAt'),
          // Left empty, the server closes refunds at the start.
          ...(refundUntil ? { refundUntil: instant('refundUntil') } : {}),
          holdTtlSeconds: int('holdTtlSeconds'),
          maxTicketsPerUser: int('maxTicketsPerUser'),
          // Disabled fields are not in the form data: without a queue, the server's defaults stand.
          queue: queueEnabled
            ? {
                enabled: true,
                mode: form.get('lottery') ? 'lottery' : 'fifo',
                ...Object.fromEntries(QUEUE_FIELDS.map(([, name]) => [name, int(name)])),
                // Left empty, the server's configured default (TMOMI_CHALLENGE_DIFFICULTY) applies.
                ...(difficulty ? { challengeDifficulty: Number(difficulty) } : {}),
              }
            : { enabled: false },
        }),
      );
    } catch (err) {
      setError(err);
    }
  };

  if (created) return <Generation performanceId={created.id} jobId={created.jobId} eventId={eventId} />;
  return (
    <section className="narrow">
      <h1>{t('admin.newPerformance')}</h1>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <Field label={t('admin.startsAt')}>
          <input type="datetime-local" name="startsAt" required defaultValue={defaults.startsAt} />
        </Field>
        <Field label={t('admin.salesOpenAt')}>
          <input type="datetime-local" name="salesOpenAt" required defaultValue={defaults.salesOpenAt} />
        </Field>
        <Field label={t('admin.salesCloseAt')}>
          <input type="datetime-local" name="salesCloseAt" required defaultValue={defaults.salesCloseAt} />
        </Field>
        <Field label={t('admin.refundUntil')} hint={t('admin.refundUntilHint')}>
          <input type="datetime-local" name="refundUntil" />
        </Field>
        <div className="inline-fields">
          <Field label={t('admin.holdTtl')}>
            <input type="number" name="holdTtlSeconds" min={30} max={3600} defaultValue={300} />
          </Field>
          <Field label={t('admin.maxTickets')}>
            <input type="number" name="maxTicketsPerUser" min={1} max={20} defaultValue={4} />
          </Field>
        </div>
        <fieldset>
          <legend>{t('admin.queue')}</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={queueEnabled}
              onChange={(e) => setQueueEnabled(e.target.checked)}
            />
            {t('admin.queueEnabled')}
          </label>
          <label className="check">
            <input type="checkbox" name="lottery" disabled={!queueEnabled} />
            {t('admin.queueLottery')}
          </label>
          <div className="inline-fields">
            {QUEUE_FIELDS.map(([label, name, min, max, value]) => (
              <Field key={name} label={t(label)}>
                <input
                  type="number"
                  name={name}
                  min={min}
                  max={max}
                  defaultValue={value}
                  disabled={!queueEnabled}
                />
              </Field>
            ))}
            <Field label={t('admin.challengeDifficulty')} hint={t('admin.challengeDifficultyHint')}>
              <input
                type="number"
                name="challengeDifficulty"
                min={0}
                max={5_000_000}
                placeholder={t('admin.challengeDefault')}
                disabled={!queueEnabled}
              />
            </Field>
          </div>
        </fieldset>
        <ErrorNote error={error} />
        <button type="submit">{t('admin.createPerformance')}</button>
      </form>
    </section>
  );
}

function Generation({
  performanceId,
  jobId,
  eventId,
}: {
  performanceId: string;
  jobId: string;
  eventId: string;
}) {
  const { t } = useI18n();
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const read = () =>
      client.jobs.get(jobId, controller.signal).then(
        (next) => {
          setJob(next);
          if (next.state !== 'done' && next.state !== 'failed') timer = setTimeout(() => void read(), 300);
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setError(err);
        },
      );
    void read();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [jobId]);

  const done = job?.state === 'done';
  return (
    <section className="narrow">
      <h1>{t('admin.newPerformance')}</h1>
      <ErrorNote error={error} />
      {job && (
        <>
          <ProgressBar
            label={t('admin.generating', { done: job.done, total: job.total })}
            value={job.done}
            max={job.total}
          />
          <p role="status" data-testid="generation">
            {done
              ? t('admin.generated', { total: job.total.toLocaleString() })
              : job.state === 'failed'
                ? t('admin.generationFailed')
                : t('admin.generating', {
                    done: job.done.toLocaleString(),
                    total: job.total.toLocaleString(),
                  })}
          </p>
        </>
      )}
      {done && (
        <p className="row-buttons">
          <Link className="button" to={`/admin/performances/${performanceId}`}>
            {t('admin.openDashboard')}
          </Link>
          <Link to={`/events/${eventId}`}>{t('nav.home')}</Link>
        </p>
      )}
    </section>
  );
}
