import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { client } from '../api';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { ErrorNote, Loading } from '../ui';

export function Home() {
  const { t, money } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  // "Upcoming": events with a performance from the moment the page opened.
  const [from] = useState(() => new Date().toISOString());
  const { data, error, reload } = useLoad(
    (signal) => client.events.search({ q, from, pageSize: 50 }, signal),
    [q, from],
  );

  const search = (event: FormEvent) => {
    event.preventDefault();
    setParams(text.trim() ? { q: text.trim() } : {});
  };

  return (
    <section>
      <form className="search" role="search" onSubmit={search}>
        <label className="sr-only" htmlFor="q">
          {t('home.search')}
        </label>
        <input
          id="q"
          type="search"
          value={text}
          placeholder={t('home.search')}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">{t('home.searchButton')}</button>
      </form>
      <h1>{t('home.title')}</h1>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {data && data.events.length === 0 && <p className="muted">{t('home.empty')}</p>}
      {data && data.events.length > 0 && (
        <>
          <p className="muted" aria-live="polite">
            {t('home.results', { n: data.total })}
          </p>
          <ul className="cards">
            {data.events.map((event) => {
              const lowest = Math.min(...event.prices.map((p) => p.amount));
              return (
                <li key={event.id} className="card">
                  <Link to={`/events/${event.id}`} className="card-link">
                    <span className="tag">{event.category}</span>
                    <h2>{event.title}</h2>
                    {event.artist && <p className="muted">{event.artist}</p>}
                    {Number.isFinite(lowest) && (
                      <p>{t('home.from', { price: money(lowest, event.currency) })}</p>
                    )}
                  </Link>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}
