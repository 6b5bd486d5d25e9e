import { useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Order, Ticket } from '@tmomi/contract/booking';
import { client } from '../../api';
import { useI18n } from '../../i18n';
import { seatLabel, TicketStatus } from './labels';

/**
 * The order's tickets. While refunds are open, each valid one can be chosen for cancelling (all are at
 * first); a used or void ticket cannot be, and says why.
 */
export function TicketList(props: {
  order: Order;
  cancellable: boolean;
  busy: boolean;
  onCancel: (ticketIds: string[], amount: number) => void;
}) {
  const { t, money } = useI18n();
  const { order } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const [chosen, setChosen] = useState(
    () => new Set(order.tickets.filter((ticket) => ticket.status === 'valid').map((ticket) => ticket.id)),
  );
  const toggle = (id: string, on: boolean) =>
    setChosen((before) => {
      const next = new Set(before);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const amount = order.tickets.filter((ticket) => chosen.has(ticket.id)).reduce((sum, x) => sum + x.price, 0);

  const confirm = () => {
    dialog.current?.close();
    props.onCancel([...chosen], amount);
  };

  return (
    <>
      <ul className="tickets">
        {order.tickets.map((ticket) => (
          <TicketItem
            key={ticket.id}
            ticket={ticket}
            currency={order.currency}
            choice={
              props.cancellable
                ? { chosen: chosen.has(ticket.id), onChange: (on) => toggle(ticket.id, on) }
                : undefined
            }
          />
        ))}
      </ul>
      {props.cancellable && (
        <>
          <button
            type="button"
            className="danger"
            disabled={chosen.size === 0 || props.busy}
            onClick={() => dialog.current?.showModal()}
          >
            {t('orders.cancel')}
          </button>
          <dialog ref={dialog} aria-labelledby="cancel-title">
            <p id="cancel-title">
              {t('orders.cancelConfirm', { n: chosen.size, amount: money(amount, order.currency) })}
            </p>
            <div className="row-buttons">
              <button type="button" className="danger" onClick={confirm}>
                {t('orders.cancelYes')}
              </button>
              <button type="button" className="secondary" onClick={() => dialog.current?.close()} autoFocus>
                {t('orders.cancelNo')}
              </button>
            </div>
          </dialog>
        </>
      )}
    </>
  );
}

function TicketItem({
  ticket,
  currency,
  choice,
}: {
  ticket: Ticket;
  currency: string;
  choice: { chosen: boolean; onChange: (on: boolean) => void } | undefined;
}) {
  const { t, money } = useI18n();
  const seat = seatLabel(t, ticket);
  const valid = ticket.status === 'valid';
  return (
    <li className={`ticket card ticket-${ticket.status}`}>
      {choice && (
        <input
          type="checkbox"
          aria-label={t('orders.pick', { seat })}
          checked={choice.chosen}
          disabled={!valid}
          onChange={(e) => choice.onChange(e.target.checked)}
        />
      )}
      {/* Only a valid ticket shows its QR: a used or void one would only confuse the door. */}
      {valid && (
        <Link to={`/tickets/${ticket.id}`}>
          <img
            src={client.tickets.qrUrl(ticket.id)}
            alt={t('ticket.qr', { seat })}
            width={140}
            height={140}
          />
        </Link>
      )}
      <div>
        <strong className="seat-label">{seat}</strong>
        <p>
          {t('ticket.grade', { grade: ticket.grade })} · {money(ticket.price, currency)}
        </p>
        <p>
          <TicketStatus ticket={ticket} />
        </p>
        {valid && (
          <>
            <p className="code">{ticket.code}</p>
            <Link to={`/tickets/${ticket.id}`}>{t('ticket.show')}</Link>
          </>
        )}
      </div>
    </li>
  );
}
