import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { useManagedOrganizations } from '../../session';
import { ErrorNote, Field } from '../../ui';

export default function EventForm() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const { data: allVenues, error: venuesError, reload } = useLoad((signal) => client.venues.all(signal), []);
  // Only the venues of organizations whose sales the caller runs; the event joins its venue's.
  const managed = useManagedOrganizations();
  const venues = allVenues?.filter((v) => managed.some((o) => o.id === v.organizationId));
  const [venueId, setVenueId] = useState('');
  const [prices, setPrices] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const venue = venues?.find((v) => v.id === venueId);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => ((form.get(name) as string | null) ?? '').trim();
    setError(null);
    try {
      const created = await client.events.create({
        title: text('title'),
        artist: text('artist'),
        category: text('category'),
        description: text('description'),
        venueId,
        ...(venue ? { organizationId: venue.organizationId } : {}),
        prices: (venue?.grades ?? []).map((grade) => ({ grade, amount: Number(prices[grade] ?? 0) })),
      });
      await navigate(`/admin/events/${created.id}/performances/new`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="narrow">
      <h1>{t('admin.newEvent')}</h1>
      <ErrorNote error={venuesError} onRetry={reload} />
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <Field label={t('admin.eventTitle')}>
          <input name="title" required maxLength={200} />
        </Field>
        <Field label={t('admin.artist')}>
          <input name="artist" maxLength={200} />
        </Field>
        <Field label={t('admin.category')}>
          <input name="category" required maxLength={40} defaultValue="concert" />
        </Field>
        <Field label={t('admin.description')}>
          <textarea name="description" rows={3} maxLength={10_000} />
        </Field>
        <Field label={t('admin.venue')}>
          <select required value={venueId} onChange={(e) => setVenueId(e.target.value)}>
            <option value="">{t('admin.chooseVenue')}</option>
            {venues?.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name} ({t('common.seats', { n: v.seatCount.toLocaleString() })})
              </option>
            ))}
          </select>
        </Field>
        {venue && (
          <fieldset>
            <legend>{t('event.prices')}</legend>
            {venue.grades.map((grade) => (
              <Field key={grade} label={t('admin.priceFor', { grade })}>
                <input
                  type="number"
                  min={0}
                  step={1000}
                  required
                  value={prices[grade] ?? ''}
                  onChange={(e) => setPrices((all) => ({ ...all, [grade]: e.target.value }))}
                />
              </Field>
            ))}
          </fieldset>
        )}
        <ErrorNote error={error} />
        <button type="submit">{t('admin.createEvent')}</button>
      </form>
    </section>
  );
}
