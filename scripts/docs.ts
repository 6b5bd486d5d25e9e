// Regenerates the documents derived from code. CI fails (src/contract/errors.test.ts) when they drift.
import { writeFile } from 'node:fs/promises';
import { ERROR_DOCS, renderErrorDocs } from './error-docs.js';

await writeFile(ERROR_DOCS, await renderErrorDocs());
