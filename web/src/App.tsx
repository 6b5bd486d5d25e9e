import { lazy, Suspense, type ReactElement } from 'react';
import { Link, NavLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { useI18n, type Lang } from './i18n';
import { EventPage } from './pages/EventPage';
import { Home } from './pages/Home';
import { AccountPage } from './pages/account/AccountPage';
import { AuthPage } from './pages/AuthPage';
import { OrderPage } from './pages/orders/OrderPage';
import { OrdersPage } from './pages/orders/OrdersPage';
import { TicketPage } from './pages/orders/TicketPage';
import { WaitlistPage } from './pages/waitlist/WaitlistPage';
import { SeatsPage } from './pages/seats/SeatsPage';
import { NotFound } from './pages/NotFound';
import { LotteryPage } from './pages/queue/LotteryPage';
import { WaitingRoom } from './pages/queue/WaitingRoom';
import { ResetPasswordPage, VerifyEmailPage } from './pages/mail/AccountLinkPages';
import { useSession, type StaffRole } from './session';
import { useDocumentTitle } from './titles';
import { Loading } from './ui';

// Organizer pages are a separate chunk: buyers never download them.
const AdminHome = lazy(() => import('./pages/admin/AdminHome'));
const VenueForm = lazy(() => import('./pages/admin/VenueForm'));
const VenueEditor = lazy(() => import('./pages/admin/VenueEditor'));
const EventForm = lazy(() => import('./pages/admin/EventForm'));
const PerformanceForm = lazy(() => import('./pages/admin/PerformanceForm'));
const Dashboard = lazy(() => import('./pages/admin/Dashboard'));
const CheckIn = lazy(() => import('./pages/admin/CheckIn'));
const MailPage = lazy(() => import('./pages/admin/MailPage'));
const MessageHolders = lazy(() => import('./pages/admin/MessageHolders'));
const TeamPage = lazy(() => import('./pages/admin/TeamPage'));
const AuditPage = lazy(() => import('./pages/admin/AuditPage'));
const OrderDesk = lazy(() => import('./pages/admin/OrderDesk'));
const DeskOrder = lazy(() => import('./pages/admin/DeskOrder'));
const Report = lazy(() => import('./pages/admin/Report'));
const AcceptInvitation = lazy(() => import('./pages/account/AcceptInvitation'));

export function App() {
  const { t } = useI18n();
  useDocumentTitle();
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/events/:id" element={<EventPage />} />
            <Route path="/login" element={<AuthPage mode="login" />} />
            <Route path="/signup" element={<AuthPage mode="signup" />} />
            <Route path="/performances/:id/queue" element={<RequireUser page={<WaitingRoom />} />} />
            <Route path="/performances/:id/lottery" element={<RequireUser page={<LotteryPage />} />} />
            <Route path="/performances/:id/fairness" element={<RequireUser page={<LotteryPage />} />} />
            <Route path="/performances/:id/seats" element={<SeatsPage />} />
            <Route path="/performances/:id/waitlist" element={<RequireUser page={<WaitlistPage />} />} />
            <Route path="/orders" element={<RequireUser page={<OrdersPage />} />} />
            <Route path="/account" element={<RequireUser page={<AccountPage />} />} />
            <Route path="/orders/:id" element={<RequireUser page={<OrderPage />} />} />
            <Route path="/tickets/:id" element={<RequireUser page={<TicketPage />} />} />
            <Route path="/admin" element={<RequireAdmin need="manage" page={<AdminHome />} />} />
            <Route path="/admin/venues/new" element={<RequireAdmin need="manage" page={<VenueForm />} />} />
            <Route
              path="/admin/venues/editor"
              element={<RequireAdmin need="manage" page={<VenueEditor />} />}
            />
            <Route path="/admin/events/new" element={<RequireAdmin need="manage" page={<EventForm />} />} />
            <Route
              path="/admin/events/:id/performances/new"
              element={<RequireAdmin need="manage" page={<PerformanceForm />} />}
            />
            <Route
              path="/admin/performances/:id"
              element={<RequireAdmin need="manage" page={<Dashboard />} />}
            />
            <Route path="/admin/checkin" element={<RequireAdmin need="checkin" page={<CheckIn />} />} />
            <Route path="/admin/mail" element={<RequireAdmin need="admin" page={<MailPage />} />} />
            <Route path="/admin/orders" element={<RequireAdmin need="manage" page={<OrderDesk />} />} />
            <Route path="/admin/orders/:id" element={<RequireAdmin need="manage" page={<DeskOrder />} />} />
            <Route
              path="/admin/performances/:id/report"
              element={<RequireAdmin need="manage" page={<Report />} />}
            />
            <Route
              path="/admin/performances/:id/messages"
              element={<RequireAdmin need="manage" page={<MessageHolders />} />}
            />
            <Route path="/admin/team" element={<RequireAdmin need="owner" page={<TeamPage />} />} />
            <Route path="/admin/audit" element={<RequireAdmin need="owner" page={<AuditPage />} />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
            <Route path="/verify-email" element={<VerifyEmailPage />} />
            <Route path="/invitations/accept" element={<AcceptInvitation />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}

function Header() {
  const { t, lang, setLang } = useI18n();
  const { user, staffRole, logout } = useSession();
  const navigate = useNavigate();
  return (
    <header className="topbar">
      <Link to="/" className="brand">
        {t('app.name')}
      </Link>
      <nav aria-label="main">
        <NavLink to="/" end>
          {t('nav.home')}
        </NavLink>
        {user && <NavLink to="/orders">{t('nav.orders')}</NavLink>}
        {staffRole === 'staff' && <NavLink to="/admin/checkin">{t('nav.door')}</NavLink>}
        {staffRole && staffRole !== 'staff' && <NavLink to="/admin">{t('nav.admin')}</NavLink>}
      </nav>
      <div className="topbar-end">
        <label className="lang">
          <span className="sr-only">{t('nav.language')}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
            <option value="ko">한국어</option>
            <option value="en">English</option>
          </select>
        </label>
        {user ? (
          <>
            <NavLink to="/account" className="muted user-name">
              {user.name}
            </NavLink>
            <button type="button" className="link" onClick={() => void logout().then(() => navigate('/'))}>
              {t('nav.logout')}
            </button>
          </>
        ) : (
          <>
            <NavLink to="/login">{t('nav.login')}</NavLink>
            <NavLink to="/signup" className="button small">
              {t('nav.signup')}
            </NavLink>
          </>
        )}
      </div>
    </header>
  );
}

/** Sends a visitor to log in first, and back here afterwards. */
function RequireUser({ page }: { page: ReactElement }) {
  const { user } = useSession();
  const location = useLocation();
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  return page;
}

/** What each organizer page asks of the caller's role (the server checks every call again). */
const MAY: Record<'admin' | 'owner' | 'manage' | 'checkin', readonly StaffRole[]> = {
  admin: ['admin'],
  owner: ['admin', 'owner'],
  manage: ['admin', 'owner', 'manager'],
  checkin: ['admin', 'owner', 'manager', 'staff'],
};

function RequireAdmin({ page, need }: { page: ReactElement; need: keyof typeof MAY }) {
  const { user, organizations, staffRole } = useSession();
  const { t } = useI18n();
  if (!user) return <RequireUser page={page} />;
  if (user.role !== 'admin' && organizations === null) return <Loading />;
  if (!staffRole || !MAY[need].includes(staffRole)) {
    // Door staff who open the organizer's home are sent to the door, the one page that is theirs.
    if (staffRole === 'staff' && need === 'manage') return <Navigate to="/admin/checkin" replace />;
    return <p role="alert">{t(staffRole ? 'admin.forbiddenRole' : 'admin.forbidden')}</p>;
  }
  return page;
}
