import { rowsOf } from '@tmomi/contract/layout-export';
import {
  planSeats,
  type AreaInput,
  type LabelInput,
  type LayoutInput,
  type RowInput,
  type SectionInput,
  type StageInput,
} from '@tmomi/contract/layout';

// The venue editor's draft: a version 2 layout whose sections always list their rows (so that seats
// can be marked one by one), read from a layout file or the API's body and written back as one. A
// body written from a draft read from an exported file is that file again (layoutBody's form).

export interface DraftSection extends Omit<SectionInput, 'rows' | 'seatsPerRow' | 'x' | 'y'> {
  x: number;
  y: number;
  rows: RowInput[];
}

export interface Draft {
  sections: DraftSection[];
  standing: AreaInput[];
  stage?: StageInput;
  labels: LabelInput[];
}

/** A part of the draft the organizer can pick, move and edit. */
export type Part = { kind: 'section' | 'standing' | 'label'; index: number } | { kind: 'stage' };

export const MARKS = ['accessible', 'companion', 'blocked'] as const;
export type Mark = (typeof MARKS)[number];

const plainRows = (rows: number, seats: number): RowInput[] =>
  Array.from({ length: rows }, (_, k) => ({ label: String(k + 1), seats }));

/** What a new venue starts from: a stage and one section facing it. */
export function starterDraft(): Draft {
  return {
    sections: [{ name: 'A', grade: 'R', x: 0, y: 0, rotation: 0, rows: plainRows(5, 12) }],
    standing: [],
    stage: { x: 0, y: -6, width: 16, height: 4, rotation: 0, shape: 'rect', label: 'STAGE' },
    labels: [],
  };
}

/**
 * A draft from a body (a layout file, or what the API takes). A compact layout becomes version 2 with
 * every seat where the compact drawing puts it (sections stacked, rows centred on the widest), so the
 * editor can move it on; `converted` says so.
 */
export function fromBody(body: LayoutInput): {
  name: string;
  address: string;
  draft: Draft;
  converted: boolean;
} {
  const head = { name: body.name, address: body.address ?? '' };
  const expand = (s: SectionInput): RowInput[] =>
    typeof s.rows === 'number' ? plainRows(s.rows, s.seatsPerRow ?? 1) : s.rows.map((r) => ({ ...r }));
  if (body.version !== 2) {
    const plan = planSeats(body);
    const widest = Math.max(0, ...plan.sections.flatMap((s) => s.rows.map((r) => r.seats)));
    const sections = body.sections.map((s, i) => ({
      name: s.name,
      grade: s.grade,
      // The middle of the front row: compact seat i of a row is centred at x + i + ½, the row centred.
      x: widest / 2,
      y: plan.sections[i]!.rows[0]!.y + 0.5,
      rotation: 0,
      rows: expand(s).map((r) => ({ label: r.label, seats: r.seats })),
    }));
    return { ...head, draft: { sections, standing: [], labels: [] }, converted: true };
  }
  return {
    ...head,
    draft: {
      sections: body.sections.map((section) => {
        const { seatsPerRow: _, ...s } = section;
        return { ...s, x: s.x ?? 0, y: s.y ?? 0, rows: expand(section) };
      }),
      standing: (body.standing ?? []).map((a) => ({ ...a })),
      ...(body.stage ? { stage: { ...body.stage } } : {}),
      labels: (body.labels ?? []).map((l) => ({ ...l })),
    },
    converted: false,
  };
}

/** The body the API takes (and a layout file holds) for the draft: the form layoutBody exports. */
export function toBody(name: string, address: string, draft: Draft): LayoutInput {
  return {
    name,
    ...(address ? { address } : {}),
    version: 2,
    sections: draft.sections.map((s) => ({
      name: s.name,
      grade: s.grade,
      x: s.x,
      y: s.y,
      rotation: s.rotation ?? 0,
      ...(s.curve ? { curve: { ...s.curve } } : {}),
      ...(s.aisles?.length ? { aisles: [...s.aisles] } : {}),
      ...rowsOf(s),
    })),
    standing: draft.standing.map((a) => ({ ...a, rotation: a.rotation ?? 0 })),
    ...(draft.stage
      ? {
          stage: {
            ...draft.stage,
            rotation: draft.stage.rotation ?? 0,
            shape: draft.stage.shape ?? 'rect',
            label: draft.stage.label ?? 'STAGE',
          },
        }
      : {}),
    labels: draft.labels.map((l) => ({ ...l, rotation: l.rotation ?? 0, size: l.size ?? 1 })),
  };
}

