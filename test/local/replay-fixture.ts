/**
 * How test/fixtures/chime/replay/guide-calls.jsonl is made: each line is the named example event of the
 * developer guide (test/fixtures/chime/events) with the call's TransactionId and LEG-A CallId set, so that
 * the events of one call agree as in a captured log. test/local/replay.test.ts checks the file against it.
 */
export const GUIDE_CALL: readonly (readonly [name: string, transactionId: string])[] = [
  ['new-outbound-call', 'transaction-id-1'],
  ['ringing', 'transaction-id-1'],
  ['call-answered', 'transaction-id-1'],
  ['action-successful.start-bot-conversation', 'transaction-id-1'],
  ['action-failed.start-bot-conversation.action-execution-throttled', 'transaction-id-1'],
  ['call-update-requested', 'transaction-id-1'],
  ['action-failed.speak.action-execution-throttled', 'transaction-id-1'],
  ['action-successful.speak', 'transaction-id-1'],
  ['digits-received', 'transaction-id-1'],
  ['action-interrupted.pause', 'transaction-id-1'],
  ['invalid-lambda-response.action-data', 'transaction-id-1'],
  ['invalid-lambda-response.top-level', 'transaction-id-1'],
  ['action-successful.hangup', 'transaction-id-1'],
  ['hangup.leg-a', 'transaction-id-1'],
  ['new-outbound-call', 'transaction-id-2'],
  ['ringing', 'transaction-id-2'],
  ['hangup.leg-a.busy', 'transaction-id-2'],
];
