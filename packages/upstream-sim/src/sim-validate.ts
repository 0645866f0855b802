// Checks JSON sent to the control endpoints and turns it into SimReply patches and SimFaults.
import { isRecord } from './sim-request.js';
import type { SimFault, SimReply, SimScriptFault } from './sim-types.js';

/** Thrown for control-endpoint input that is not a valid reply patch or fault; the message says why. */
export class SimInputError extends Error {
  override readonly name = 'SimInputError';
}

/** Validates a `Partial<SimReply>` (unknown keys are rejected so typos do not pass silently). */
export function parseReplyPatch(value: unknown): Partial<SimReply> {
  if (!isRecord(value)) throw new SimInputError('reply must be a JSON object');
  const patch: Partial<SimReply> = {};
  for (const [key, field] of Object.entries(value)) {
    switch (key) {
      case 'content':
        if (typeof field !== 'string') throw new SimInputError('content must be a string');
        patch.content = field;
        break;
      case 'chunks':
        patch.chunks = integer(field, key, 1);
        break;
      case 'chunkBy':
        if (field !== 'even' && field !== 'words')
          throw new SimInputError('chunkBy must be "even" or "words"');
        patch.chunkBy = field;
        break;
      case 'chunkDelayMs':
        patch.chunkDelayMs = integer(field, key, 0);
        break;
      case 'latencyMs':
        patch.latencyMs = integer(field, key, 0);
        break;
      case 'toolCalls':
        patch.toolCalls = toolCalls(field);
        break;
      default:
        throw new SimInputError(`unknown reply field: ${key}`);
    }
  }
  return patch;
}

/** Validates one fault or an array of faults. */
export function parseFaults(value: unknown): SimFault[] {
  return Array.isArray(value) ? value.map(parseFault) : [parseFault(value)];
}

/** Validates one `SimFault`. */
export function parseFault(value: unknown): SimFault {
  if (!isRecord(value)) throw new SimInputError('fault must be a JSON object');
  switch (value.kind) {
    case 'status': {
      const fault: SimFault = { kind: 'status', status: integer(value.status, 'status', 100) };
      if (fault.status > 599) throw new SimInputError('status must be at most 599');
      if (value.body !== undefined) fault.body = value.body;
      if (value.headers !== undefined) fault.headers = stringMap(value.headers);
      return fault;
    }
    case 'hang':
    case 'reset':
    case 'malformed':
      return { kind: value.kind };
    case 'reset-mid-stream':
    case 'hang-mid-stream':
    case 'error-event':
      return { kind: value.kind, afterChunks: integer(value.afterChunks, 'afterChunks', 0) };
    case 'script':
      return parseScript(value);
    default:
      throw new SimInputError(`unknown fault kind: ${String(value.kind)}`);
  }
}

function parseScript(value: Record<string, unknown>): SimScriptFault {
  const events = value.events;
  if (!Array.isArray(events) || !events.every((event) => typeof event === 'string' || isRecord(event))) {
    throw new SimInputError('script events must be an array of objects and strings');
  }
  const script: SimScriptFault = { kind: 'script', events };
  const json = value.json;
  if (json !== undefined) {
    if (typeof json !== 'string' && !isRecord(json))
      throw new SimInputError('script json must be an object or a string');
    script.json = json;
  }
  if (value.delayMs !== undefined) script.delayMs = integer(value.delayMs, 'delayMs', 0);
  if (value.done !== undefined) {
    if (typeof value.done !== 'boolean') throw new SimInputError('script done must be a boolean');
    script.done = value.done;
  }
  return script;
}

function integer(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SimInputError(`${name} must be an integer >= ${min}`);
  }
  return value;
}

function toolCalls(value: unknown): Array<{ name: string; arguments: string }> {
  if (!Array.isArray(value)) throw new SimInputError('toolCalls must be an array');
  return value.map((call) => {
    if (!isRecord(call) || typeof call.name !== 'string' || typeof call.arguments !== 'string') {
      throw new SimInputError('each tool call needs string name and arguments');
    }
    return { name: call.name, arguments: call.arguments };
  });
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) throw new SimInputError('headers must be an object of strings');
  const out: Record<string, string> = {};
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== 'string') throw new SimInputError(`header ${name} must be a string`);
    out[name] = header;
  }
  return out;
}
