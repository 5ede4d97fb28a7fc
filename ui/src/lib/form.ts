// Descriptor-driven forms: the draft a form edits, the quick checks run before sending, and
// the payload sent to the core. The core validates again and has the last word; these checks
// only save a round trip for the obvious mistakes.
import { ApiError, type Field, type FieldValue, type JsonValue } from './api';

/** What a form holds while it is edited: text for everything but multi-enums. */
export type Draft = Record<string, string | string[]>;
export type Errors = Record<string, string>;

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function initialDraft(fields: Field[], existing: Record<string, string> = {}): Draft {
  const draft: Draft = {};
  for (const f of fields) {
    const current = existing[f.name];
    if (f.kind.type === 'multi_enum') {
      draft[f.name] = current === undefined || current === '' ? [] : current.split(',');
    } else {
      draft[f.name] = current ?? f.default ?? '';
    }
  }
  return draft;
}

/** A JSON example that fits a json_object field. */
export function jsonExample(field: Field): string {
  return field.kind.type === 'json_object' && field.kind.values === 'string_list'
    ? '{"payments": ["read", "write"]}'
    : '{"team": "billing"}';
}

/** The first problem with `value` for `field`, or null. */
export function checkField(field: Field, value: string | string[]): string | null {
  const kind = field.kind;
  if (Array.isArray(value)) {
    if (kind.type === 'multi_enum' && value.length < Math.max(kind.min, field.required ? 1 : 0)) {
      return `Choose at least ${Math.max(kind.min, 1)}.`;
    }
    return null;
  }
  const text = value.trim();
  if (text === '') return field.required && field.default === undefined ? `${field.label} is required.` : null;
  switch (kind.type) {
    case 'text':
      if (new TextEncoder().encode(text).length > kind.max_len) {
        return `At most ${kind.max_len} characters.`;
      }
      if (kind.pattern === 'dns_label' && !DNS_LABEL.test(text)) {
        return 'Use a–z, 0–9 and hyphens (1–63 characters, no hyphen at either end).';
      }
      return null;
    case 'enum':
      return kind.options.includes(text) ? null : `Choose one of ${kind.options.join(', ')}.`;
    case 'json_object':
      return checkJsonObject(field, text);
    case 'multi_enum':
      return null;
  }
}

function checkJsonObject(field: Field, text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `Not valid JSON: ${e instanceof Error ? e.message : 'parse error'}.`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `Must be a JSON object, e.g. ${jsonExample(field)}`;
  }
  if (field.kind.type === 'json_object' && field.kind.values === 'string_list') {
    for (const [k, v] of Object.entries(parsed)) {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
        return `“${k}” must map to a list of strings, e.g. ${jsonExample(field)}`;
      }
    }
  }
  return null;
}

/** Checks every field; returns the errors by field name (empty when all is well). */
export function checkDraft(fields: Field[], draft: Draft): Errors {
  const errors: Errors = {};
  for (const f of fields) {
    const problem = checkField(f, draft[f.name] ?? '');
    if (problem !== null) errors[f.name] = problem;
  }
  return errors;
}

/** Key-form values as the core takes them; empty optional values are left out. */
export function keyFieldValues(fields: Field[], draft: Draft): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const f of fields) {
    const v = draft[f.name];
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      if (v.length > 0) out[f.name] = v;
    } else if (v.trim() !== '') {
      out[f.name] = f.kind.type === 'json_object' ? (JSON.parse(v) as Record<string, JsonValue>) : v.trim();
    }
  }
  return out;
}

/** Account fields as the core takes them (all text); empty optional values are left out. */
export function accountFieldValues(fields: Field[], draft: Draft): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = draft[f.name];
    const text = Array.isArray(v) ? v.join(',') : (v ?? '').trim();
    if (text !== '') out[f.name] = text;
  }
  return out;
}

/**
 * Splits a failed call into an error under a field (when the core named one the form shows)
 * and a form-level message otherwise.
 */
export function placeError(e: unknown, known: readonly string[]): { field: string | null; message: string; code: string } {
  const err = ApiError.from(e);
  const name = err.field?.replace(/^(fields|input)\./, '') ?? null;
  if (err.code === 'validation' && name !== null && known.includes(name)) {
    return { field: name, message: err.message, code: err.code };
  }
  return { field: null, message: err.message, code: err.code };
}

/** `errors` without the entry for `name` (a form drops an error when its field is edited). */
export function withoutError(errors: Errors, name: string): Errors {
  return name in errors ? Object.fromEntries(Object.entries(errors).filter(([k]) => k !== name)) : errors;
}

/** Trims a string and turns an empty one into undefined (optional inputs are left out). */
export function optional(text: string): string | undefined {
  const t = text.trim();
  return t === '' ? undefined : t;
}

/** A placeholder that reads as an example, never as a value: `prod` → `e.g. prod`. */
export function example(text: string): string {
  return /^e\.g\./i.test(text) ? text : `e.g. ${text}`;
}
