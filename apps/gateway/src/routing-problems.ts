// Turns what is wrong with a GATEWAY_CONFIG file (YAML errors, zod issues) into one line per problem.
import { type Document, isMap, isNode, isScalar, isSeq, type LineCounter, type YAMLError } from 'yaml';
import type { z } from 'zod';

/** A path into the file: keys of mappings and indexes of lists. */
export type FieldPath = readonly PropertyKey[];

/** One problem: where (empty: the whole file) and what. */
export interface Problem {
  readonly field: FieldPath;
  readonly message: string;
}

/** Keys that read unambiguously unquoted (aliases like `deepseek/deepseek-v3.2` stay readable). */
const PLAIN_KEY = /^[A-Za-z0-9_./:@+-]+$/;

/** `routes.balanced.targets[1].upstream`; a key with spaces or brackets is quoted: `routes["my model"]`. */
export function formatField(field: FieldPath): string {
  let text = '';
  for (const segment of field) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment))
      text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** What a value is, in the file's words (never the value itself: it might be a secret pasted in). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

/** One zod issue as problems: one per unknown key, `is required` for a missing field. */
export function issueProblems(issue: z.core.$ZodIssue): Problem[] {
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ field: [...issue.path, key], message: issue.message }));
    case 'invalid_key':
      // The path already ends with the bad key; the inner issues say what is wrong with it.
      return issue.issues.map((inner) => ({ field: issue.path, message: inner.message }));
    case 'invalid_type':
      return [
        {
          field: issue.path,
          message: issue.input === undefined ? 'is required' : `${issue.message}, got ${kindOf(issue.input)}`,
        },
      ];
    default:
      return [{ field: issue.path, message: issue.message }];
  }
}

/** The path to the key or value that starts at `offset`, walking the parsed document. */
function fieldAt(node: unknown, offset: number, field: PropertyKey[]): PropertyKey[] | undefined {
  const within = (candidate: unknown) =>
    isNode(candidate) && candidate.range !== undefined && candidate.range !== null
      ? offset >= candidate.range[0] && offset < candidate.range[2]
      : false;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (within(pair.key)) return [...field, key];
      if (within(pair.value)) return fieldAt(pair.value, offset, [...field, key]);
    }
  }
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      if (within(item)) return fieldAt(item, offset, [...field, index]);
    }
  }
  return field.length === 0 ? undefined : field;
}

/**
 * One YAML error or warning as a problem. A duplicate key names the key's field (`routes.balanced`);
 * a syntax error names its line and column, as there is no field yet.
 */
export function yamlProblem(error: YAMLError, doc: Document, lines: LineCounter): Problem {
  const { line, col } = lines.linePos(error.pos[0]);
  if (error.code === 'DUPLICATE_KEY') {
    const field = fieldAt(doc.contents, error.pos[0], []);
    if (field) return { field, message: `declared more than once (again at line ${line})` };
  }
  const what = error.name === 'YAMLWarning' ? 'YAML warning' : 'not valid YAML or JSON';
  // yaml's own wording for this one names its API, not the problem.
  const detail =
    error.code === 'MULTIPLE_DOCS'
      ? 'the file holds more than one document (---)'
      : error.message.split('\n')[0];
  return { field: [], message: `line ${line}, column ${col}: ${what}: ${detail}` };
}
