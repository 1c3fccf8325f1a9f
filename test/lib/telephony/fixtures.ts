/**
 * SMA invocation events in the shapes the Amazon Chime SDK developer guide documents
 * ("Making an outbound call", "Understanding telephony events", the action pages). The outbound-call
 * examples name the application `SipApplicationId`; the general ones `SipMediaApplicationId`.
 */

export const CALL_ARGS = {
  instanceId: 'inst1',
  campaignId: 'cmp1',
  jobId: 'job1',
  attempt: '1',
  callId: 'call1',
  leaseSlot: '3',
};

const participant = (status?: string) => ({
  CallId: 'call-id-1',
  ParticipantTag: 'LEG-A',
  To: '+12065500001',
  From: '+12065559999',
  Direction: 'Outbound',
  StartTimeInMilliseconds: '159700958834234',
  ...(status ? { Status: status } : {}),
});

/** The guide's NEW_OUTBOUND_CALL example (note `SipApplicationId`). */
export function newOutboundCall(attrs: Record<string, string> = CALL_ARGS) {
  return {
    SchemaVersion: '1.0',
    Sequence: 1,
    InvocationEventType: 'NEW_OUTBOUND_CALL',
    CallDetails: {
      TransactionId: 'transaction-id',
      TransactionAttributes: attrs,
      AwsAccountId: 'aws-account-id',
      AwsRegion: 'us-east-1',
      SipApplicationId: 'sip-application-id',
      Participants: [participant()],
    },
  };
}

/** The guide's RINGING example. */
export function ringing(attrs: Record<string, string> = CALL_ARGS) {
  return { ...newOutboundCall(attrs), Sequence: 2, InvocationEventType: 'RINGING' };
}

/** The guide's CALL_ANSWERED example (participant Connected). */
export function callAnswered(attrs: Record<string, string> = CALL_ARGS) {
  return {
    SchemaVersion: '1.0',
    Sequence: 3,
    InvocationEventType: 'CALL_ANSWERED',
    CallDetails: {
      TransactionId: 'transaction-id',
      TransactionAttributes: attrs,
      AwsAccountId: 'aws-account-id',
      AwsRegion: 'us-east-1',
      SipApplicationId: 'sip-application-id',
      Participants: [participant('Connected')],
    },
  };
}

function withActionData(type: string, attrs: Record<string, string>, actionData: Record<string, unknown>, seq = 4, status = 'Connected') {
  return {
    SchemaVersion: '1.0',
    Sequence: seq,
    InvocationEventType: type,
    ActionData: actionData,
    CallDetails: {
      TransactionId: 'transaction-id',
      TransactionAttributes: attrs,
      AwsAccountId: 'aws-acct-id-1',
      AwsRegion: 'us-east-1',
      SipMediaApplicationId: 'sip-media-app-id-1',
      Participants: [participant(status)],
    },
  };
}

/** ACTION_SUCCESSFUL of StartBotConversation: Lex's result, the recogniser hook's transcript in the session attributes. */
export function botConversationSucceeded(attrs: Record<string, string>, transcript: string, extraSession: Record<string, string> = {}) {
  return withActionData('ACTION_SUCCESSFUL', attrs, {
    Type: 'StartBotConversation',
    Parameters: { CallId: 'call-id-1', ParticipantTag: 'LEG-A', BotAliasArn: 'arn:aws:lex:us-east-1:123456789012:bot-alias/BOT/ALIAS', LocaleId: 'en_US' },
    CallId: 'call-id-1',
    IntentResult: {
      SessionId: 'session-id',
      SessionState: {
        SessionAttributes: { transcript, ...extraSession },
        Intent: { Name: 'FallbackIntent', Slots: {}, State: 'Fulfilled', ConfirmationState: 'None' },
      },
      Interpretations: [
        { Intent: { Name: 'FallbackIntent', Slots: {}, State: 'Fulfilled', ConfirmationState: 'None' } },
        { NluConfidence: { Score: 0.2 }, Intent: { Name: 'Other', Slots: {} } },
      ],
    },
  });
}

/** ACTION_SUCCESSFUL of a customer's bot (S13) with an intent decided by Lex. */
export function delegatedBotSucceeded(attrs: Record<string, string>, intent: string, score: number, transcript = 'I want to pay') {
  const e = botConversationSucceeded(attrs, transcript);
  const ir = (e.ActionData as { IntentResult: { SessionState: { Intent: { Name: string } }; Interpretations: unknown[] } }).IntentResult;
  ir.SessionState.Intent.Name = intent;
  ir.Interpretations = [{ NluConfidence: { Score: score }, Intent: { Name: intent } }];
  return e;
}

