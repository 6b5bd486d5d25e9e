import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { SaleStats } from '@tmomi/contract/booking';
import type { PerformanceDetail } from '@tmomi/contract/catalog';
import { client } from '../../api';
import { usePolled } from '../../hooks';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/en';
import { ErrorNote, Loading } from '../../ui';
import { AccessCodes } from './AccessCodes';
import { LiveControls } from './LiveControls';
import { GradeTable, QueueFunnel } from './SaleFigures';

/** One poll of the stats endpoint, stamped with this browser's clock (the x axis of every chart). */
interface Sample {
  at: number;
  stats: SaleStats;
}

const POLL_EVERY_MS = 1000;
const KEEP_MINUTES = 5;
const KEEP_SAMPLES = (KEEP_MINUTES * 60_000) / POLL_EVERY_MS;
/** The performance itself (date, sale state) changes rarely: read it again every this many polls. */
const DETAIL_EVERY = 10;
/**
 * The funnel and the grades are the report's own answer (one source of truth with the report page),
 * read less often than the stats: the report counts every ticket of the performance.
 */
const REPORT_EVERY_MS = 5000;

/**
 * The live sale: GET /api/admin/performances/:id/stats polled every second, the last few minutes of
 * samples kept in memory, and charts of the waiting room, admissions, held and sold seats, and revenue.
 */
export default function Dashboard() {
  const { id = '' } = useParams();
  const { t, dateTime, money } = useI18n();
  const [performance, setPerformance] = useState<PerformanceDetail | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<unknown>(null);
  const live = usePolled((signal) => client.desk.report(id, signal), REPORT_EVERY_MS, [id]);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let polls = 0;
    const read = async () => {
      try {
        const [stats, detail] = await Promise.all([
          client.performances.stats(id, signal),
          polls % DETAIL_EVERY === 0 ? client.performances.get(id, signal) : null,
        ]);
        // The first sample of this performance starts a fresh history (the route's id may have changed).
        const fresh = polls === 0;
        polls += 1;
        setError(null);
        if (detail) setPerformance(detail);
        setSamples((all) => [...(fresh ? [] : all), { at: Date.now(), stats }].slice(-KEEP_SAMPLES));
      } catch (err) {
        if (signal.aborted) return;
        setError(err);
      }
      if (!signal.aborted) timer = setTimeout(() => void read(), POLL_EVERY_MS);
    };
    void read();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [id]);

  const latest = samples[samples.length - 1]?.stats;
  if (!performance || !latest) return error ? <ErrorNote error={error} /> : <Loading />;
  const { available, held, sold } = latest.tickets;
  const total = Math.max(1, performance.seatCount);
  const currency = latest.revenue.currency;
  const admissions = admissionsPerSecond(samples);
  return (
    <section>
      <h1>{t('admin.dashboard')}</h1>
      {live.data && (
        <p className="event-title" data-testid="event-title">
          <strong>{live.data.performance.eventTitle}</strong>
        </p>
      )}
      <p className="muted">
        {dateTime(performance.startsAt)} ·{' '}
        <span className={`badge badge-${performance.saleState}`}>{t(`sale.${performance.saleState}`)}</span>
      </p>
      <p className="row-buttons">
        <Link to={`/admin/performances/${performance.id}/messages`}>{t('mail.broadcastOpen')}</Link>
        <Link to={`/admin/performances/${performance.id}/report`}>{t('report.open')}</Link>
        <Link to={`/admin/orders?performanceId=${performance.id}`}>{t('desk.ordersOf')}</Link>
      </p>
      <p className="row-buttons" aria-label={t('desk.exports')}>
        <span className="muted">{t('desk.exports')}:</span>
        <a href={client.desk.csvUrl(performance.id, 'attendees')} download>
          {t('desk.attendeesCsv')}
        </a>
        <a href={client.desk.csvUrl(performance.id, 'orders')} download>
          {t('desk.ordersCsv')}
        </a>
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
      <div className="stats" data-testid="sale">
        <div className="stat">
          <span className="muted">{t('admin.waiting')}</span>
          <strong>{latest.queue.waiting.toLocaleString()}</strong>
          <span className="muted small">
            {t('admin.choosing')} {latest.queue.active.toLocaleString()}
          </span>
        </div>
        <div className="stat">
          <span className="muted">{t('admin.admissionsChart')}</span>
          <strong>{(admissions[admissions.length - 1]?.value ?? 0).toLocaleString()}</strong>
        </div>
        <div className="stat">
          <span className="muted">{t('admin.revenue')}</span>
          <strong>{money(latest.revenue.amount, currency)}</strong>
          <span className="muted small">{t('admin.orders', latest.orders)}</span>
        </div>
      </div>
      {live.data && (
        <div className="live-figures" data-testid="live-figures">
          <h2>{t('report.funnel')}</h2>
          <QueueFunnel queue={live.data.queue} />
          <h2>{t('report.grades')}</h2>
          <GradeTable report={live.data} />
          <p className="muted small">{t('report.live', { seconds: REPORT_EVERY_MS / 1000 })}</p>
        </div>
      )}
      <ErrorNote error={live.error} />
      {/* After the figures: on a phone they come first, the long settings form below them. */}
      <LiveControls
        performance={performance}
        onChanged={(changed) => setPerformance((current) => current && { ...current, ...changed })}
      />
      <AccessCodes performanceId={performance.id} eventId={performance.eventId} />
      <p className="muted small">{t('admin.window', { minutes: KEEP_MINUTES })}</p>
      <div className="charts">
        <Chart
          title="admin.queueChart"
          series={[
            {
              className: 'line-queue',
              points: samples.map((s) => ({ at: s.at, value: s.stats.queue.waiting })),
            },
          ]}
        />
        <Chart
          title="admin.admissionsChart"
          series={[{ className: 'line-admissions', points: admissions }]}
        />
        <Chart
          title="admin.history"
          max={total}
          series={[
            {
              className: 'line-sold',
              points: samples.map((s) => ({ at: s.at, value: s.stats.tickets.sold })),
            },
            {
              className: 'line-held',
              points: samples.map((s) => ({ at: s.at, value: s.stats.tickets.held })),
            },
          ]}
        />
        <Chart
          title="admin.revenueChart"
          format={(v) => money(v, currency)}
          series={[
            {
              className: 'line-revenue',
              points: samples.map((s) => ({ at: s.at, value: s.stats.revenue.amount })),
            },
          ]}
        />
      </div>
    </section>
  );
}

