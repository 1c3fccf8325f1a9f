/**
 * The dialog engine's vocabulary: events in, commands out (SPEC S1–S8, issue "dialog engine").
 * The engine is a pure function `transition(scenario, state, event) -> [state, commands]`;
 * the SMA handler and the text chat both drive it with these events and carry out these commands.
 */

/**
 * An intent an external recogniser (Lex, Bedrock) already decided for an answer. `source` names who did (`lex`,
 * `bedrock-embeddings`, `bedrock-converse`, or `builtin-fallback` when the provider failed or was late) and goes on the
 * transcript turn; `fault` is set when the built-in fallback absorbed an internal error, so the engine reports it as it
 * does for its own recogniser.
 */
export interface DecidedIntent {
  name: string;
  score: number;
  source?: string;
  fault?: string;
}

/** Something that happened in the conversation. `at` is epoch ms from the caller's clock. */
export type DialogEvent =
  /** The callee answered (or the chat started). */
  | { type: 'answered'; at: number }
  /** The person said something. `intent` is set when an external recogniser (Lex, Bedrock) already decided it. */
  | { type: 'utterance'; at: number; text: string; confidence?: number; intent?: DecidedIntent }
  /** The person pressed keys. */
  | { type: 'digits'; at: number; digits: string }
  /** The listen timeout elapsed with no input. */
  | { type: 'silence'; at: number }
  /** The last prompt finished playing (for say nodes that go on without listening). */
  | { type: 'promptFinished'; at: number }
  /** The call ended. */
  | { type: 'hangup'; at: number; party: 'person' | 'robot' | 'system' };

/** What the engine asks the channel (SMA or chat) to do, in order. */
export type DialogCommand =
  /** Speak a prompt. `ssml` is the full SSML document when voice settings need prosody. */
  | {
      type: 'say';
      nodeId: string;
      text: string;
      ssml?: string;
      bargeIn: boolean;
      /** Text-to-speech language code (S11), e.g. `en-US`, `cmn-CN`. */
      language?: string;
      /** Text-to-speech voice id (S11), e.g. `Joanna`. */
      voice?: string;
    }
  /** Wait a moment (delay before the first prompt, S11). */
  | { type: 'pause'; ms: number }
  /** Listen for an answer. */
  | { type: 'listen'; nodeId: string; speech: boolean; keypad: boolean; timeoutMs: number; maxDigits: number; bargeIn: boolean }
  /** End the call. */
  | {
      type: 'hangUp';
      nodeId: string;
      reason: 'node' | 'noMatch' | 'silence' | 'maxTurns' | 'person' | 'error';
      /** What went wrong inside the engine when a fault ended the call (`reason` is `error`): for the logs. */
      fault?: string;
    }
  /** Transfer the call to a number. */
  | { type: 'transfer'; nodeId: string; to: string }
  /** Tags reached at a node (S6). */
  | { type: 'setTags'; nodeId: string; tags: Record<string, string> }
  /**
   * Values captured from an answer (a node's `capture`), e.g. `{ promiseDate: '2026-03-06' }`: dates
   * `YYYY-MM-DD`, times `HH:MM`, date-times `YYYY-MM-DDTHH:MM` in the call's local time, numbers and
   * amounts as decimals, text as said. The channel stores them with the call (they are also in
   * `DialogState.captured` and `dialogSummary().captured`).
   */
  | { type: 'setVariables'; nodeId: string; variables: Record<string, string> }
  /** The dialog reached a completion node (S8). */
  | { type: 'markCompleted'; nodeId: string }
  /** One conversation turn for the transcript (T6). */
  | { type: 'recordTurn'; turn: DialogTurn }
  /**
   * A fault the engine's safety nets absorbed while reading an answer (the recogniser's, or a date parser's): the
   * answer was taken as unrecognised, or as holding no date, and the call went on. For the channel's logs only.
   */
  | { type: 'fault'; nodeId: string; where: 'recognizer' | 'entities'; fault: string }
  /** Hand the whole conversation to an external Amazon Lex V2 bot (S13); `text` repeats `welcomeText` for channels that read it. */
  | { type: 'delegate'; nodeId?: string; botAliasArn: string; localeId: string; welcomeText?: string; text?: string };

/** One turn of the transcript (T6). */
export interface DialogTurn {
  index: number;
  at: number;
  nodeId: string;
  /** What the robot said at this node. */
  prompt?: string;
  /** What the person said or pressed (`digits:12`). */
  userText?: string;
  intent?: string;
  score?: number;
  /** Who decided `intent` when the scenario's external recogniser did (the event's `intent.source`); absent for the built-in recogniser and keypad maps. */
  recognizer?: string;
  /** How the answer was handled. */
  outcome: 'matched' | 'noMatch' | 'silence' | 'globalQuestion' | 'prompt' | 'hangup';
}
