import { Value } from 'typebox/value';
import { VenueBody } from '@tmomi/contract/venues';
import { seatPositions } from '@tmomi/contract/geometry';
import { planSeats, type LayoutInput, type SeatPlan } from '@tmomi/contract/layout';
import { checkOverlaps } from '@tmomi/contract/overlap';

// The checks the server runs on a venue body, run in the browser as the organizer edits: the API's
// schema (the field it would name in a 400), the planner's refusals (422, their field) and the overlap
// check, run apart so that what overlaps is still drawn. What the editor shows is what the server says.

/** Why a body would be refused: the error code and the field, as the API's error would give them. */
export interface Problem {
  code: string;
  field?: string;
  /** SECTIONS_OVERLAP: the two parts' names, and the other part's field. */
  parts?: [string, string];
  overlaps?: string;
  /** The planner's own words (English), or the schema's complaint. */
  reason?: string;
}

export interface Preview {
  /** The plan, when the body can be planned (it may still overlap). */
  plan: SeatPlan | null;
  positions: Float64Array;
  problem: Problem | null;
}

type Issue = { keyword: string; instancePath: string; params?: Record<string, unknown>; message?: string };

/** The property an issue names itself: the one missing, or the one not allowed (TypeBox lists them). */
function namedProperty(i: Issue): string {
  const list = i.params?.requiredProperties ?? i.params?.additionalProperties;
  return Array.isArray(list) && list.length > 0 ? String(list[0]) : '';
}

/**
 * The complaint the API would report of a body its schema refuses: the deepest one (of a union's
 * branches, the one that names the part that is wrong), as src/platform/error-handler.ts picks it.
 */
export function schemaProblem(body: unknown): Problem | null {
  if (Value.Check(VenueBody, body)) return null;
  const issues = Value.Errors(VenueBody, body) as Issue[];
  const depth = (i: Issue) =>
    i.keyword === 'anyOf' || i.keyword === 'oneOf'
      ? -1
      : i.instancePath.split('/').length + (namedProperty(i) ? 1 : 0);
  const deepest = issues.reduce<Issue | undefined>(
    (best, i) => (best && depth(best) >= depth(i) ? best : i),
    undefined,
  );
  if (!deepest) return { code: 'VALIDATION_FAILED' };
  const path = deepest.instancePath.split('/').filter(Boolean);
  if (namedProperty(deepest)) path.push(namedProperty(deepest));
  return { code: 'VALIDATION_FAILED', field: path.join('.') || 'body', reason: deepest.message ?? '' };
}

/** A body's plan, seat positions and what the server would refuse in it, first problem first. */
export function preview(body: LayoutInput): Preview {
  const none = { plan: null, positions: new Float64Array(0) };
  const schema = schemaProblem(body);
  if (schema) return { ...none, problem: schema };
  let plan: SeatPlan;
  try {
    plan = planSeats(body, { overlaps: false });
  } catch (err) {
    return { ...none, problem: problemOf(err) };
  }
  const positions = seatPositions(plan);
  try {
    checkOverlaps(plan, positions);
  } catch (err) {
    return { plan, positions, problem: problemOf(err) };
  }
  return { plan, positions, problem: null };
}

/** An error the contract's checks throw (an AppError), or the API's answer (an ApiError), as a problem. */
export function problemOf(err: unknown): Problem {
  const { code, details } = err as { code?: unknown; details?: Record<string, unknown> };
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const sections = details?.sections;
  return {
    code: typeof code === 'string' ? code : 'INVALID_LAYOUT',
    ...(text(details?.field) ? { field: text(details?.field) } : {}),
    ...(Array.isArray(sections) && sections.length === 2
      ? { parts: [String(sections[0]), String(sections[1])] as [string, string] }
      : {}),
    ...(text(details?.overlaps) ? { overlaps: text(details?.overlaps) } : {}),
    ...(text(details?.reason) ? { reason: text(details?.reason) } : {}),
  };
}
