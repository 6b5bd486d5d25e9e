import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

// Reads a PDF the way a viewer's search and copy do, so a test can say what a person finds in it as text
// (a glyph drawn with no text behind it would not count). Shared by the PDF's unit test and the browser
// test that downloads it.

// pdf.js looks the shapes of the PDF's standard fonts (Courier, for the ticket code) up in these files.
const STANDARD_FONTS = join(
  dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')),
  'standard_fonts/',
);

export interface PdfText {
  /** Each page's text, its lines joined by newlines. */
  pages: string[];
  /** The document information dictionary: Title, Author, CreationDate (as PDF writes dates), … */
  info: Record<string, unknown>;
}

export async function pdfText(data: Uint8Array): Promise<PdfText> {
  // pdf.js may take ownership of the bytes it is given: a copy leaves the caller's intact.
  const pdf = await getDocument({ data: new Uint8Array(data), standardFontDataUrl: STANDARD_FONTS }).promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const content = await (await pdf.getPage(n)).getTextContent();
      pages.push(
        content.items
          .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : ''))
          .join('')
          .trim(),
      );
    }
    const { info } = await pdf.getMetadata();
    return { pages, info: info as Record<string, unknown> };
  } finally {
    await pdf.destroy();
  }
}