/** ACTION_SUCCESSFUL of SpeakAndGetDigits with the digits received. */
export function digitsSucceeded(attrs: Record<string, string>, digits: string) {
  return withActionData('ACTION_SUCCESSFUL', attrs, {
    Type: 'SpeakAndGetDigits',
    Parameters: { CallId: 'call-id-1', InputDigitsRegex: '^[0-9]$', MinNumberOfDigits: 1, MaxNumberOfDigits: 1 },
    ReceivedDigits: digits,
  });
}

/** ACTION_SUCCESSFUL of a Speak action. */
export function speakSucceeded(attrs: Record<string, string>) {
  return withActionData('ACTION_SUCCESSFUL', attrs, {
    Type: 'Speak',
    Parameters: { Text: 'Hello', CallId: 'call-id-1', Engine: 'neural', LanguageCode: 'en-US', TextType: 'text', VoiceId: 'Joanna' },
  });
}

/** ACTION_SUCCESSFUL of StartCallRecording with the destination Chime wrote to. */
export function recordingStarted(attrs: Record<string, string>, location: string) {
  return withActionData('ACTION_SUCCESSFUL', attrs, {
    Type: 'StartCallRecording',
    Parameters: { CallId: 'call-id-1', Track: 'BOTH', Destination: { Type: 'S3', Location: 'recordings/prefix' } },
    CallRecordingDestination: { Type: 'S3', Location: location },
  });
}

/** ACTION_FAILED as in the guide: the failed action with ErrorType and ErrorMessage. */
export function actionFailed(attrs: Record<string, string>, type: string, errorType = 'SystemException', errorMessage = 'System error while running action') {
  return withActionData('ACTION_FAILED', attrs, { Type: type, Parameters: { CallId: 'call-id-1' }, ErrorType: errorType, ErrorMessage: errorMessage });
}

/** ACTION_INTERRUPTED: an action was cut short by an update. */
export function actionInterrupted(attrs: Record<string, string>) {
  return withActionData('ACTION_INTERRUPTED', attrs, { Type: 'Speak', Parameters: { CallId: 'call-id-1', Text: 'hello' } });
}

/** DIGITS_RECEIVED from a ReceiveDigits action. */
export function digitsReceived(attrs: Record<string, string>, digits: string) {
  return withActionData('DIGITS_RECEIVED', attrs, {
    Type: 'ReceiveDigits',
    Parameters: { CallId: 'call-id-1', InputDigitsRegex: '^\\d{1}#$', InBetweenDigitsDurationInMilliseconds: 1000, FlushDigitsDurationInMilliseconds: 10000 },
    ReceivedDigits: digits,
  });
}

/** CALL_UPDATE_REQUESTED carrying UpdateSipMediaApplicationCall's arguments. */
export function callUpdateRequested(attrs: Record<string, string>, args: Record<string, string>) {
  return withActionData('CALL_UPDATE_REQUESTED', attrs, { Type: 'CallUpdateRequest', Parameters: { Arguments: args } });
}

/** INVALID_LAMBDA_RESPONSE: the error is at the top level. */
export function invalidLambdaResponse(attrs: Record<string, string>) {
  return {
    SchemaVersion: '1.0',
    Sequence: 5,
    InvocationEventType: 'INVALID_LAMBDA_RESPONSE',
    CallDetails: {
      TransactionId: 'transaction-id',
      TransactionAttributes: attrs,
      AwsAccountId: 'aws-acct-id-1',
      AwsRegion: 'us-east-1',
      SipMediaApplicationId: 'sip-media-app-id-1',
      Participants: [participant('Connected')],
    },
    ErrorType: 'InvalidActionType',
    ErrorMessage: 'Invalid action type',
  };
}

/** HANGUP with the Hangup action data and SIP response code. */
export function hangup(attrs: Record<string, string>, sipCode = '0', tag = 'LEG-A') {
  return withActionData('HANGUP', attrs, { Type: 'Hangup', Parameters: { SipResponseCode: sipCode, CallId: 'call-id-1', ParticipantTag: tag } }, 9, 'Disconnected');
}
