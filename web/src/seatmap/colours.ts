// The seat map's colours, shared by the canvas, its legend and the event page's price list.

export const TAKEN_COLOUR = '#d4d4d8';
export const SELECTED_COLOUR = '#111827';
export const CURSOR_COLOUR = '#f59e0b';
// Colour-blind-safe hues (Okabe–Ito), dark enough against white for the legend swatches.
export const GRADE_COLOURS = ['#7c3aed', '#0072b2', '#009e73', '#d55e00', '#cc79a7', '#e69f00', '#56b4e9'];
