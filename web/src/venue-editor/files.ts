import { MAX_LAYOUT_BYTES } from '@tmomi/contract/venues';
import type { LayoutInput } from '@tmomi/contract/layout';
import { schemaProblem, type Problem } from './check';

// Layout files in and out of the editor. A file over the API's limit is refused here, before anything
// is sent (the server would answer 413 PAYLOAD_TOO_LARGE).

/** Why a layout file cannot be read into the editor. */
export type FileProblem =
  { kind: 'too-large'; bytes: number } | { kind: 'not-json' } | { kind: 'invalid'; problem: Problem };

const megabytes = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;
export const MAX_LAYOUT_MB = megabytes(MAX_LAYOUT_BYTES);
export const sizeInMb = megabytes;

/** The bytes a body takes as the JSON the API reads. */
export const bodyBytes = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).length;

/** A layout file's text read as a body the API takes, or why not. */
export function parseLayout(text: string, bytes: number): { body: LayoutInput } | FileProblem {
  if (bytes > MAX_LAYOUT_BYTES) return { kind: 'too-large', bytes };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'not-json' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'not-json' };
  const problem = schemaProblem(json);
  return problem ? { kind: 'invalid', problem } : { body: json as LayoutInput };
}

/** A file the organizer picked, read as a layout (its size checked before it is read). */
export async function readLayoutFile(file: File): Promise<{ body: LayoutInput } | FileProblem> {
  if (file.size > MAX_LAYOUT_BYTES) return { kind: 'too-large', bytes: file.size };
  return parseLayout(await file.text(), file.size);
}

/** Offers `value` as a JSON file download named `filename`. */
export function downloadJson(value: unknown, filename: string): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file name from a venue's name: its letters and digits, dashes between. */
export const fileNameOf = (name: string) =>
  `${
    name
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '') || 'venue'
  }-layout.json`;
