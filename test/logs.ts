import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/**
 * A pino logger at `level` whose lines are kept, parsed, in `into`: for tests that read what was
 * logged (a warning's message and fields, or that nothing was logged as a bug).
 */
export function keptLogger<T>(level: string, into: T[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) into.push(JSON.parse(line) as T);
      done();
    },
  });
  return pino({ level }, sink);
}
