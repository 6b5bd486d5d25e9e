import type { SaleReport } from '@tmomi/contract/desk';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../messages/en';
import '../../desk.css';

/**
 * The figures the post-sale report and the live dashboard both show, drawn from one answer of
 * GET /api/admin/performances/:id/report: the waiting room's funnel and the sales per grade. One
 * source: neither page works a figure out itself.
 */

const FUNNEL = [
  ['report.joined', 'joined'],
  ['report.prequeue', 'prequeue'],
  ['report.admitted', 'admitted'],
  ['report.left', 'left'],
  ['report.abandoned', 'abandoned'],
  ['report.passesExpired', 'passesExpired'],
  ['report.waitingNow', 'waitingNow'],
  ['report.bought', 'bought'],
] as const satisfies readonly (readonly [MessageKey, keyof SaleReport['queue']])[];

/** The waiting room's funnel as bars, with where each figure comes from; a note when there is no queue. */
export function QueueFunnel({ queue }: { queue: SaleReport['queue'] }) {
  const { t } = useI18n();
  if (!queue.enabled) return <p className="muted">{t('report.noQueue')}</p>;
  return (
    <>
      <BarChart
        label={t('report.funnel')}
        bars={FUNNEL.map(([key, field]) => ({ label: t(key), value: queue[field] }))}
        unknown={t('report.notRecorded')}
      />
      <details className="small">
        <summary>{t('report.basis')}</summary>
        <p>{queue.basis}</p>
      </details>
    </>
  );
}

/** Seats sold, revenue and check-ins per grade, scrolling sideways on a narrow screen. */
export function GradeTable({ report: r }: { report: SaleReport }) {
  const { t, money } = useI18n();
  const n = (v: number) => v.toLocaleString();
  return (
    <div className="table-scroll">
      <table className="report-grades" data-testid="grades">
        <thead>
          <tr>
            <th>{t('report.grade')}</th>
            <th>{t('report.sold')}</th>
            <th>{t('report.revenue')}</th>
            <th>{t('report.checkedIn')}</th>
          </tr>
        </thead>
        <tbody>
          {r.grades.map((g) => (
            <tr key={g.grade}>
              <th scope="row">{g.grade}</th>
              <td>
                {n(g.sold)} / {n(g.seats)}
                <span className="meter" aria-hidden="true">
                  <span style={{ width: `${(g.sold / Math.max(1, g.seats)) * 100}%` }} />
                </span>
              </td>
              <td>{money(g.revenue, r.currency)}</td>
              <td>{n(g.checkedIn)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Horizontal bars in inline SVG, one per figure; a figure nobody recorded says so instead of a bar. */
function BarChart({
  label,
  bars,
  unknown,
}: {
  label: string;
  bars: { label: string; value: number | null }[];
  unknown: string;
}) {
  const top = Math.max(1, ...bars.map((b) => b.value ?? 0));
  const rowHeight = 28;
  return (
    <svg
      className="bar-chart"
      viewBox={`0 0 400 ${bars.length * rowHeight}`}
      role="img"
      aria-label={label}
      data-testid="funnel"
    >
      {bars.map((b, i) => (
        <g key={b.label} transform={`translate(0 ${i * rowHeight})`}>
          <text x="0" y="18" className="bar-label">
            {b.label}
          </text>
          {b.value !== null && (
            <rect x="130" y="5" height="18" width={(b.value / top) * 200} className="bar" />
          )}
          <text x={b.value === null ? 130 : 136 + (b.value / top) * 200} y="18" className="bar-value">
            {b.value === null ? unknown : b.value.toLocaleString()}
          </text>
        </g>
      ))}
    </svg>
  );
}
