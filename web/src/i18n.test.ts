import { describe, expect, it } from 'vitest';
import { ERRORS } from '@tmomi/contract/errors';
import { ApiError } from './api';
import { errorSentence, formatDuration, initialLang } from './i18n';
import { en } from './messages/en';
import { ko } from './messages/ko';

describe('the web app in two languages', () => {
  it('when the server can answer an error code, then both languages have a sentence for it', () => {
    // The server's catalog is every code it can answer (DESIGN.md's booking codes among them).
    for (const code of Object.keys(ERRORS)) {
      expect(en.errors, code).toHaveProperty(code);
      expect(ko.errors, code).toHaveProperty(code);
    }
  });

  it('when a key exists in English, then Korean has it too, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(en)) {
      if (key === 'errors') continue;
      const korean = (ko as Record<string, unknown>)[key];
      expect(typeof korean, key).toBe('string');
      expect(placeholders(korean as string), key).toEqual(placeholders(text as string));
    }
  });

  it('when an error has an unknown code, then a plain sentence by status is shown, never the code', () => {
    expect(errorSentence(en, new ApiError(409, 'SOMETHING_NEW', 'x'))).toBe(en.errors.CLIENT);
    expect(errorSentence(ko, new ApiError(502, 'HTTP_502', 'x'))).toBe(ko.errors.SERVER);
    expect(errorSentence(en, new TypeError('boom'))).toBe(en.errors.SERVER);
    expect(errorSentence(ko, new ApiError(402, 'PAYMENT_DECLINED', 'x'))).toBe(ko.errors.PAYMENT_DECLINED);
  });

  it('when no language was chosen, then Korean browsers get Korean and the rest English', () => {
    expect(initialLang(null, ['ko-KR', 'en-US'])).toBe('ko');
    expect(initialLang(null, ['en-US', 'ko'])).toBe('en');
    expect(initialLang('ko', ['en-US'])).toBe('ko');
    expect(initialLang('fr', [])).toBe('en');
  });

  it('when a wait is shown, then it uses at most two units', () => {
    expect(formatDuration(0, 'en')).toBe('0s');
    expect(formatDuration(75, 'en')).toBe('1m 15s');
    expect(formatDuration(90_061, 'en')).toBe('1d 1h');
    expect(formatDuration(3600, 'ko')).toBe('1시간');
  });
});
