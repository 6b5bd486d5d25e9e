import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  hostileString,
  hostileValue,
  mutate,
  mutation,
  oddContentType,
  rawBody,
  rawSegment,
  type Parts,
} from './fuzz-hostile.js';

// Requests generated from the OpenAPI document: every operation's path, query, header and body
// schemas drive fast-check arbitraries, drawing values the schema accepts and values the test made
// earlier (real ids, codes, cards); hostile ones come in by mutation or in chaos (test/fuzz-hostile.ts).
// Nothing here knows a route by name.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

export interface Operation {
  method: string;
  /** The OpenAPI path, `{id}` for parameters. */
  path: string;
  parameters: { in: 'path' | 'query' | 'header' | 'cookie'; name: string; schema: JsonSchema }[];
  body: JsonSchema | undefined;
  /** No 2xx answer is described: a stream (Server-Sent Events), sent on a socket and cut after its head. */
  streams: boolean;
}

interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Operation['parameters'];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        responses: Record<string, unknown>;
      }
    >
  >;
}

export function operationsOf(doc: OpenApi): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
      streams: !Object.keys(op.responses).some((status) => status.startsWith('2')),
    })),
  );
}

/**
 * How many values an operation takes (parameters, and the leaves of its body's schema): operations
 * with more get more of the requests, since each value is a place for a defect.
 */
export function valuesOf(op: Operation): number {
  const leaves = (schema: JsonSchema | undefined): number => {
    if (!schema) return 0;
    const nested = [
      ...Object.values(schema.properties ?? {}),
      ...(schema.items ? [schema.items] : []),
      ...(schema.anyOf ?? schema.oneOf ?? []),
    ];
    return nested.length === 0 ? 1 : nested.reduce((n, s) => n + leaves(s), 0);
  };
  return op.parameters.length + leaves(op.body);
}

export type Auth = 'none' | 'buyer' | 'other buyer' | 'admin' | 'forged';
/**
 * clean: only values the schemas accept (or known ones); mutated: a clean request with one or two
 * defects; chaos: hostile values anywhere, odd bodies and content types, forged tokens.
 */
export type Mode = 'clean' | 'mutated' | 'chaos';

export interface FuzzRequest {
  method: string;
  url: string;
  auth: Auth;
  mode: Mode;
  headers: Record<string, string>;
  payload: string | undefined;
  /** Sent over a real connection rather than through `inject`. */
  socket: boolean;
}

export interface GeneratorContext {
  /** Values made by the setup (ids, codes, cards, seat numbers): each schema draws on those it accepts. */
  known: unknown[];
}

/** Fast-check arbitraries for the requests of one API, built from its OpenAPI document. */
export class RequestGenerator {
  private readonly ajv = addFormats.default(new Ajv({ strict: false, allErrors: false }));
  private readonly validators = new WeakMap<JsonSchema, ValidateFunction>();

  constructor(private readonly ctx: GeneratorContext) {}

  requests(op: Operation): fc.Arbitrary<FuzzRequest> {
    // Each built once: building an arbitrary (a pattern's, above all) costs far more than drawing from it.
    const clean = this.parts(op, false);
    const encode = (mode: Mode) => (p: Parts & Extras) => encodeRequest(op, mode, p);
    return fc.oneof(
      { weight: 4, arbitrary: clean.map(encode('clean')) },
      {
        weight: 4,
        arbitrary: fc
          .tuple(clean, fc.array(mutation, { minLength: 1, maxLength: 2 }))
          .map(([p, mutations]) => encode('mutated')({ ...p, ...mutate(p, mutations) })),
      },
      { weight: 2, arbitrary: this.parts(op, true).map(encode('chaos')) },
    );
  }

