import { AppError } from './errors.js';
import {
  checkSeatCount,
  expandRows,
  layoutError,
  stackRows,
  uniqueNames,
  type LayoutInput,
  type SeatPlan,
} from './layout-model.js';
import { planLayoutV2 } from './layout-v2.js';

export * from './layout-model.js';

/** What only a version 2 layout may say, by where it is said. */
const V2_ONLY = {
  layout: ['standing', 'stage', 'labels'],
  section: ['x', 'y', 'rotation', 'curve', 'aisles'],
  row: ['gaps', 'offset', 'accessible', 'companion', 'blocked'],
} as const;

/**
 * Numbers the seats densely in section, row, seat order (standing areas' places after every seat) and
 * places them for drawing. The compact layout stacks its sections top to bottom with a gap, each row
 * centred on the widest row; version 2 places them on a plane (layout-v2.ts). The plan is what the
 * seat map is served from; the seats table is inserted from it in one statement. `overlaps: false`
 * leaves out version 2's overlap check (the venue editor runs it apart, and draws what overlaps).
 */
export function planSeats(layout: LayoutInput, options: { overlaps?: boolean } = {}): SeatPlan {
  if (layout.sections.length === 0 && (layout.version !== 2 || (layout.standing ?? []).length === 0)) {
    // The schema's old minItems, now the planner's: a version 2 venue may have standing areas only.
    throw new AppError('VALIDATION_FAILED', 'sections must NOT have fewer than 1 items.', {
      field: 'sections',
      in: 'body',
      problem: 'must NOT have fewer than 1 items',
    });
  }
  if (layout.version === 2) return planLayoutV2(layout, options);
  refuseVersion2Fields(layout);
  const named = uniqueNames();
  const rowsBySection = layout.sections.map((section, i) => {
    named(section.name, `sections.${i}`);
    return expandRows(section, `sections.${i}`);
  });
  checkSeatCount(rowsBySection.flat().reduce((sum, row) => sum + row.seats, 0));
  const { rows, next } = stackRows(rowsBySection);
  const sections = layout.sections.map((section, sectionNo) => ({
    sectionNo,
    name: section.name.trim(),
    grade: section.grade,
    rows: rows[sectionNo]!,
  }));
  return { seatCount: next, sections };
}

/** A compact layout that says what only version 2 means is refused, rather than drawn without it. */
function refuseVersion2Fields(layout: LayoutInput): void {
  const reason = 'only a version 2 layout has this (add "version": 2)';
  for (const key of V2_ONLY.layout) if (layout[key] !== undefined) throw layoutError(key, reason);
  layout.sections.forEach((section, i) => {
    for (const key of V2_ONLY.section)
      if (section[key] !== undefined) throw layoutError(`sections.${i}.${key}`, reason);
    if (typeof section.rows === 'number') return;
    section.rows.forEach((row, j) => {
      for (const key of V2_ONLY.row)
        if (row[key] !== undefined) throw layoutError(`sections.${i}.rows.${j}.${key}`, reason);
    });
  });
}

/** The grades a venue sells (its sections' and standing areas'), in first-seen order. */
export function gradesOf(plan: SeatPlan): string[] {
  return [...new Set([...plan.sections, ...(plan.standing ?? [])].map((s) => s.grade))];
}
