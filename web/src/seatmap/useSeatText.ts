import { useCallback } from 'react';
import { isFree } from '@tmomi/contract/bitset';
import { useI18n } from '../i18n';
import type { Left } from './counts';
import { describeSeat, type SeatIndex } from './model';

/** The words for a seat and a section, as the hover, the long press and the keyboard's cursor say them. */
export function useSeatText(
  index: SeatIndex,
  bits: Uint8Array | null,
  selected: ReadonlySet<number>,
  left: Left,
  priceText: ((grade: string) => string) | undefined,
) {
  const { t } = useI18n();
  const price = (grade: string) => {
    const p = priceText?.(grade);
    return p ? ` · ${p}` : '';
  };
  const seat = (seatNo: number): string => {
    const d = describeSeat(index, seatNo);
    if (!d) return '';
    const state = selected.has(seatNo)
      ? t('seats.selected')
      : bits && !isFree(bits, seatNo)
        ? t('seats.unavailable')
        : '';
    const mark =
      index.markOf[seatNo] === 1
        ? t('seats.accessible')
        : index.markOf[seatNo] === 2
          ? t('seats.companion')
          : '';
    return [
      `${t('seats.seat', { section: d.section, row: d.row, number: d.number })} · ${d.grade}${price(d.grade)}`,
      mark,
      state,
    ]
      .filter(Boolean)
      .join(' · ');
  };
  const place = (p: number): string => {
    const it = index.places[p];
    if (!it) return '';
    const grade = index.grades[it.grade]!;
    const n = left.places[p]!.toLocaleString();
    return it.standing
      ? t('seats.areaText', { area: it.name, grade, price: price(grade), n })
      : t('seats.sectionText', {
          section: it.name,
          grade,
          price: price(grade),
          n,
          total: it.forSale.toLocaleString(),
        });
  };
  const leftText = useCallback((n: number) => t('seats.left', { n: n.toLocaleString() }), [t]);
  return { seat, place, left: leftText };
}
