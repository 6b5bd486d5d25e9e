import type {
  AreaInput,
  LabelInput,
  LayoutInput,
  PlannedRow,
  PlannedSection,
  RowInput,
  SeatPlan,
  SectionInput,
  StageInput,
} from './layout-model.js';

// A venue's layout as a file: the body that, POSTed to /api/admin/venues again, makes a venue with the
// same plan (the same seat numbers, places and attributes). The stored plan has every part; a curve given
// by its angle comes back as the radius it resolved to. The venue editor writes its drafts in the same
// form, so an exported file imported into the editor and saved again is the same body.

/** A body made of the plan of a venue named `name` at `address`. */
export function layoutBody(plan: SeatPlan, name: string, address: string): LayoutInput {
  const head = { name, ...(address ? { address } : {}) };
  if (plan.version !== 2)
    return { ...head, sections: plan.sections.map((s) => ({ name: s.name, grade: s.grade, ...rowsOf(s) })) };
  return {
    ...head,
    version: 2,
    sections: plan.sections.map((s): SectionInput => ({
      name: s.name,
      grade: s.grade,
      x: s.x ?? 0,
      y: s.y ?? 0,
      rotation: s.rotation ?? 0,
      ...(s.curve ? { curve: { radius: s.curve.radius } } : {}),
      ...(s.aisles?.length ? { aisles: [...s.aisles] } : {}),
      ...rowsOf(s),
    })),
    standing: (plan.standing ?? []).map((a): AreaInput => ({
      name: a.name,
      grade: a.grade,
      capacity: a.capacity,
      x: a.x,
      y: a.y,
      width: a.width,
      height: a.height,
      rotation: a.rotation,
    })),
    ...(plan.stage ? { stage: { ...plan.stage } satisfies StageInput } : {}),
    labels: (plan.labels ?? []).map((l): LabelInput => ({ ...l })),
  };
}

/** A row as a body gives it: its label and seats, and what else it has. */
function rowOf(row: PlannedRow | RowInput): RowInput {
  const out: RowInput = { label: row.label, seats: row.seats };
  if (row.gaps?.length) out.gaps = [...row.gaps];
  if (row.offset) out.offset = row.offset;
  for (const key of ['accessible', 'companion', 'blocked'] as const)
    if (row[key]?.length) out[key] = [...row[key]];
  return out;
}

/**
 * A section's rows as the shortest body says them: `rows` and `seatsPerRow` when every row is plain
 * (labelled 1, 2, … as a row count labels them, the same length, nothing else), else each row.
 */
export function rowsOf(
  section: Pick<PlannedSection, 'rows'> | { rows: RowInput[] },
): Pick<SectionInput, 'rows' | 'seatsPerRow'> {
  const rows = section.rows.map(rowOf);
  const first = rows[0];
  const plain =
    first !== undefined &&
    rows.every((r, i) => r.label === String(i + 1) && r.seats === first.seats && Object.keys(r).length === 2);
  return plain ? { rows: rows.length, seatsPerRow: first.seats } : { rows };
}
