// SimState: the mutable state one simulator shares between its HTTP handlers and its programmatic handle.
import { FaultSchedule } from './sim-faults.js';
import { BASE_REPLY, mergeReply, type SimReplySettings } from './sim-reply.js';
import { StatsBoard } from './sim-stats.js';
import type { SimRecordedRequest, SimReply, UpstreamSimOptions } from './sim-types.js';

/** Models listed when the options name none. */
export const DEFAULT_MODELS: readonly string[] = ['deepseek/deepseek-v3.2', 'sim/echo'];

/** How many chat requests `requests` keeps. */
export const RECORD_LIMIT = 200;

/** Counters, fault schedule, reply settings and recorded requests of one simulator. */
export class SimState {
  readonly board = new StatsBoard();
  readonly faults = new FaultSchedule();
  readonly recorded: SimRecordedRequest[] = [];
  readonly models: readonly string[];
  /** Answers requests that name no model. */
  readonly defaultModel: string;
  /** The exact `Authorization` value required, or `undefined` when auth is off. */
  readonly expectedAuth: string | undefined;
  /** Current reply settings; replaced (never mutated) so an in-flight reply keeps the ones it started with. */
  settings: SimReplySettings;
  private readonly initialSettings: SimReplySettings;
  private readonly record: boolean;
  private completions = 0;

  constructor(options: UpstreamSimOptions) {
    this.models = options.models && options.models.length > 0 ? [...options.models] : DEFAULT_MODELS;
    this.defaultModel = this.models[0] ?? 'sim/echo';
    this.expectedAuth = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;
    this.record = options.record ?? true;
    this.initialSettings = mergeReply(BASE_REPLY, options.reply ?? {});
    this.settings = this.initialSettings;
  }

  /** A fresh completion id (`chatcmpl-sim-<n>`); ids stay unique across `reset()`. */
  nextCompletionId(): string {
    this.completions++;
    return `chatcmpl-sim-${this.completions}`;
  }

  /** Applies a reply patch to the current settings. */
  configure(patch: Partial<SimReply>): void {
    this.settings = mergeReply(this.settings, patch);
  }

  /** Records a chat request unless recording is off; keeps the newest `RECORD_LIMIT`. */
  recordRequest(entry: SimRecordedRequest): void {
    if (!this.record) return;
    this.recorded.push(entry);
    if (this.recorded.length > RECORD_LIMIT) this.recorded.shift();
  }

  /** Back to the start-up state (responses still open keep counting in `active`). */
  reset(): void {
    this.recorded.length = 0;
    this.faults.clear();
    this.settings = this.initialSettings;
    this.board.reset();
  }
}