  private parts(op: Operation, chaos: boolean): fc.Arbitrary<Parts & Extras> {
    const param = (where: string) => op.parameters.filter((p) => p.in === where);
    const named = (where: string, optional: boolean) =>
      fc.record(
        Object.fromEntries(param(where).map((p) => [p.name, this.value(p.schema, chaos)])),
        // Optional parameters come and go; a path parameter is always there.
        optional ? { requiredKeys: [] } : {},
      );
    const path = chaos
      ? fc.record(
          Object.fromEntries(
            param('path').map((p) => [
              p.name,
              fc.oneof(
                this.value(p.schema, true),
                rawSegment.map((s) => new RawSegment(s)),
              ),
            ]),
          ),
        )
      : named('path', false);
    const json = op.body ? this.value(op.body, chaos).map((v) => ({ json: v })) : undefined;
    const withBody = op.method !== 'GET' && op.method !== 'HEAD';
    const body: fc.Arbitrary<Parts['body']> = !withBody
      ? fc.constant(undefined)
      : weighted<Parts['body']>(
          [json ? 8 : 0, json],
          [chaos ? 2 : 0, rawBody.map((raw) => ({ raw }))],
          [chaos ? 1 : 0, fc.jsonValue({ maxDepth: 2 }).map((v) => ({ json: v }))],
          // A clean request sends the body its operation describes; one that has none goes without.
          [json ? (chaos ? 1 : 0) : 4, fc.constant(undefined)],
        );
    const contentType = chaos
      ? weighted<string | undefined>(
          [6, fc.constant('application/json')],
          [2, oddContentType],
          [1, fc.constant(undefined)],
        )
      : fc.constant('application/json');
    // Mostly someone who may call the operation, so that requests get past the guard.
    const auth = weighted<Auth>(
      [3, fc.constant('buyer')],
      [3, fc.constant('admin')],
      [1, fc.constant('other buyer')],
      [1, fc.constant('none')],
      [chaos ? 1 : 0, fc.constant('forged')],
    );
    return fc.record({
      path,
      query: named('query', true),
      headers: named('header', true),
      body,
      contentType,
      auth,
      // Some go over a real connection, through Node's HTTP parser (and its limits) that `inject` skips.
      socket: weighted([chaos ? 3 : 1, fc.constant(true)], [9, fc.constant(false)]),
    });
  }

  /** A value for `schema`: one it accepts, a known one it accepts, or (in chaos) a hostile one. */
  private value(schema: JsonSchema, chaos: boolean): fc.Arbitrary<unknown> {
    const known = this.ctx.known.filter((v) => this.accepts(schema, v));
    return weighted(
      [5, this.valid(schema, chaos, known)],
      [known.length > 0 ? 4 : 0, known.length > 0 ? fc.constantFrom(...known) : undefined],
      [chaos ? 2 : 0, hostileValue],
    );
  }

  private valid(schema: JsonSchema, chaos: boolean, known: unknown[]): fc.Arbitrary<unknown> {
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const choices = schema.anyOf ?? schema.oneOf;
    if (choices) return fc.oneof(...choices.map((s) => this.value(s, chaos)));
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    switch (type) {
      case 'string':
        // What a pattern alone cannot say (a length, a lookahead) may still refuse a drawn string: a known
        // value the schema accepts stands in for it then, so that clean requests stay valid.
        return stringFor(schema).map((s) =>
          known.length === 0 || this.accepts(schema, s) ? s : known[s.length % known.length],
        );
      case 'integer':
        return fc.integer({ min: bound(schema.minimum, -1e6), max: bound(schema.maximum, 1e6) });
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const minLength = schema.minItems ?? 0;
        const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 4, 4));
        const items = this.value(schema.items ?? {}, chaos);
        return schema.uniqueItems
          ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
          : fc.array(items, { minLength, maxLength });
      }
      case 'object':
        return this.object(schema, chaos);
      case undefined:
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  /** Required fields are always there (a mutation may drop one); optional ones come and go. */
  private object(schema: JsonSchema, chaos: boolean): fc.Arbitrary<unknown> {
    const properties = Object.entries(schema.properties ?? {});
    const fields = fc.record(
      Object.fromEntries(properties.map(([name, s]) => [name, this.value(s, chaos)])),
      {
        requiredKeys: chaos
          ? []
          : (schema.required ?? []).filter((k) => properties.some(([name]) => name === k)),
      },
    );
    const open = Object.values(schema.patternProperties ?? {})[0];
    const extra = open
      ? fc.dictionary(fc.string({ maxLength: 10 }), this.value(open, chaos), { maxKeys: 3 })
      : chaos
        ? fc.option(fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }), { nil: {}, freq: 4 })
        : fc.constant({});
    return fc.tuple(extra, fields).map(([more, own]) => ({ ...more, ...own }));
  }

  private accepts(schema: JsonSchema, value: unknown): boolean {
    let validate = this.validators.get(schema);
    if (!validate) this.validators.set(schema, (validate = this.ajv.compile(schema)));
    return validate(value);
  }
}

