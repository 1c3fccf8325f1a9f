/**
 * The Lex V2 recogniser bot deployed with the stack (T2), as data the CDK app turns into resources.
 * The bot has no intents of its own beyond Lex's required fallback: every utterance reaches the
 * fallback intent, whose fulfillment code hook (functions/recognizer-hook.ts) closes the turn with the
 * transcript in the session attributes, and the built-in NLU decides the intent.
 */

/** Lex locales of the recogniser and the Polly voice Lex speaks welcome messages with. */
export const RECOGNIZER_LOCALES = [
  { localeId: 'en_US', voiceId: 'Joanna', engine: 'neural' },
  { localeId: 'zh_CN', voiceId: 'Zhiyu', engine: 'neural' },
] as const;

/** Confidence below which Lex routes to the fallback intent; 1 sends everything there. */
export const RECOGNIZER_NLU_CONFIDENCE_THRESHOLD = 1;

/** Session attribute keys the code hook fills and the SMA handler reads. */
export const TRANSCRIPT_ATTRIBUTES = { transcript: 'transcript', inputMode: 'inputMode', confidence: 'transcriptConfidence' } as const;

/**
 * Resource policy of the bot alias that lets Chime SDK PSTN audio (the SIP media application of this
 * account) start conversations with it, as the Chime SDK developer guide's StartBotConversation
 * prerequisites describe.
 */
export function recognizerBotAliasPolicy(args: { region: string; accountId: string; botAliasArn: string; sipMediaApplicationId: string }) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowChimePstnAudioUseBot',
        Effect: 'Allow',
        Principal: { Service: 'voiceconnector.chime.amazonaws.com' },
        Action: 'lex:StartConversation',
        Resource: args.botAliasArn,
        Condition: {
          StringEquals: { 'AWS:SourceAccount': args.accountId },
          ArnEquals: { 'AWS:SourceArn': `arn:aws:voiceconnector:${args.region}:${args.accountId}:sma/${args.sipMediaApplicationId}` },
        },
      },
    ],
  };
}