/** A section's rows made `rows` × `seats`, each kept row keeping its label and the marks still in it. */
export function resizeRows(section: DraftSection, rows: number, seats: number): RowInput[] {
  return Array.from({ length: rows }, (_, k) => {
    const old = section.rows[k];
    if (!old) return { label: String(k + 1), seats };
    const row: RowInput = { ...old, seats };
    for (const key of [...MARKS, 'gaps'] as const) {
      const kept = old[key]?.filter((n) => (key === 'gaps' ? n < seats : n <= seats));
      if (kept?.length) row[key] = kept;
      else delete row[key];
    }
    return row;
  });
}

/** Where a part is placed: its x, y (a section's front row's middle, a shape's or a label's middle). */
export function placeOf(draft: Draft, part: Part): { x: number; y: number; rotation: number } | undefined {
  const it = part.kind === 'stage' ? draft.stage : listOf(draft, part.kind)[part.index];
  return it && { x: it.x, y: it.y, rotation: it.rotation ?? 0 };
}

function listOf(draft: Draft, kind: 'section' | 'standing' | 'label') {
  return kind === 'section' ? draft.sections : kind === 'standing' ? draft.standing : draft.labels;
}

/** The draft with one part's fields changed. */
export function updatePart<T extends object>(draft: Draft, part: Part, patch: Partial<T>): Draft {
  if (part.kind === 'stage') return draft.stage ? { ...draft, stage: { ...draft.stage, ...patch } } : draft;
  const key = part.kind === 'section' ? 'sections' : part.kind === 'standing' ? 'standing' : 'labels';
  const list = draft[key] as object[];
  return { ...draft, [key]: list.map((it, i) => (i === part.index ? { ...it, ...patch } : it)) };
}

/** The draft with a part taken out. */
export function removePart(draft: Draft, part: Part): Draft {
  if (part.kind === 'stage') {
    const { stage: _, ...rest } = draft;
    return rest;
  }
  const key = part.kind === 'section' ? 'sections' : part.kind === 'standing' ? 'standing' : 'labels';
  return { ...draft, [key]: (draft[key] as object[]).filter((_, i) => i !== part.index) };
}

/** Places are moved and turned on a grid of tenths: what the organizer sees is what is saved. */
export const tenth = (n: number) => Math.round(n * 10) / 10;

/** The draft with a part moved to x, y (and turned to `rotation`, within ±360°). */
export function placePart(draft: Draft, part: Part, x: number, y: number, rotation?: number): Draft {
  const patch: { x: number; y: number; rotation?: number } = { x: tenth(x), y: tenth(y) };
  if (rotation !== undefined) patch.rotation = tenth(((rotation % 360) + 360) % 360);
  return updatePart(draft, part, patch);
}

/** A name none of the sections and areas has: the next letter, else the letter and a number. */
export function freshName(draft: Draft, base?: string): string {
  const taken = new Set([...draft.sections, ...draft.standing].map((p) => p.name.trim().toLowerCase()));
  const candidates = base
    ? [base, ...Array.from({ length: 200 }, (_, i) => `${base} ${i + 2}`)]
    : Array.from(
        { length: 26 * 9 },
        (_, i) => String.fromCharCode(65 + (i % 26)) + (i < 26 ? '' : Math.floor(i / 26) + 1),
      );
  return candidates.find((n) => !taken.has(n.toLowerCase())) ?? `${base ?? 'S'} ${Date.now()}`;
}

/**
 * The draft with a new part of `kind` at (x, y) — a section of 5 rows × 10, a standing area of 100,
 * the stage (when there is none), a label — and the part, to select it.
 */
export function addPart(
  draft: Draft,
  kind: Part['kind'],
  x: number,
  y: number,
  text = 'Entrance',
): { draft: Draft; part: Part } {
  const grade = (list: { grade: string }[], fallback: string) => list.at(-1)?.grade ?? fallback;
  [x, y] = [tenth(x), tenth(y)];
  if (kind === 'section') {
    const section = { name: freshName(draft), grade: grade(draft.sections, 'R'), x, y, rotation: 0 };
    const sections = [...draft.sections, { ...section, rows: plainRows(5, 10) }];
    return { draft: { ...draft, sections }, part: { kind, index: sections.length - 1 } };
  }
  if (kind === 'standing') {
    const area = { name: freshName(draft, 'Floor'), grade: grade(draft.standing, 'GA'), capacity: 100 };
    const standing = [...draft.standing, { ...area, x, y: y + 3, width: 12, height: 6, rotation: 0 }];
    return { draft: { ...draft, standing }, part: { kind, index: standing.length - 1 } };
  }
  if (kind === 'stage') {
    const stage = draft.stage ?? {
      x,
      y: y + 2,
      width: 16,
      height: 4,
      rotation: 0,
      shape: 'rect',
      label: 'STAGE',
    };
    return { draft: { ...draft, stage }, part: { kind } };
  }
  const labels = [...draft.labels, { text, x, y, rotation: 0, size: 1.5 }];
  return { draft: { ...draft, labels }, part: { kind, index: labels.length - 1 } };
}
