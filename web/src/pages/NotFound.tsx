import { Link } from 'react-router';
import { useI18n } from '../i18n';

/** Any address no route takes: a page that says so and leads somewhere, not a bare line. */
export function NotFound() {
  const { t } = useI18n();
  return (
    <section className="not-found">
      <h1>{t('title.notFound')}</h1>
      <p>{t('notFound.body')}</p>
      <p>
        <Link to="/" className="button">
          {t('notFound.home')}
        </Link>
      </p>
    </section>
  );
}
