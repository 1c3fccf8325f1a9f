import * as z from 'zod';

/**
 * Code hook of the Lex V2 recogniser bot (T2). The bot has only its fallback intent, so every
 * utterance lands here; the hook closes the conversation at once and hands the raw transcript back
 * in the session attributes. The SMA handler receives them in StartBotConversation's ACTION_SUCCESSFUL
 * and the built-in recogniser decides the intent, so scenarios never need a Lex model rebuilt.
 */

/** The part of a Lex V2 code hook event the hook reads (other fields are kept). */
export const LexCodeHookEvent = z
  .object({
    messageVersion: z.string().optional(),
    invocationSource: z.string().optional(),
    inputMode: z.string().optional(),
    sessionId: z.string().optional(),
    inputTranscript: z.string().optional(),
    transcriptions: z
      .array(z.object({ transcription: z.string().optional(), transcriptionConfidence: z.number().optional() }).passthrough())
      .optional(),
    sessionState: z
      .object({
        sessionAttributes: z.record(z.string(), z.string()).nullish(),
        intent: z.object({ name: z.string() }).passthrough().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
/** A Lex V2 code hook event. */
export type LexCodeHookEvent = z.infer<typeof LexCodeHookEvent>;

/** The hook's answer: close the intent as fulfilled with the transcript in the session attributes. */
export interface LexCodeHookResponse {
  sessionState: {
    sessionAttributes: Record<string, string>;
    dialogAction: { type: 'Close' };
    intent: { name: string; state: 'Fulfilled' };
  };
}

/** Turns one code hook invocation into the closing response carrying the transcript. */
export function recognizerHook(input: unknown): LexCodeHookResponse {
  const parsed = LexCodeHookEvent.safeParse(input);
  const event: LexCodeHookEvent = parsed.success ? parsed.data : {};
  const best = event.transcriptions?.[0];
  const transcript = (event.inputTranscript ?? best?.transcription ?? '').trim();
  const attributes: Record<string, string> = {
    ...(event.sessionState?.sessionAttributes ?? {}),
    transcript,
    inputMode: event.inputMode ?? 'Speech',
  };
  if (best?.transcriptionConfidence !== undefined) attributes.transcriptConfidence = String(best.transcriptionConfidence);
  return {
    sessionState: {
      sessionAttributes: attributes,
      dialogAction: { type: 'Close' },
      intent: { name: event.sessionState?.intent?.name ?? 'FallbackIntent', state: 'Fulfilled' },
    },
  };
}

/** Lambda entry point of the recogniser bot's code hook. */
export const handler = async (event: unknown): Promise<LexCodeHookResponse> => recognizerHook(event);