interface Extras {
  contentType: string | undefined;
  auth: Auth;
  socket: boolean;
}

/** Well under Node's 16 KiB for the request line and headers, the token added later included. */
const HEAD_LIMIT_FOR_SOCKETS = 8 * 1024;
/** Well under the test app's body limit (64 KiB). */
const BODY_LIMIT_FOR_SOCKETS = 16 * 1024;

/** A path segment sent as it is, not percent-encoded: a broken encoding on purpose. */
class RawSegment {
  constructor(readonly text: string) {}
}

function encodeRequest(op: Operation, mode: Mode, p: Parts & Extras): FuzzRequest {
  let url = op.path;
  for (const [name, v] of Object.entries(p.path))
    url = url.replace(`{${name}}`, v instanceof RawSegment ? v.text : percentEncode(asText(v)));
  const search = Object.entries(p.query).flatMap(([name, v]) =>
    (Array.isArray(v) ? v : [v]).map((item) => `${percentEncode(name)}=${percentEncode(asText(item))}`),
  );
  if (search.length > 0) url += `?${search.join('&')}`;
  const headers: Record<string, string> = {};
  for (const [name, v] of Object.entries(p.headers)) headers[name] = headerText(asText(v));
  const payload =
    p.body === undefined ? undefined : 'raw' in p.body ? p.body.raw : JSON.stringify(p.body.json);
  if (payload !== undefined && p.contentType !== undefined) headers['content-type'] = p.contentType;
  // A head past Node's limit (431) or a body past the app's (413) gets its refusal and a closed
  // connection, which races the client still writing: those go through `inject`
  // (test/error-shape.test.ts checks both on a real connection).
  const headSize = url.length + Object.entries(headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
  const socket =
    (p.socket || op.streams) &&
    headSize < HEAD_LIMIT_FOR_SOCKETS &&
    (payload ?? '').length < BODY_LIMIT_FOR_SOCKETS;
  return { method: op.method, url, auth: p.auth, mode, socket, headers, payload };
}

/** `fc.oneof` over the choices whose weight is above zero. */
function weighted<T>(...choices: [number, fc.Arbitrary<T> | undefined][]): fc.Arbitrary<T> {
  const kept = choices.filter(([weight, arbitrary]) => weight > 0 && arbitrary !== undefined);
  return fc.oneof(...kept.map(([weight, arbitrary]) => ({ weight, arbitrary: arbitrary! })));
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const maxLength = Math.min(schema.maxLength ?? 30, 30);
  const minLength = Math.min(schema.minLength ?? 0, maxLength);
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'uri') return fc.webUrl();
  if (schema.format === 'date-time')
    return fc
      .date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (schema.pattern) {
    // fast-check cannot generate lookaheads; without them the strings are still mostly acceptable.
    const pattern = schema.pattern.replace(/\(\?=[^()]*\)/g, '');
    const clip = (s: string) =>
      Array.from(s)
        .slice(0, schema.maxLength ?? Infinity)
        .join('');
    return fc.stringMatching(new RegExp(pattern, 'u')).map(clip);
  }
  return fc.string({ unit: 'grapheme', minLength, maxLength });
}

const bound = (limit: number | undefined, fallback: number) =>
  Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, limit ?? fallback));

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/**
 * `encodeURIComponent`, but a lone surrogate (which it refuses) is sent as the bytes a careless
 * client would send (WTF-8): they decode to no valid text, as a hostile URL may.
 */
function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff)
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    else out += encodeURIComponent(char);
  }
  return out;
}

/** Header values travel as bytes: UTF-8 read back as Latin-1, without the controls Node's parser refuses. */
function headerText(text: string): string {
  const latin1 = Buffer.from(text, 'utf8').toString('latin1');
  return [...latin1].filter((c) => c >= ' ' && c !== '\u007f').join('');
}
