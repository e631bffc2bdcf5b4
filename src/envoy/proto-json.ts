/**
 * Strict proto3-JSON decoding for Envoy configuration (YAML is JSON to Envoy): turns a parsed
 * envoy.yaml into a protobufjs message, failing where Envoy would fail to load it.
 *
 * protobufjs's own `fromObject` silently drops unknown fields and unknown enum names, and knows
 * neither the JSON forms of well-known types ("0.25s") nor `@type` inside nested Any; so the walk
 * here checks every key and value against the proto descriptors first, then hands protobufjs a
 * plain object for `fromObject` + `verify` + encode/decode. Also checked: oneof exclusivity, deprecated
 * fields (Envoy warns or rejects), and the protoc-gen-validate rules Envoy enforces at load
 * (required messages and oneofs, string length and pattern, numeric bounds, repeated sizes).
 */
import protobuf from 'protobufjs';

/** The result of {@link decodeProtoJson}. */
export interface ProtoJsonResult {
  /** One line per problem, each starting with the path of the offending value. */
  errors: string[];
  /** The message decoded back from its encoding (Any fields as bytes), when there were no errors. */
  message: protobuf.Message | null;
}

type Json = unknown;
type Rules = Record<string, Record<string, unknown>>;

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => '.google.protobuf.' + n));
const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64 = new Set(['uint64', 'fixed64']);

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** PGV patterns are RE2; the few that JavaScript cannot compile are skipped rather than guessed at. */
function jsRegExp(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return null;
  }
}

/** protoc-gen-validate rules on a field, merged from its parsed options. */
function rulesOf(field: protobuf.Field): Rules {
  const out: Rules = {};
  for (const opt of (field.parsedOptions ?? []) as Array<Record<string, Json>>) {
    const r = opt['(validate.rules)'];
    if (isObject(r)) for (const [k, v] of Object.entries(r)) if (isObject(v)) out[k] = Object.assign(out[k] ?? {}, v);
  }
  return out;
}

class Decoder {
  readonly errors: string[] = [];
  private readonly root: protobuf.Root;

  constructor(root: protobuf.Root) {
    this.root = root;
  }

  private fail(path: string, msg: string): undefined {
    this.errors.push(`${path || '(root)'}: ${msg}`);
    return undefined;
  }

