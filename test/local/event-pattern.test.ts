import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { EventPatternError, assertValidPattern, matchesPattern, validatePattern } from '../../local/event-pattern';

// Cases follow the examples of the EventBridge user guide ("Content filtering in Amazon EventBridge
// event patterns", "Event pattern syntax", "Matching null values and empty strings").

const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

const withDetail = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...ec2Event, ...extra, detail });

describe('matchesPattern', () => {
  it('matches on source, detail-type and a nested detail field together (AND of fields)', () => {
    const pattern = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(false);
    expect(matchesPattern({ ...pattern, source: ['aws.s3'] }, ec2Event)).toBe(false);
  });

  it('matches any of several listed values (OR of values)', () => {
    expect(matchesPattern({ source: ['aws.ec2', 'aws.fargate'] }, ec2Event)).toBe(true);
    expect(matchesPattern({ source: ['aws.ecs', 'aws.fargate'] }, ec2Event)).toBe(false);
  });

  it('matches an array in the event when any of its elements is listed', () => {
    const event = {
      ...ec2Event,
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:000000000000:instance/i-b188560f',
      ],
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern({ resources: ['arn:aws:ec2:us-east-1:000000000000:instance/i-b188560f'] }, event)).toBe(false);
  });

  it('matches objects inside an array element by element', () => {
    const event = withDetail({ items: [{ kind: 'a', n: 1 }, { kind: 'b', n: 2 }] });
    expect(matchesPattern({ detail: { items: { kind: ['b'], n: [2] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { items: { kind: ['a'], n: [2] } } }, event)).toBe(false);
  });

  it('matches a time prefix', () => {
    const event = { ...ec2Event, time: '2017-10-02T18:43:48Z' };
    expect(matchesPattern({ time: [{ prefix: '2017-10-02' }] }, event)).toBe(true);
    expect(matchesPattern({ time: [{ prefix: '2017-10-03' }] }, event)).toBe(false);
  });

  it('matches a prefix regardless of case with equals-ignore-case', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    expect(matchesPattern(pattern, withDetail({ service: 'EventBridge' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ service: 'eventbridge' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ service: 'EVENTB' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ service: 'Lambda' }))).toBe(false);
  });

  it('matches a suffix, with and without ignoring case', () => {
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png' })).toBe(true);
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' })).toBe(false);
    const ignoreCase = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(matchesPattern(ignoreCase, withDetail({ FileName: 'photo.PNG' }))).toBe(true);
    expect(matchesPattern(ignoreCase, withDetail({ FileName: 'photo.jpg' }))).toBe(false);
  });

  it('matches anything but a string or a number', () => {
    const state = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matchesPattern(state, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(state, withDetail({ state: 'initializing' }))).toBe(false);
    const limit = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matchesPattern(limit, withDetail({ 'x-limit': 456 }))).toBe(true);
    expect(matchesPattern(limit, withDetail({ 'x-limit': 123 }))).toBe(false);
  });

  it('matches anything but the values of a list of strings or numbers', () => {
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matchesPattern(states, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(states, withDetail({ state: 'stopped' }))).toBe(false);
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(limits, withDetail({ 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(limits, withDetail({ 'x-limit': 200 }))).toBe(false);
  });

  it('does not match anything-but when the field is absent', () => {
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({}))).toBe(false);
  });

  it('matches anything but a prefix, a suffix, an ignore-case list or a wildcard', () => {
    const prefix = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matchesPattern(prefix, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(prefix, withDetail({ state: 'initializing' }))).toBe(false);
    const suffix = { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } };
    expect(matchesPattern(suffix, withDetail({ FileName: 'notes.md' }))).toBe(true);
    expect(matchesPattern(suffix, withDetail({ FileName: 'notes.txt' }))).toBe(false);
    const ignoreCase = { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } };
    expect(matchesPattern(ignoreCase, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(ignoreCase, withDetail({ state: 'STOPPED' }))).toBe(false);
    const wildcard = { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } };
    expect(matchesPattern(wildcard, withDetail({ FilePath: '/usr/bin/tool' }))).toBe(true);
    expect(matchesPattern(wildcard, withDetail({ FilePath: '/usr/lib/tool' }))).toBe(false);
  });

  it('matches numeric ranges and equality', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 7, 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 0, 'd-count': 7, 'x-limit': 301.8 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 }))).toBe(false);
    // A number written as a string is not a number.
    expect(matchesPattern(pattern, withDetail({ 'c-count': '5', 'd-count': 7, 'x-limit': 301.8 }))).toBe(false);
  });

  it('matches an IP address in a CIDR block', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.0.255' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.1.1' }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: 'not an ip' }))).toBe(false);
  });

  it('matches on the existence of a leaf field', () => {
    const event = withDetail({ state: 'initializing' });
    expect(matchesPattern({ detail: { state: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { state: [{ exists: false }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { other: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { other: [{ exists: true }] } }, event)).toBe(false);
  });

  it('treats an intermediate object as absent for exists, since exists works on leaf nodes only', () => {
    const event = withDetail({ 'c-count': { c1: 100 } });
    expect(matchesPattern({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, event)).toBe(false);
  });

  it('matches equals-ignore-case', () => {
    expect(matchesPattern({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, ec2Event)).toBe(true);
    expect(matchesPattern({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance launch' }] }, ec2Event)).toBe(false);
  });

  it('matches wildcards, with escaped stars taken literally', () => {
    const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(matchesPattern(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' })).toBe(true);
    expect(matchesPattern(pattern, { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' })).toBe(false);
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'a*b' })).toBe(true);
    expect(matchesPattern({ name: [{ wildcard: 'a\\*b' }] }, { name: 'axxb' })).toBe(false);
    expect(matchesPattern({ name: [{ wildcard: 'dir/*.png' }] }, { name: 'dir/a.b.png' })).toBe(true);
  });

  it('matches empty strings and null values, which are not interchangeable', () => {
    const event = { ...ec2Event, detail: { eventVersion: '', responseElements: null } };
    expect(matchesPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { responseElements: [''] } }, event)).toBe(false);
  });

  it('combines several comparisons on one event (the guide\'s complex example)', () => {
    const event = {
      ...ec2Event,
      time: '2017-10-02T18:43:48Z',
      detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-123', state: 'running' },
    };
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { ...event.detail, state: 'initializing' } })).toBe(false);
  });

  it('matches $or when any alternative matches, combined with sibling fields', () => {
    const or = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    expect(matchesPattern(or, withDetail({ 'c-count': 50, 'd-count': 50, 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(or, withDetail({ 'c-count': 50, 'd-count': 5 }))).toBe(true);
    expect(matchesPattern(or, withDetail({ 'c-count': 50, 'd-count': 50, 'x-limit': 1 }))).toBe(false);

    const topLevel = {
      source: ['aws.ec2'],
      $or: [{ 'detail-type': ['EC2 Instance Launch Successful'] }, { detail: { state: ['terminated'] } }],
    };
    expect(matchesPattern(topLevel, ec2Event)).toBe(true);
    expect(matchesPattern(topLevel, { ...ec2Event, source: 'aws.s3' })).toBe(false);
    expect(matchesPattern(topLevel, withDetail({ state: 'running' }))).toBe(false);
  });

  it('matches only the exact type: a string is not a number or a boolean', () => {
    expect(matchesPattern({ detail: { n: [5] } }, withDetail({ n: '5' }))).toBe(false);
    expect(matchesPattern({ detail: { n: [5] } }, withDetail({ n: 5 }))).toBe(true);
    expect(matchesPattern({ detail: { b: [true] } }, withDetail({ b: 'true' }))).toBe(false);
  });
});

describe('validatePattern', () => {
  it('accepts every pattern used above', () => {
    expect(validatePattern({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } })).toEqual([]);
    expect(validatePattern({ detail: { c: [{ numeric: ['>=', 0, '<', 1] }] } })).toEqual([]);
  });

  it('rejects malformed patterns with the offending path', () => {
    const cases: [unknown, string][] = [
      ['nope', '(pattern)'],
      [{}, '(pattern)'],
      [{ source: 'aws.ec2' }, 'source'],
      [{ source: [] }, 'source'],
      [{ detail: { state: [{ prefix: 1 }] } }, 'detail.state[0].prefix'],
      [{ detail: { state: [{ unknown: 'x' }] } }, 'detail.state[0]'],
      [{ detail: { state: [{ prefix: 'a', suffix: 'b' }] } }, 'detail.state[0]'],
      [{ detail: { n: [{ numeric: ['>', 5, '<', 1] }] } }, 'detail.n[0].numeric'],
      [{ detail: { n: [{ numeric: ['~', 5] }] } }, 'detail.n[0].numeric'],
      [{ detail: { n: [{ numeric: ['>', 1, '>', 2] }] } }, 'detail.n[0].numeric'],
      [{ detail: { n: [{ 'anything-but': ['a', 1] }] } }, 'detail.n[0].anything-but'],
      [{ detail: { n: [{ 'anything-but': { numeric: ['>', 1] } }] } }, 'detail.n[0].anything-but'],
      [{ detail: { n: [{ exists: 'yes' }] } }, 'detail.n[0].exists'],
      [{ detail: { n: [{ wildcard: 'a**b' }] } }, 'detail.n[0].wildcard'],
      [{ detail: { ip: [{ cidr: '10.0.0.0/33' }] } }, 'detail.ip[0].cidr'],
      [{ $or: [{ source: ['a'] }] }, '$or'],
      [{ detail: { nested: [['a']] } }, 'detail.nested[0]'],
    ];
    for (const [pattern, path] of cases) {
      const issues = validatePattern(pattern);
      expect(issues.map((i) => i.path), JSON.stringify(pattern)).toContain(path);
    }
  });

  it('throws EventPatternError from assertValidPattern and matchesPattern', () => {
    expect(() => assertValidPattern({ source: 'x' })).toThrow(EventPatternError);
    expect(() => matchesPattern({ source: 'x' }, ec2Event)).toThrow(/source: values to match must be in an array/);
  });
});

describe('matchesPattern properties', () => {
  it('matches anything-but a list exactly when the exact-match pattern does not, for a present string field', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (value, list) => {
        const event = { detail: { f: value } };
        const exact = matchesPattern({ detail: { f: list } }, event);
        const but = matchesPattern({ detail: { f: [{ 'anything-but': list }] } }, event);
        return exact !== but;
      }),
    );
  });

  it('matches a prefix exactly when the value starts with it, and a wildcard without stars only on equality', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (value, p) => {
        const event = { v: value };
        const literal = p.replace(/[\\*]/g, (c) => `\\${c}`);
        return (
          matchesPattern({ v: [{ prefix: p }] }, event) === value.startsWith(p) &&
          matchesPattern({ v: [{ wildcard: literal }] }, event) === (value === p)
        );
      }),
    );
  });
});
