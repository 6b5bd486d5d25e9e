import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import type { PerformanceDetail } from '../../types';
import { ErrorNote, Loading } from '../../ui';

interface Sample {
  at: number;
  held: number;
  sold: number;
}

const POLL_EVERY_MS = 2000;
const KEEP_SAMPLES = 150;

/**
 * The live sale: seat counts polled from GET /api/performances/:id, and the held and sold lines drawn
 * from the samples this page has seen (there is no stats history endpoint yet).
 */
export default function Dashboard() {
  const { id = '' } = useParams();
  const { t, dateTime } = useI18n();
  const [performance, setPerformance] = useState<PerformanceDetail | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () =>
      api<PerformanceDetail>(`/api/performances/${id}`, { signal: controller.signal }).then(
        (next) => {
          setError(null);
          setPerformance(next);
          setSamples((all) => [...all, { at: Date.now(), ...next.counts }].slice(-KEEP_SAMPLES));
          timer = setTimeout(() => void read(), POLL_EVERY_MS);
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setError(err);
          timer = setTimeout(() => void read(), POLL_EVERY_MS);
        },
      );
    void read();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [id]);

  if (!performance) return error ? <ErrorNote error={error} /> : <Loading />;
  const { available, held, sold } = performance.counts;
  const total = Math.max(1, performance.seatCount);
  return (
    <section>
      <h1>{t('admin.dashboard')}</h1>
      <p className="muted">
        {dateTime(performance.startsAt)} ·{' '}
        <span className={`badge badge-${performance.saleState}`}>{t(`sale.${performance.saleState}`)}</span>
      </p>
      <ErrorNote error={error} />
      <div className="stats" data-testid="counts">
        {(
          [
            ['admin.available', available, 'available'],
            ['admin.held', held, 'held'],
            ['admin.sold', sold, 'sold'],
          ] as const
        ).map(([label, value, kind]) => (
          <div key={kind} className={`stat stat-${kind}`}>
            <span className="muted">{t(label)}</span>
            <strong>{value.toLocaleString()}</strong>
            <span className="muted small">{Math.round((value / total) * 100)}%</span>
          </div>
        ))}
      </div>
      <div className="stacked-bar" aria-hidden="true">
        <div className="stat-sold" style={{ width: `${(sold / total) * 100}%` }} />
        <div className="stat-held" style={{ width: `${(held / total) * 100}%` }} />
      </div>
      <h2>{t('admin.history')}</h2>
      <Chart samples={samples} max={total} />
    </section>
  );
}

function Chart({ samples, max }: { samples: Sample[]; max: number }) {
  const { t } = useI18n();
  const width = 600;
  const height = 160;
  if (samples.length < 2) return <Loading />;
  const first = samples[0]!.at;
  const span = Math.max(1, samples[samples.length - 1]!.at - first);
  const line = (key: 'held' | 'sold') =>
    samples
      .map(
        (s) =>
          `${(((s.at - first) / span) * width).toFixed(1)},${(height - (s[key] / max) * height).toFixed(1)}`,
      )
      .join(' ');
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t('admin.history')}>
      <polyline points={line('sold')} className="line-sold" />
      <polyline points={line('held')} className="line-held" />
    </svg>
  );
}
