import { boundsOf, rowSlots, seatPositions } from './geometry.js';
import {
  checkSeatCount,
  expandRows,
  layoutError,
  stackRows,
  uniqueNames,
  type LayoutInput,
  type PlannedArea,
  type PlannedRow,
  type PlannedSection,
  type RowInput,
  type SectionInput,
  type SeatPlan,
} from './layout-model.js';
import { checkOverlaps } from './overlap.js';

const DEG = Math.PI / 180;

/** Every key each part of a version 2 layout may have: a misspelt `blocked` must not sell a camera's seat. */
const KEYS = {
  layout: ['name', 'address', 'version', 'sections', 'standing', 'stage', 'labels', 'organizationId'],
  section: ['name', 'grade', 'rows', 'seatsPerRow', 'x', 'y', 'rotation', 'curve', 'aisles'],
  row: ['label', 'seats', 'gaps', 'offset', 'accessible', 'companion', 'blocked'],
  curve: ['radius', 'angle'],
  area: ['name', 'grade', 'capacity', 'x', 'y', 'width', 'height', 'rotation'],
  stage: ['x', 'y', 'width', 'height', 'rotation', 'shape', 'label'],
  label: ['text', 'x', 'y', 'rotation', 'size'],
} as const;

function knownKeys(value: object, keys: readonly string[], field: string): void {
  const unknown = Object.keys(value).find((k) => !keys.includes(k));
  if (unknown !== undefined)
    throw layoutError(field ? `${field}.${unknown}` : unknown, 'not a field of a version 2 layout');
}

/**
 * Plans a version 2 layout: seats numbered as in the compact one (sections, rows, seats in order; the
 * standing areas' places after every seat, area by area), each section placed on the plane, and the
 * whole refused when any part is not sound — each refusal naming its field: a duplicate name, a seat
 * attribute or gap past its row, a curve that makes a row wrap round, parts that overlap, too many seats.
 * The venue editor plans with `overlaps: false` as its organizer drags parts about, and runs
 * `checkOverlaps` itself, so that it can still draw what overlaps.
 */
export function planLayoutV2(layout: LayoutInput, { overlaps = true } = {}): SeatPlan {
  knownKeys(layout, KEYS.layout, '');
  const named = uniqueNames();
  const areasIn = layout.standing ?? [];
  const rowsBySection = layout.sections.map((section, i) => {
    const field = `sections.${i}`;
    knownKeys(section, KEYS.section, field);
    named(section.name, field);
    if (section.x === undefined)
      throw layoutError(`${field}.x`, 'a version 2 section is placed: x is required');
    if (section.y === undefined)
      throw layoutError(`${field}.y`, 'a version 2 section is placed: y is required');
    const rows = expandRows(section, field);
    rows.forEach((row, j) => checkRow(row, `${field}.rows.${j}`));
    return rows;
  });
  areasIn.forEach((area, i) => {
    knownKeys(area, KEYS.area, `standing.${i}`);
    named(area.name, `standing.${i}`);
  });
  if (layout.stage) knownKeys(layout.stage, KEYS.stage, 'stage');
  (layout.labels ?? []).forEach((label, i) => knownKeys(label, KEYS.label, `labels.${i}`));
  const seated = rowsBySection.flat().reduce((sum, row) => sum + row.seats, 0);
  checkSeatCount(areasIn.reduce((sum, area) => sum + area.capacity, seated));

  const { rows, next } = stackRows(rowsBySection);
  const sections = layout.sections.map((section, sectionNo): PlannedSection => {
    const field = `sections.${sectionNo}`;
    const placed: PlannedSection = {
      sectionNo,
      name: section.name.trim(),
      grade: section.grade,
      rows: rows[sectionNo]!.map((row, j) => withAttributes(row, rowsBySection[sectionNo]![j]!)),
      x: section.x!,
      y: section.y!,
      rotation: section.rotation ?? 0,
      ...(section.aisles?.length ? { aisles: [...new Set(section.aisles)].sort((a, b) => a - b) } : {}),
    };
    if (section.curve) placed.curve = { radius: radiusOf(section, placed, field) };
    return placed;
  });
  let firstSeatNo = next;
  const standing = areasIn.map((area, i): PlannedArea => {
    const planned = {
      sectionNo: sections.length + i,
      name: area.name.trim(),
      grade: area.grade,
      capacity: area.capacity,
      firstSeatNo,
      x: area.x,
      y: area.y,
      width: area.width,
      height: area.height,
      rotation: area.rotation ?? 0,
    };
    firstSeatNo += area.capacity;
    return planned;
  });
  const stage = layout.stage && {
    x: layout.stage.x,
    y: layout.stage.y,
    width: layout.stage.width,
    height: layout.stage.height,
    rotation: layout.stage.rotation ?? 0,
    shape: layout.stage.shape ?? 'rect',
    label: layout.stage.label?.trim() ?? 'STAGE',
  };
  const labels = (layout.labels ?? []).map((l) => ({
    text: l.text.trim(),
    x: l.x,
    y: l.y,
    rotation: l.rotation ?? 0,
    size: l.size ?? 1,
  }));
  const plan: SeatPlan = {
    version: 2,
    seatCount: firstSeatNo,
    sections,
    standing,
    ...(stage ? { stage } : {}),
    labels,
  };
  const positions = seatPositions(plan);
  if (overlaps) checkOverlaps(plan, positions);
  plan.bounds = boundsOf(plan, positions);
  return plan;
}

