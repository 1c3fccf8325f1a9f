import { describe, expect, it } from 'vitest';
import { RECOGNIZER_LOCALES, recognizerBotAliasPolicy } from '../../../lib/telephony/recognizer-bot';

describe('recognizerBotAliasPolicy', () => {
  it('lets only this account’s SIP media application start conversations', () => {
    const p = recognizerBotAliasPolicy({ region: 'us-east-1', accountId: '123456789012', botAliasArn: 'arn:aws:lex:us-east-1:123456789012:bot-alias/B/A', sipMediaApplicationId: 'sma-1' });
    expect(p.Statement[0]).toMatchObject({
      Principal: { Service: 'voiceconnector.chime.amazonaws.com' },
      Action: 'lex:StartConversation',
      Condition: { ArnEquals: { 'AWS:SourceArn': 'arn:aws:voiceconnector:us-east-1:123456789012:sma/sma-1' } },
    });
  });
  it('covers English and Chinese', () => {
    expect(RECOGNIZER_LOCALES.map((l) => l.localeId)).toEqual(['en_US', 'zh_CN']);
  });
});
