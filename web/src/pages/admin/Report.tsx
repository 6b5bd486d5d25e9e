import { Link, useParams } from 'react-router';
import type { SaleReport } from '@tmomi/contract/desk';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Loading } from '../../ui';
import '../../desk.css';
import { GradeTable, QueueFunnel } from './SaleFigures';

/** The post-sale report: the waiting room's funnel, sales per minute and per grade, money and the door. */
export default function Report() {
  const { id = '' } = useParams();
  const { t, dateTime, money, duration } = useI18n();
  const { data, error, reload } = useLoad((signal) => client.desk.report(id, signal), [id]);
  if (!data) return error ? <ErrorNote error={error} onRetry={reload} /> : <Loading />;
  const r = data;
  const n = (v: number) => v.toLocaleString();
  return (
    <section className="report">
      <p>
        <Link to={`/admin/performances/${r.performance.id}`}>← {t('admin.dashboard')}</Link>
      </p>
      <h1>{t('report.title')}</h1>
      <p className="muted">
        {r.performance.eventTitle} · {dateTime(r.performance.startsAt)}
      </p>
      <p data-testid="sold-out">
        <strong>
          {r.soldOutAfterSeconds === null
            ? t('report.notSoldOut')
            : t('report.soldOut', { time: duration(r.soldOutAfterSeconds) })}
        </strong>
      </p>
      <div className="stats" data-testid="report-money">
        <div className="stat">
          <span className="muted">{t('report.net')}</span>
          <strong>{money(r.revenue.net, r.currency)}</strong>
          <span className="muted small">
            {t('report.gross')} {money(r.revenue.gross, r.currency)} · {t('report.refunded')}{' '}
            {money(r.revenue.refunded, r.currency)}
          </span>
        </div>
        <div className="stat">
          <span className="muted">{t('report.tickets')}</span>
          <strong>
            {n(r.tickets.sold)} / {n(r.performance.seatCount)}
          </strong>
          <span className="muted small">
            {t('report.ticketsRefunded')} {n(r.tickets.refunded)} ·{' '}
            {t('report.refunds', { n: r.orders.refunds })}
          </span>
        </div>
        <div className="stat">
          <span className="muted">{t('report.checkedIn')}</span>
          <strong>{n(r.tickets.checkedIn)}</strong>
          <span className="muted small">{t('admin.orders', r.orders)}</span>
        </div>
      </div>

      <h2>{t('report.funnel')}</h2>
      <QueueFunnel queue={r.queue} />

      <h2>{t('report.perMinute')}</h2>
      {r.perMinute.length === 0 ? (
        <p className="muted">{t('report.noSales')}</p>
      ) : (
        <>
          <MinuteChart label={t('report.perMinute')} minutes={r.perMinute} />
          {r.perMinuteTruncated && <p className="muted small">{t('report.truncated', { minutes: 240 })}</p>}
        </>
      )}

      <h2>{t('report.grades')}</h2>
      <GradeTable report={r} />
      <p className="muted small">{dateTime(r.at)}</p>
    </section>
  );
}

/** Vertical bars, one a minute from the first sale; the first and last minute named under the axis. */
function MinuteChart({ label, minutes }: { label: string; minutes: SaleReport['perMinute'] }) {
  const { dateTime } = useI18n();
  const width = 600;
  const height = 140;
  const top = Math.max(1, ...minutes.map((m) => m.tickets));
  const step = width / minutes.length;
  return (
    <figure className="chart-box">
      <svg
        className="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={label}
        data-testid="per-minute"
      >
        {minutes.map((m, i) => {
          const h = (m.tickets / top) * (height - 10);
          return (
            <rect
              key={m.minute}
              x={i * step + step * 0.1}
              y={height - h}
              width={step * 0.8}
              height={h}
              className="bar"
            >
              <title>
                {dateTime(m.minute)}: {m.tickets.toLocaleString()}
              </title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="muted small">
        {dateTime(minutes[0]!.minute)} – {dateTime(minutes[minutes.length - 1]!.minute)} · max{' '}
        {top.toLocaleString()}
      </figcaption>
    </figure>
  );
}
