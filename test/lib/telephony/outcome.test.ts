import { describe, expect, it } from 'vitest';
import { classifyFirstUtterance, failureReasonFor, statusFromSipCode, statusOfAnsweredCall } from '../../../lib/telephony/outcome';

describe('statusFromSipCode', () => {
  const cases: [number | undefined, string, boolean][] = [
    [486, 'Busy', false],
    [600, 'Busy', false],
    [603, 'Busy', false],
    [480, 'NoAnswer', false],
    [408, 'NoAnswer', false],
    [487, 'NoAnswer', false],
    [undefined, 'NoAnswer', false],
    [0, 'NoAnswer', false],
    [404, 'NotExist', false],
    [484, 'NotExist', false],
    [604, 'NotExist', false],
    [410, 'OutOfService', false],
    [403, 'CallerNotRegistered', true],
    [401, 'CallerNotRegistered', true],
    [503, 'NotConnected', true],
    [500, 'NotConnected', true],
    [488, 'Failed', true],
  ];
  for (const [code, status, systemFailure] of cases) {
    it(`maps SIP ${code} to ${status}`, () => {
      expect(statusFromSipCode(code)).toEqual({ status, systemFailure });
    });
  }
});

describe('classifyFirstUtterance', () => {
  const cases: [string, string][] = [
    ["Hi, you've reached Sam. Please leave a message after the tone.", 'Voicemail'],
    ['The person you are calling is not available. Record your message at the beep.', 'Voicemail'],
    ['您好，请在提示音后留言。', 'Voicemail'],
    ['The subscriber you have dialed is powered off.', 'PoweredOff'],
    ['您拨打的电话已关机，请稍后再拨。', 'PoweredOff'],
    ['The number you have dialed does not exist. Please check the number.', 'EmptyNumber'],
    ['您拨打的号码是空号，请查证后再拨。', 'EmptyNumber'],
    ['您拨打的电话已欠费停机。', 'InArrears'],
    ['您拨打的电话已停机。', 'OutOfService'],
    ['The number you have dialed is temporarily out of service.', 'OutOfService'],
    ['您拨打的电话暂时无法接通，请稍后再拨。', 'NotConnected'],
    ['The number you dialed cannot be reached at this time.', 'NotConnected'],
    ['您拨打的电话正在通话中。', 'Busy'],
    ['Yes, this is Sam speaking.', 'Succeeded'],
    ['是的，我是张三。', 'Succeeded'],
    ['', 'Succeeded'],
  ];
  for (const [text, status] of cases) {
    it(`classifies "${text}" as ${status}`, () => {
      expect(statusOfAnsweredCall(classifyFirstUtterance(text))).toBe(status);
    });
  }
});

describe('failureReasonFor', () => {
  it('keeps the statuses the seed lists as failure reasons', () => {
    expect(failureReasonFor('Busy')).toBe('Busy');
    expect(failureReasonFor('EmptyNumber')).toBe('EmptyNumber');
    expect(failureReasonFor('Voicemail')).toBe('Voicemail');
  });
  it('maps unreachable calls to NoAnswer and errors to CallFailed', () => {
    expect(failureReasonFor('NoAnswer')).toBe('NoAnswer');
    expect(failureReasonFor('NotConnected')).toBe('NoAnswer');
    expect(failureReasonFor('Failed')).toBe('CallFailed');
    expect(failureReasonFor('Terminated')).toBe('Stopped');
  });
});