interface Point {
  at: number;
  value: number;
}

/** Admissions per second between consecutive samples (the difference of the running total over time). */
function admissionsPerSecond(samples: Sample[]): Point[] {
  const points: Point[] = [];
  for (let i = 1; i < samples.length; i++) {
    const prev = samples[i - 1]!;
    const cur = samples[i]!;
    const seconds = Math.max(0.001, (cur.at - prev.at) / 1000);
    const admitted = Math.max(0, cur.stats.queue.admittedTotal - prev.stats.queue.admittedTotal);
    points.push({ at: cur.at, value: Math.round((admitted / seconds) * 10) / 10 });
  }
  return points;
}

/** A small line chart in inline SVG: the lines share the x axis (time) and a y axis from 0 to `max`. */
function Chart({
  title,
  series,
  max,
  format = (v) => v.toLocaleString(),
}: {
  title: MessageKey;
  series: { className: string; points: Point[] }[];
  max?: number;
  format?: (value: number) => string;
}) {
  const { t } = useI18n();
  const width = 600;
  const height = 120;
  const all = series.flatMap((s) => s.points);
  const label = t(title);
  // A line needs two samples; until then every chart says it is collecting.
  if (Math.max(...series.map((s) => s.points.length)) < 2) {
    return (
      <figure className="chart-box">
        <figcaption>{label}</figcaption>
        <p className="muted small">{t('admin.collecting')}</p>
      </figure>
    );
  }
  const first = Math.min(...all.map((p) => p.at));
  const span = Math.max(1, Math.max(...all.map((p) => p.at)) - first);
  const top = Math.max(1, max ?? Math.max(...all.map((p) => p.value)));
  const line = (points: Point[]) =>
    points
      .map(
        (p) =>
          `${(((p.at - first) / span) * width).toFixed(1)},${(height - (p.value / top) * height).toFixed(1)}`,
      )
      .join(' ');
  return (
    <figure className="chart-box">
      <figcaption>
        {label} <span className="muted small">{t('admin.chartMax', { value: format(top) })}</span>
      </figcaption>
      <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        {series.map((s) => (
          <polyline key={s.className} points={line(s.points)} className={s.className} />
        ))}
      </svg>
    </figure>
  );
}
