import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { Order, Ticket } from '../../contract/booking.js';
import { AppError } from '../../contract/errors.js';
import { intlLocale, money, performanceTime, seatLabel, words, type TicketLocale } from './labels.js';

// The order's tickets as a PDF to print or keep offline: one page a ticket, in Korean or English.

const PAGE = { width: 419.53, height: 595.28 }; // A5: a ticket prints legibly and reads whole on a phone
const MARGIN = 36;
const WIDTH = PAGE.width - 2 * MARGIN;
const QR_SIZE = 180;
const INK = '#111111';
const MUTED = '#666666';

type Doc = PDFKit.PDFDocument;

/**
 * fontkit 2 (pdfkit's) reads a glyph's 10-byte header even when the glyph is empty, and NanumGothic's
 * last glyph is the space, empty, at the very end of the file: the read runs past it and throws
 * (foliojs/fontkit#378). Zeros after the file make that read the empty box the space really has.
 */
const GLYPH_HEADER_BYTES = 10;

/** NanumGothic has Hangul; read once and kept, since every PDF embeds a subset of the same two files. */
let fonts: Promise<{ regular: Buffer; bold: Buffer }> | undefined;
function loadFonts() {
  const require = createRequire(import.meta.url);
  const file = async (name: string) =>
    Buffer.concat([
      await readFile(require.resolve(`@expo-google-fonts/nanum-gothic/${name}`)),
      Buffer.alloc(GLYPH_HEADER_BYTES),
    ]);
  fonts ??= Promise.all([
    file('400Regular/NanumGothic_400Regular.ttf'),
    file('700Bold/NanumGothic_700Bold.ttf'),
  ]).then(
    ([regular, bold]) => ({ regular, bold }),
    (err: unknown) => {
      fonts = undefined; // not kept: the next PDF reads again
      throw err;
    },
  );
  return fonts;
}

/**
 * One page for each ticket that still admits or has admitted someone (valid or used). An order whose
 * tickets are all refunded has nothing to print: that is TICKET_VOID (409), not an empty document.
 * The same order always gives the same bytes: the dates inside come from the order, not the clock.
 */
export async function ticketsPdf(
  order: Order,
  opts: { holder: string; locale: TicketLocale },
): Promise<Buffer> {
  const tickets = order.tickets.filter((t) => t.status !== 'void');
  if (tickets.length === 0)
    throw new AppError('TICKET_VOID', 'Every ticket of this order was refunded; there is nothing to print.', {
      orderId: order.id,
    });
  const { regular, bold } = await loadFonts();
  const doc = new PDFDocument({
    autoFirstPage: false,
    size: [PAGE.width, PAGE.height],
    margin: MARGIN,
    lang: intlLocale(opts.locale),
    displayTitle: true,
    info: {
      Title: words(opts.locale).documentTitle(order.event.title),
      Author: 'Tmomi',
      Subject: `${words(opts.locale).order} ${order.id}`,
      CreationDate: new Date(order.createdAt),
    },
  });
  doc.registerFont('regular', regular).registerFont('bold', bold);
  const done = collect(doc);
  tickets.forEach((ticket, i) =>
    drawTicket(doc, order, ticket, { ...opts, page: i + 1, pages: tickets.length }),
  );
  doc.end();
  return done;
}

function collect(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

interface PageOptions {
  holder: string;
  locale: TicketLocale;
  page: number;
  pages: number;
}

function drawTicket(doc: Doc, order: Order, ticket: Ticket, opts: PageOptions): void {
  const w = words(opts.locale);
  doc.addPage();
  let y = MARGIN;

  text(doc, `TMOMI · ${w.ticket}`, MARGIN, y, { font: 'bold', size: 9, color: MUTED });
  text(doc, `${opts.page} / ${opts.pages}`, MARGIN, y, { size: 9, color: MUTED, align: 'right' });
  y += 22;

  // Bounded everywhere, so a long title or address shortens with an ellipsis instead of pushing the QR
  // onto a second page.
  y = text(doc, order.event.title, MARGIN, y, { font: 'bold', size: 22, lines: 3 }) + 6;
  y = text(doc, performanceTime(order.performance, opts.locale), MARGIN, y, { size: 11, lines: 2 }) + 8;
  y = text(doc, order.venue.name, MARGIN, y, { font: 'bold', size: 11 }) + 2;
  y = text(doc, order.venue.address, MARGIN, y, { size: 9, color: MUTED, lines: 2 }) + 12;

  doc
    .moveTo(MARGIN, y)
    .lineTo(PAGE.width - MARGIN, y)
    .lineWidth(0.5)
    .strokeColor('#bbbbbb')
    .stroke();
  y += 12;

  y = field(doc, w.seat, seatLabel(ticket, opts.locale), MARGIN, y, WIDTH, 16) + 10;
  const half = WIDTH / 2;
  field(doc, w.grade, ticket.grade, MARGIN, y, half - 8);
  y = field(doc, w.price, money(ticket.price, order.currency, opts.locale), MARGIN + half, y, half) + 8;
  field(doc, w.holder, opts.holder, MARGIN, y, half - 8);
  field(doc, w.order, order.id, MARGIN + half, y, half);

  const qrTop = PAGE.height - MARGIN - QR_SIZE - 44;
  drawQr(doc, ticket.code, (PAGE.width - QR_SIZE) / 2, qrTop, QR_SIZE);
  // Monospaced, so a steward typing the code by hand tells l from I and 0 from O.
  doc.font('Courier').fontSize(10).fillColor(INK);
  doc.text(ticket.code, MARGIN, qrTop + QR_SIZE + 6, { width: WIDTH, align: 'center', lineBreak: false });
  const note = ticket.status === 'used' ? w.used : w.show;
  text(doc, note, MARGIN, qrTop + QR_SIZE + 22, {
    size: 9,
    color: ticket.status === 'used' ? '#b42318' : MUTED,
    align: 'center',
  });
}

/** A small caption over its value, one line each; answers the y below the value. */
function field(
  doc: Doc,
  label: string,
  value: string,
  x: number,
  y: number,
  width: number,
  size = 11,
): number {
  const below = text(doc, label, x, y, { size: 8, color: MUTED, width }) + 1;
  return text(doc, value, x, below, { font: 'bold', size, width });
}

interface TextStyle {
  font?: 'regular' | 'bold';
  size: number;
  color?: string;
  width?: number;
  lines?: number;
  align?: 'left' | 'right' | 'center';
}

/** Text in at most `lines` lines (an ellipsis beyond); answers the y below it. */
function text(doc: Doc, value: string, x: number, y: number, style: TextStyle): number {
  doc
    .font(style.font ?? 'regular')
    .fontSize(style.size)
    .fillColor(style.color ?? INK);
  // ICU puts no-break and narrow no-break spaces in some dates and prices; NanumGothic has no glyph for
  // them, and a plain space reads the same on paper.
  const printable = value.replace(/[\u00a0\u202f]/g, ' ');
  doc.text(printable, x, y, {
    width: style.width ?? WIDTH,
    height: (style.lines ?? 1) * doc.currentLineHeight(true),
    ellipsis: true,
    align: style.align ?? 'left',
  });
  return doc.y;
}

/**
 * The code's QR as filled rectangles, one for each run of dark modules in a row: vector, so it stays sharp
 * at any zoom or print size, and a few hundred path operations rather than an image.
 */
function drawQr(doc: Doc, code: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(code, { errorCorrectionLevel: 'M' });
  const cell = size / modules.size;
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size;) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col)) col++;
      doc.rect(x + start * cell, y + row * cell, (col - start) * cell, cell);
    }
  }
  doc.fill('black');
}
