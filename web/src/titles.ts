import { useEffect, useState } from 'react';
import { matchPath, useLocation } from 'react-router';
import { useI18n } from './i18n';
import type { MessageKey } from './messages/en';

// Every page's document title, in one table beside the routes (App.tsx): a tab, a history entry and a
// screen reader's announcement of a new page say which page it is. A page that knows more (the event of
// a seat page) adds it with usePageDetail.

const TITLES: [string, MessageKey][] = [
  ['/', 'title.home'],
  ['/events/:id', 'title.event'],
  ['/login', 'title.login'],
  ['/signup', 'title.signup'],
  ['/performances/:id/queue', 'title.queue'],
  ['/performances/:id/lottery', 'title.lottery'],
  ['/performances/:id/fairness', 'title.fairness'],
  ['/performances/:id/seats', 'title.seats'],
  ['/performances/:id/waitlist', 'title.waitlist'],
  ['/orders', 'title.orders'],
  ['/account', 'title.account'],
  ['/orders/:id', 'title.order'],
  ['/tickets/:id', 'title.ticket'],
  ['/admin', 'title.admin'],
  ['/admin/venues/new', 'title.newVenue'],
  ['/admin/venues/editor', 'title.venueEditor'],
  ['/admin/events/new', 'title.newEvent'],
  ['/admin/events/:id/performances/new', 'title.newPerformance'],
  ['/admin/performances/:id', 'title.dashboard'],
  ['/admin/checkin', 'title.checkin'],
  ['/admin/mail', 'title.mail'],
  ['/admin/orders', 'title.desk'],
  ['/admin/orders/:id', 'title.deskOrder'],
  ['/admin/performances/:id/report', 'title.report'],
  ['/admin/performances/:id/messages', 'title.messages'],
  ['/admin/team', 'title.team'],
  ['/admin/audit', 'title.audit'],
  ['/reset-password', 'title.resetPassword'],
  ['/verify-email', 'title.verifyEmail'],
  ['/invitations/accept', 'title.invitation'],
];

/**
 * The title's message for a path; a path no route takes is the not-found page, except under /admin,
 * whose pages (a separate chunk) may be newer than this table: they are at least the organizer's.
 */
export function titleKey(pathname: string): MessageKey {
  const found = TITLES.find(([pattern]) => matchPath(pattern, pathname))?.[1];
  return found ?? (pathname.startsWith('/admin/') ? 'title.admin' : 'title.notFound');
}

let detail: { path: string; text: string } | null = null;
const listeners = new Set<() => void>();

/** Adds words to this page's title ("Choose your seats · IU HER Tour"), while the page is shown. */
export function usePageDetail(text: string | undefined): void {
  const { pathname } = useLocation();
  useEffect(() => {
    if (!text) return;
    detail = { path: pathname, text };
    listeners.forEach((l) => l());
    return () => {
      detail = null;
      listeners.forEach((l) => l());
    };
  }, [pathname, text]);
}

/** Keeps document.title to the current page's: its route's name, any detail the page added, the app's. */
export function useDocumentTitle(): void {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const [, bump] = useState(0);
  useEffect(() => {
    const listener = () => bump((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  const extra = detail?.path === pathname ? detail.text : '';
  const title = [t(titleKey(pathname)), extra, t('app.name')].filter(Boolean).join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
