import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { client } from '../../api';
import { throughTheDoor } from './door';
import { usePolled } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Loading } from '../../ui';

/**
 * A lottery (decision 029): register before the sale opens, then see the place the draw gave you and
 * the values anyone can check it with (docs/fairness.md). A fifo room's pre-queue is drawn the same way
 * at its opening (decision 031): the same page, at …/fairness, without the registration. Polls every
 * two seconds until the draw, after which nothing it shows changes.
 */
export function LotteryPage() {
  const { id = '' } = useParams();
  const { t, dateTime } = useI18n();
  const [round, setRound] = useState(0);
  const [failure, setFailure] = useState<unknown>(null);
  const { data, error } = usePolled(
    async (signal) => {
      const [record, mine] = await Promise.all([
        client.lottery.fairness(id, signal),
        client.lottery.mine(id, signal),
      ]);
      return { record, mine };
    },
    2_000,
    [id, round],
    ({ record }) => record.drawnAt !== null,
  );
  const register = async () => {
    setFailure(null);
    try {
      const signal = new AbortController().signal;
      await throughTheDoor(id, signal, (challenge) => client.lottery.register(id, challenge));
      setRound((n) => n + 1);
    } catch (err) {
      setFailure(err);
    }
  };

  if (error && !data) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const { record, mine } = data;
  const drawn = record.drawnAt !== null;
  const fifo = record.mode === 'fifo';
  return (
    <section className="narrow queue" aria-labelledby="lottery-title">
      <h1 id="lottery-title">{t(fifo ? 'lottery.fifoTitle' : 'lottery.title')}</h1>
      {failure !== null && <ErrorNote error={failure} />}
      {!drawn && fifo && <p>{t('lottery.fifoExplain')}</p>}
      {!drawn && fifo && mine.registered && (
        <p role="status" data-testid="lottery-registered">
          {t('lottery.fifoIn')}
        </p>
      )}
      {!drawn && !fifo && !mine.registered && (
        <>
          <p>
            {t('lottery.explain', {
              time: record.registrationClosesAt ? dateTime(record.registrationClosesAt) : '',
            })}
          </p>
          <button type="button" onClick={() => void register()}>
            {t('lottery.register')}
          </button>
        </>
      )}
      {!drawn && !fifo && mine.registered && (
        <p role="status" data-testid="lottery-registered">
          {t('lottery.registered', {
            time: record.registrationClosesAt ? dateTime(record.registrationClosesAt) : '',
          })}
        </p>
      )}
      {drawn && mine.place !== null && (
        <>
          <p className="muted">{t('lottery.yourPlace')}</p>
          <p className="queue-position" data-testid="lottery-place">
            {mine.place.toLocaleString()}
          </p>
          <p>{t(fifo ? 'lottery.fifoOf' : 'lottery.of', { n: (mine.of ?? 0).toLocaleString() })}</p>
          <p>
            <Link className="button" to={`/performances/${id}/queue`}>
              {t('lottery.toQueue')}
            </Link>
          </p>
        </>
      )}
      {drawn && mine.place === null && (
        <p role="status">{t(fifo ? 'lottery.fifoNotDrawn' : 'lottery.notDrawn')}</p>
      )}
      <h2>{t('lottery.fairness')}</h2>
      <p className="muted small">{t(fifo ? 'lottery.fifoHowToCheck' : 'lottery.howToCheck')}</p>
      <dl className="fairness" data-testid="lottery-fairness">
        <dt>{t('lottery.algorithm')}</dt>
        <dd>
          {record.algorithm} v{record.version}
        </dd>
        <dt>{t('lottery.commitment')}</dt>
        <dd>
          <code data-testid="lottery-commitment">{record.commitment}</code>
        </dd>
        <dt>{t('lottery.seed')}</dt>
        <dd>
          <code data-testid="lottery-seed">{record.seed ?? t('lottery.afterDraw')}</code>
        </dd>
        <dt>{t('lottery.listHash')}</dt>
        <dd>
          <code>{record.listHash ?? t('lottery.afterDraw')}</code>
        </dd>
        <dt>{t('lottery.yourId')}</dt>
        <dd>
          <code>{mine.userId}</code>
        </dd>
        <dt>{t('lottery.yourHash')}</dt>
        <dd>
          <code data-testid="lottery-hash">{mine.hash ?? t('lottery.afterDraw')}</code>
        </dd>
      </dl>
    </section>
  );
}
