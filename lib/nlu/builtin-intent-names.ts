/**
 * Names of the built-in shared intents (SPEC S3), apart from their examples (lib/nlu/builtin-intents.ts, 14 KB
 * minified) so that code that only needs to recognise a name (results aggregation, scenario validation) does
 * not carry the phrases into bundles that never recognise speech.
 */

/** Names of the built-in shared intents, in a stable order. */
export const BUILTIN_INTENT_NAMES = [
  'affirm',
  'deny',
  'not_the_person',
  'busy',
  'dont_know',
  'repeat',
  'who_are_you',
  'not_interested',
  'complaint',
  'stop_calling',
  'goodbye',
] as const;

/** Name of a built-in shared intent. */
export type BuiltinIntentName = (typeof BUILTIN_INTENT_NAMES)[number];
