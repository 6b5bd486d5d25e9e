// The seat map's colours, shared by the canvas, its legend and the event page's price list.

/** Zinc 500: 4.8:1 against the map's white, so a sold seat is seen; a white cross marks it as well. */
export const TAKEN_COLOUR = '#71717a';
export const SELECTED_COLOUR = '#111827';
/** Amber 700: the keyboard cursor's ring, 5:1 against white. */
export const CURSOR_COLOUR = '#b45309';
export const STAGE_COLOUR = '#3f3f46';
export const MAP_BACKGROUND = '#ffffff';
// Colour-blind-safe hues (Okabe–Ito), dark enough against white for the legend swatches.
export const GRADE_COLOURS = ['#7c3aed', '#0072b2', '#009e73', '#d55e00', '#cc79a7', '#e69f00', '#56b4e9'];

export const gradeColour = (grade: number): string => GRADE_COLOURS[grade % GRADE_COLOURS.length]!;

/** WCAG's relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff].map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG's contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
