import { useState, type FormEvent } from 'react';
import type { Performance, PerformancePatch } from '@tmomi/contract/catalog';
import { client } from '../../api';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/en';
import { ErrorNote, Field } from '../../ui';

/** `datetime-local` speaks the browser's local time without a zone, to the minute. */
const toLocalInput = (iso: string) => {
  const ms = Date.parse(iso);
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

const TIMES = [
  ['admin.startsAt', 'startsAt'],
  ['admin.salesOpenAt', 'salesOpenAt'],
  ['admin.salesCloseAt', 'salesCloseAt'],
  ['admin.refundUntil', 'refundUntil'],
] as const satisfies readonly (readonly [MessageKey, keyof Performance])[];

/** The queue settings that may change live: label, field, bounds (src/contract/catalog.ts). */
const QUEUE_FIELDS = [
  ['admin.admitPerSecond', 'admitPerSecond', 1, 10_000],
  ['admin.maxActive', 'maxActive', 1, 1_000_000],
  ['admin.passTtl', 'passTtlSeconds', 60, 7200],
  ['admin.challengeDifficulty', 'challengeDifficulty', 0, 5_000_000],
] as const;

/**
 * Live sale controls on the dashboard: pause or resume admission, and edit the settings that may change
 * while the sale runs. Only fields the organizer changed are sent: a time shown to the minute and sent
 * back unchanged would move it by its seconds.
 */
export function LiveControls({
  performance,
  onChanged,
}: {
  performance: Performance;
  onChanged: (performance: Performance) => void;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const { id, queue } = performance;
  const scheduled = performance.saleState === 'scheduled';

  const act = async (call: () => Promise<Performance>, then?: () => void) => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      onChanged(await call());
      then?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const patch: PerformancePatch = {};
    for (const [, name] of TIMES) {
      const value = form.get(name) as string;
      if (value && value !== toLocalInput(performance[name])) patch[name] = new Date(value).toISOString();
    }
    const int = (name: string) => Number(form.get(name));
    if (int('holdTtlSeconds') !== performance.holdTtlSeconds) patch.holdTtlSeconds = int('holdTtlSeconds');
    if (int('maxTicketsPerUser') !== performance.maxTicketsPerUser)
      patch.maxTicketsPerUser = int('maxTicketsPerUser');
    if (queue.enabled) {
      const changed = QUEUE_FIELDS.filter(([, name]) => int(name) !== queue[name]);
      if (changed.length > 0) patch.queue = Object.fromEntries(changed.map(([, name]) => [name, int(name)]));
    }
    // Whether there is a waiting room and when it opens change only before it opens (the server says
    // QUEUE_ALREADY_OPEN after), so the form offers them only then.
    if (scheduled) {
      const more: NonNullable<PerformancePatch['queue']> = {};
      const enabled = form.get('queueEnabled') === 'on';
      if (enabled !== queue.enabled) more.enabled = enabled;
      if (queue.enabled && int('prequeueMinutes') !== queue.prequeueMinutes)
        more.prequeueMinutes = int('prequeueMinutes');
      if (Object.keys(more).length > 0) patch.queue = { ...patch.queue, ...more };
    }
    if (Object.keys(patch).length === 0) return;
    void act(
      () => client.performances.update(id, patch),
      () => setSaved(true),
    );
  };

  const cancel = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reason = (new FormData(event.currentTarget).get('reason') as string).trim();
    if (window.confirm(t('live.cancelConfirm'))) void act(() => client.performances.cancel(id, reason));
  };

  if (performance.saleState === 'cancelled') {
    return (
      <section className="live-controls" aria-labelledby="live-title">
        <h2 id="live-title">{t('live.title')}</h2>
        <p role="status">
          <span className="badge badge-cancelled">{t('sale.cancelled')}</span> {t('live.cancelledHint')}
        </p>
      </section>
    );
  }

  return (
    <section className="live-controls" aria-labelledby="live-title">
      <h2 id="live-title">{t('live.title')}</h2>
      {queue.enabled && (
        <div className="live-queue">
          <span
            className={`badge ${queue.paused ? 'badge-paused' : 'badge-onsale'}`}
            data-testid="queue-state"
          >
            {queue.paused ? t('live.paused') : t('live.running')}
          </span>{' '}
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(() => (queue.paused ? client.performances.resume(id) : client.performances.pause(id)))
            }
          >
            {queue.paused ? t('live.resume') : t('live.pause')}
          </button>
          <p className="muted small">{queue.paused ? t('live.pausedHint') : t('live.pauseHint')}</p>
        </div>
      )}
      {/* Keyed by the settings alone (not the counts the dashboard re-reads), so that a change, here
          or by another organizer, refills the form and nothing else disturbs an edit under way. */}
      <form
        key={JSON.stringify([
          ...TIMES.map(([, name]) => performance[name]),
          performance.holdTtlSeconds,
          performance.maxTicketsPerUser,
          queue.admitPerSecond,
          queue.maxActive,
          queue.passTtlSeconds,
          queue.challengeDifficulty,
          queue.enabled,
          queue.prequeueMinutes,
          scheduled,
        ])}
        className="stack"
        aria-label={t('live.edit')}
        onSubmit={submit}
      >
        {TIMES.map(([label, name]) => (
          <Field key={name} label={t(label)}>
            <input
              type="datetime-local"
              name={name}
              required
              defaultValue={toLocalInput(performance[name])}
            />
          </Field>
        ))}
        {scheduled && (
          <label className="check">
            <input type="checkbox" name="queueEnabled" defaultChecked={queue.enabled} />{' '}
            {t('admin.queueEnabled')}
          </label>
        )}
        <div className="inline-fields">
          {scheduled && queue.enabled && (
            <Field label={t('admin.prequeue')}>
              <input
                type="number"
                name="prequeueMinutes"
                min={0}
                max={1440}
                defaultValue={queue.prequeueMinutes}
              />
            </Field>
          )}
          <Field label={t('admin.holdTtl')}>
            <input
              type="number"
              name="holdTtlSeconds"
              min={30}
              max={3600}
              defaultValue={performance.holdTtlSeconds}
            />
          </Field>
          <Field label={t('admin.maxTickets')}>
            <input
              type="number"
              name="maxTicketsPerUser"
              min={1}
              max={20}
              defaultValue={performance.maxTicketsPerUser}
            />
          </Field>
          {queue.enabled &&
            QUEUE_FIELDS.map(([label, name, min, max]) => (
              <Field key={name} label={t(label)}>
                <input type="number" name={name} min={min} max={max} defaultValue={queue[name]} />
              </Field>
            ))}
        </div>
        <ErrorNote error={error} />
        {saved && <p role="status">{t('live.saved')}</p>}
        <button type="submit" disabled={busy}>
          {t('live.save')}
        </button>
      </form>
      <form className="stack" aria-label={t('live.cancel')} onSubmit={cancel}>
        <Field label={t('live.cancelReason')}>
          <textarea name="reason" required maxLength={500} rows={2} />
        </Field>
        <button type="submit" className="danger" disabled={busy}>
          {t('live.cancel')}
        </button>
      </form>
    </section>
  );
}