  message(type: protobuf.Type, json: Json, path: string): Record<string, Json> | undefined {
    const name = type.fullName;
    if (name === '.google.protobuf.Any') return this.any(json, path);
    if (name === '.google.protobuf.Duration') return this.duration(json, path);
    if (name === '.google.protobuf.Timestamp') return this.timestamp(json, path);
    if (name === '.google.protobuf.Struct') return isObject(json) ? { fields: this.structFields(json, path) } : this.fail(path, 'expected an object (Struct)');
    if (name === '.google.protobuf.Value') return this.value(json, path);
    if (name === '.google.protobuf.ListValue') return Array.isArray(json) ? { values: json.map((v, i) => this.value(v, `${path}[${i}]`)) } : this.fail(path, 'expected a list');
    if (name === '.google.protobuf.FieldMask') return typeof json === 'string' ? { paths: json ? json.split(',') : [] } : this.fail(path, 'expected a comma-separated string');
    if (WRAPPERS.has(name)) return { value: this.scalar(type.fields['value'], json, path, {}) };
    if (!isObject(json)) return this.fail(path, `expected an object (${name.slice(1)})`);

    const byName = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) {
      byName.set(f.name, f);
      byName.set(camel(f.name), f);
    }
    const out: Record<string, Json> = {};
    const oneofSet = new Map<string, string>();
    for (const [key, value] of Object.entries(json)) {
      const field = byName.get(key);
      const at = path ? `${path}.${key}` : key;
      if (!field) {
        this.fail(at, `unknown field in ${name.slice(1)}`);
        continue;
      }
      if (value === null || value === undefined) continue;
      if (field.options?.['deprecated'] === true) this.fail(at, `deprecated field of ${name.slice(1)}`);
      if (field.partOf) {
        const other = oneofSet.get(field.partOf.name);
        if (other) this.fail(at, `oneof ${field.partOf.name} already set by ${other}`);
        oneofSet.set(field.partOf.name, key);
      }
      out[field.name] = this.field(field, value, at);
    }
    for (const oneof of type.oneofsArray) {
      if (oneof.options?.['(validate.required)'] === true && !oneofSet.has(oneof.name)) this.fail(path, `one of ${oneof.oneof.join(', ')} is required`);
    }
    for (const field of type.fieldsArray) {
      if (!(field.name in out) && !field.partOf) this.checkAbsent(field, path ? `${path}.${field.name}` : field.name);
    }
    return out;
  }

  /** PGV rules that also bind a field that was left out (proto3 defaults are validated too). */
  private checkAbsent(field: protobuf.Field, at: string): void {
    const rules = rulesOf(field);
    if (rules['message']?.['required'] === true || rules['duration']?.['required'] === true) this.fail(at, 'is required');
    if (field.repeated || field.map) {
      const min = Number(rules['repeated']?.['min_items'] ?? rules['map']?.['min_pairs'] ?? 0);
      if (min > 0) this.fail(at, `needs at least ${min} item(s)`);
      return;
    }
    if (field.resolvedType) return;
    const t = field.type;
    if (t === 'string' && !rules['string']?.['ignore_empty']) this.checkString(rules, '', at);
    if (rules[t] && !rules[t]['ignore_empty']) this.checkNumber(rules[t], 0, at);
  }

  private field(field: protobuf.Field, value: Json, at: string): Json {
    const rules = rulesOf(field);
    if (field.map) {
      if (!isObject(value)) return this.fail(at, 'expected a map (object)');
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.single(field, v, `${at}.${k}`, rules['map'] && isObject(rules['map']['values']) ? (rules['map']['values'] as Rules) : {});
      return out;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) return this.fail(at, 'expected a list');
      const r = rules['repeated'] ?? {};
      if (r['min_items'] !== undefined && value.length < Number(r['min_items'])) this.fail(at, `needs at least ${String(r['min_items'])} item(s)`);
      if (r['max_items'] !== undefined && value.length > Number(r['max_items'])) this.fail(at, `allows at most ${String(r['max_items'])} item(s)`);
      const items = isObject(r['items']) ? (r['items'] as Rules) : {};
      return value.map((v, i) => this.single(field, v, `${at}[${i}]`, items));
    }
    return this.single(field, value, at, rules);
  }

  private single(field: protobuf.Field, value: Json, at: string, rules: Rules): Json {
    const t = field.resolvedType;
    if (t instanceof protobuf.Type) {
      const out = this.message(t, value, at);
      if (t.fullName === '.google.protobuf.Duration' && out) this.checkDuration(rules['duration'] ?? {}, out, at);
      return out;
    }
    if (t instanceof protobuf.Enum) return this.enumValue(t, value, at, rules['enum'] ?? {});
    return this.scalar(field, value, at, rules);
  }

  private enumValue(e: protobuf.Enum, value: Json, at: string, rules: Record<string, unknown>): Json {
    if (typeof value === 'string') {
      if (value in e.values) return value;
      return this.fail(at, `unknown ${e.fullName.slice(1)} value ${JSON.stringify(value)} (one of ${Object.keys(e.values).join(', ')})`);
    }
    if (typeof value === 'number' && Number.isInteger(value)) {
      if (rules['defined_only'] && !(value in e.valuesById)) return this.fail(at, `undefined ${e.fullName.slice(1)} number ${value}`);
      return value;
    }
    return this.fail(at, `expected an enum name for ${e.fullName.slice(1)}`);
  }

  private scalar(field: protobuf.Field, value: Json, at: string, rules: Rules): Json {
    const t = field.type;
    if (t === 'string') {
      if (typeof value !== 'string') return this.fail(at, 'expected a string');
      this.checkString(rules, value, at);
      return value;
    }
    if (t === 'bool') return typeof value === 'boolean' ? value : this.fail(at, 'expected true or false');
    if (t === 'bytes') return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? value : this.fail(at, 'expected base64 bytes');
    if (t === 'double' || t === 'float') {
      const n = typeof value === 'string' && /^(NaN|-?Infinity)$/.test(value) ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || (Number.isNaN(n) && value !== 'NaN')) return this.fail(at, 'expected a number');
      if (rules[t]) this.checkNumber(rules[t], n, at);
      return n;
    }
    const integer = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(integer)) return this.fail(at, `expected an integer (${t})`);
    if ((UINT32.has(t) || UINT64.has(t)) && integer < 0) return this.fail(at, `expected a non-negative integer (${t})`);
    if ((INT32.has(t) && (integer < -2147483648 || integer > 2147483647)) || (UINT32.has(t) && integer > 4294967295)) return this.fail(at, `out of range for ${t}`);
    if (rules[t]) this.checkNumber(rules[t], integer, at);
    // 64-bit values travel as decimal strings so nothing is rounded on the way to protobufjs.
    return INT64.has(t) || UINT64.has(t) ? String(value) : integer;
  }

  private checkString(rules: Rules, value: string, at: string): void {
    const r = rules['string'];
    if (!r || (r['ignore_empty'] && value === '')) return;
    const len = [...value].length;
    const bytes = Buffer.byteLength(value);
    if (r['min_len'] !== undefined && len < Number(r['min_len'])) this.fail(at, `must be at least ${String(r['min_len'])} character(s)`);
    if (r['max_len'] !== undefined && len > Number(r['max_len'])) this.fail(at, `must be at most ${String(r['max_len'])} character(s)`);
    if (r['min_bytes'] !== undefined && bytes < Number(r['min_bytes'])) this.fail(at, `must be at least ${String(r['min_bytes'])} byte(s)`);
    if (r['max_bytes'] !== undefined && bytes > Number(r['max_bytes'])) this.fail(at, `must be at most ${String(r['max_bytes'])} byte(s)`);
    if (typeof r['pattern'] === 'string') {
      const re = jsRegExp(r['pattern']);
      if (re && !re.test(value)) this.fail(at, `must match ${r['pattern']}`);
    }
  }

  private checkNumber(r: Record<string, unknown>, n: number, at: string): void {
    if (r['ignore_empty'] && n === 0) return;
    if (r['gt'] !== undefined && !(n > Number(r['gt']))) this.fail(at, `must be > ${String(r['gt'])}`);
    if (r['gte'] !== undefined && !(n >= Number(r['gte']))) this.fail(at, `must be >= ${String(r['gte'])}`);
    if (r['lt'] !== undefined && !(n < Number(r['lt']))) this.fail(at, `must be < ${String(r['lt'])}`);
    if (r['lte'] !== undefined && !(n <= Number(r['lte']))) this.fail(at, `must be <= ${String(r['lte'])}`);
  }

  private checkDuration(r: Record<string, unknown>, d: Record<string, Json>, at: string): void {
    const seconds = Number(d['seconds']) + Number(d['nanos']) / 1e9;
    const bound = (v: unknown): number => (isObject(v) ? Number(v['seconds'] ?? 0) + Number(v['nanos'] ?? 0) / 1e9 : 0);
    if (r['gt'] !== undefined && !(seconds > bound(r['gt']))) this.fail(at, `must be longer than ${bound(r['gt'])}s`);
    if (r['gte'] !== undefined && !(seconds >= bound(r['gte']))) this.fail(at, `must be at least ${bound(r['gte'])}s`);
    if (r['lt'] !== undefined && !(seconds < bound(r['lt']))) this.fail(at, `must be shorter than ${bound(r['lt'])}s`);
  }

  private duration(json: Json, path: string): Record<string, Json> | undefined {
    const m = typeof json === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
    if (!m) return this.fail(path, `expected a duration like "0.25s", got ${JSON.stringify(json)}`);
    const sign = m[1] ? -1 : 1;
    return { seconds: String(sign * Number(m[2])), nanos: sign * Number((m[3] ?? '').padEnd(9, '0')) };
  }

  private timestamp(json: Json, path: string): Record<string, Json> | undefined {
    const ms = typeof json === 'string' ? Date.parse(json) : NaN;
    if (Number.isNaN(ms)) return this.fail(path, 'expected an RFC 3339 timestamp');
    return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
  }

  private structFields(json: Record<string, Json>, path: string): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(json)) out[k] = this.value(v, `${path}.${k}`);
    return out;
  }

  private value(json: Json, path: string): Record<string, Json> | undefined {
    // camelCase: protobufjs's built-in google.protobuf.Value names its fields so, keepCase or not.
    if (json === null) return { nullValue: 0 };
    if (typeof json === 'number') return { numberValue: json };
    if (typeof json === 'string') return { stringValue: json };
    if (typeof json === 'boolean') return { boolValue: json };
    if (Array.isArray(json)) return { listValue: { values: json.map((v, i) => this.value(v, `${path}[${i}]`)) } };
    if (isObject(json)) return { structValue: { fields: this.structFields(json, path) } };
    return this.fail(path, 'not a JSON value');
  }

  /** `{"@type": "type.googleapis.com/<name>", …fields}` → Any{type_url, value: encoded <name>}. */
  private any(json: Json, path: string): Record<string, Json> | undefined {
    if (!isObject(json) || typeof json['@type'] !== 'string') return this.fail(path, 'an Any needs "@type"');
    const url = json['@type'];
    const typeName = url.slice(url.lastIndexOf('/') + 1);
    let inner: protobuf.Type;
    try {
      inner = this.root.lookupType(typeName);
    } catch {
      return this.fail(`${path}.@type`, `unknown message type ${typeName} (not loaded, or misspelt)`);
    }
    const rest: Record<string, Json> = {};
    for (const [k, v] of Object.entries(json)) if (k !== '@type') rest[k] = v;
    // Well-known types inside an Any carry their JSON form under "value".
    const wellKnown = inner.fullName.startsWith('.google.protobuf.') && 'value' in rest && Object.keys(rest).length === 1;
    const decoded = this.message(inner, wellKnown ? rest['value'] : rest, path);
    if (!decoded) return undefined;
    const message = inner.fromObject(decoded);
    const problem = inner.verify(message);
    if (problem) return this.fail(path, `${typeName}: ${problem}`);
    return { type_url: url, value: inner.encode(message).finish() };
  }
}

/**
 * Decode proto3 JSON (e.g. a parsed YAML document) as `typeName` from `root`; every `@type` must
 * name a message loaded in `root`. Errors list every problem found, not just the first.
 */
export function decodeProtoJson(root: protobuf.Root, typeName: string, json: unknown): ProtoJsonResult {
  const type = root.lookupType(typeName);
  const decoder = new Decoder(root);
  const plain = decoder.message(type, json, '');
  if (decoder.errors.length || !plain) return { errors: decoder.errors, message: null };
  const message = type.fromObject(plain);
  const problem = type.verify(message);
  if (problem) return { errors: [problem], message: null };
  return { errors: [], message: type.decode(type.encode(message).finish()) };
}
