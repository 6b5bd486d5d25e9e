import { randomInt } from 'node:crypto';
import type { AccessCode, AccessCodeList, CreateCodesBody } from '../../contract/codes.js';
import { AppError } from '../../contract/errors.js';
import type { CatalogChanges } from '../../inventory/catalog-changes.js';
import type { PerformanceRow } from '../../inventory/performance.js';
import type { PerformanceCache } from '../../inventory/performance-cache.js';
import type { Seating, SeatingCache } from '../../inventory/seating.js';
import type { Clock } from '../../platform/clock.js';
import type { HoldRefusal } from '../holds/refusals.js';
import type { AccessCodeRepository, NewCode } from './repository.js';
import { codeAccess, publicAccess, type Access } from './terms.js';

/** No 0/O, 1/I/L: read aloud or copied from paper without doubt. 12 of 31 symbols: 59 bits. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const RANDOM_LENGTH = 12;

const randomCode = () =>
  Array.from({ length: RANDOM_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

const invalid = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError('VALIDATION_FAILED', message, { field, in: 'body', ...details });

export interface AccessCodeServiceOptions {
  repository: AccessCodeRepository;
  performances: PerformanceCache;
  seating: SeatingCache;
  changes: CatalogChanges;
  clock: Clock;
}

/**
 * Access codes (issue 22, decision 027): organizers make them, a named one or a batch of random ones;
 * a hold request's code is looked up here (one indexed read, only when the request has a code), and
 * its uses are decided where the hold is placed, by tmomi_place_holds.
 */
export class AccessCodeService {
  constructor(private readonly deps: AccessCodeServiceOptions) {}

  async create(performanceId: string, body: CreateCodesBody): Promise<AccessCode[]> {
    const perf = await this.deps.performances.get(performanceId);
    if ((body.code === undefined) === (body.count === undefined))
      throw invalid('code', 'Give either a code or a count of random codes.');
    if (body.percentOff !== undefined && body.amountOff !== undefined)
      throw invalid('amountOff', 'A code takes a percent or an amount off, not both.');
    const grades = body.grades ?? [];
    await this.knownGrades(perf, grades);
    const terms = { percentOff: body.percentOff ?? null, amountOff: body.amountOff ?? null, grades };
    const make = (code: string): NewCode => ({ ...terms, code, maxUses: body.maxUses });
    const { repository } = this.deps;
    if (body.code !== undefined) {
      const code = body.code.toUpperCase();
      const [made] = await repository.insert(perf.id, [make(code)]);
      if (!made) throw new AppError('CODE_TAKEN', undefined, { code });
      return [view(made)];
    }
    const made: AccessCode[] = [];
    // A random code that meets one already there (about never) is drawn again.
    for (let left = body.count!; left > 0; left = body.count! - made.length) {
      const drawn = new Set(Array.from({ length: left }, randomCode));
      made.push(...(await repository.insert(perf.id, [...drawn].map(make))).map(view));
    }
    return made;
  }

  async list(performanceId: string): Promise<AccessCodeList> {
    const perf = await this.deps.performances.get(performanceId);
    const rows = await this.deps.repository.list(perf.id, new Date(this.deps.clock.now()));
    return { codes: rows.map(view), codeOnlyGrades: perf.codeOnlyGrades ?? [] };
  }

  /** A code's uses in all, raised or lowered; 0 stops it. What it already made stands. */
  async setMaxUses(performanceId: string, code: string, maxUses: number): Promise<AccessCode> {
    const perf = await this.deps.performances.get(performanceId);
    const now = new Date(this.deps.clock.now());
    const row = await this.deps.repository.setMaxUses(perf.id, code.toUpperCase(), maxUses, now);
    if (!row) throw new AppError('CODE_NOT_FOUND', undefined, { code: code.toUpperCase() });
    return view(row);
  }

  /** Grades sold only with a code from now on (every node within its cache's two seconds, at once if told). */
  async setCodeOnlyGrades(performanceId: string, grades: string[]): Promise<AccessCodeList> {
    const perf = await this.deps.performances.get(performanceId);
    await this.knownGrades(perf, grades);
    await this.deps.repository.setCodeOnlyGrades(perf.id, grades);
    await this.deps.changes.announce('performance', perf.id);
    return this.list(perf.id);
  }

  /** The terms a hold request gets: the public ones without a code, else its code's, or CODE_INVALID. */
  async access(
    perf: PerformanceRow,
    seating: Seating,
    code: string | undefined,
  ): Promise<Access | HoldRefusal> {
    if (code === undefined) return publicAccess(perf, seating);
    const terms = await this.deps.repository.find(perf.id, code.toUpperCase());
    if (!terms) return { refused: 'code-invalid', reason: 'unknown' };
    return codeAccess(perf, seating, terms);
  }

  private async knownGrades(perf: PerformanceRow, grades: string[]): Promise<void> {
    const seating = await this.deps.seating.get(perf);
    const unknown = grades.filter((g) => !seating.prices.has(g));
    if (unknown.length > 0) throw invalid('grades', 'The event has no such grade.', { grades: unknown });
  }
}

function view(row: Omit<AccessCode, 'createdAt'> & { createdAt: Date }): AccessCode {
  return { ...row, createdAt: row.createdAt.toISOString() };
}