/** A row's gaps and attributes name seats of the row: a gap between two of them, an attribute any. */
function checkRow(row: RowInput, field: string): void {
  knownKeys(row, KEYS.row, field);
  for (const n of row.gaps ?? [])
    if (n >= row.seats)
      throw layoutError(`${field}.gaps`, `a gap follows a seat before the last (${row.seats}); ${n} is not`);
  for (const key of ['accessible', 'companion', 'blocked'] as const)
    for (const n of row[key] ?? [])
      if (n > row.seats)
        throw layoutError(`${field}.${key}`, `seat ${n} is past the row's ${row.seats} seats`);
}

/** The planned row with the given row's gaps, offset and attributes, each list sorted and once. */
function withAttributes(planned: PlannedRow, given: RowInput): PlannedRow {
  const row: PlannedRow = { ...planned };
  const list = (ns: number[] | undefined) =>
    ns && ns.length > 0 ? [...new Set(ns)].sort((a, b) => a - b) : undefined;
  for (const key of ['gaps', 'accessible', 'companion', 'blocked'] as const) {
    const ns = list(given[key]);
    if (ns) row[key] = ns;
  }
  if (given.offset) row.offset = given.offset;
  return row;
}

/**
 * The front row's radius: given, or the one that makes the front row (its seats and gaps) span
 * `angle` degrees. Refused when both or neither are given, and when a row would reach round its own
 * centre (more than half a turn either way from its middle).
 */
function radiusOf(given: SectionInput, placed: PlannedSection, field: string): number {
  const { radius, angle } = given.curve!;
  knownKeys(given.curve!, KEYS.curve, `${field}.curve`);
  if ((radius === undefined) === (angle === undefined))
    throw layoutError(`${field}.curve`, 'a curve has a radius or an angle, one of them');
  const front = placed.rows[0]!;
  const resolved = radius ?? rowSlots(placed.aisles, front) / (angle! * DEG);
  if (resolved < 1) throw layoutError(`${field}.curve`, 'the front row would bend tighter than a seat wide');
  placed.rows.forEach((row, k) => {
    const half = (rowSlots(placed.aisles, row) - 1) / 2 + Math.abs(row.offset ?? 0);
    if (half / (resolved + k) > Math.PI)
      throw layoutError(
        `${field}.curve`,
        `row ${row.label} would reach round its own centre: a larger radius`,
      );
  });
  return Math.round(resolved * 1e6) / 1e6;
}
