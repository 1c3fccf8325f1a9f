import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSecret, isSecret, signature, signedHeaders, verifySignature } from '../../../lib/webhooks/signing';

// The Standard Webhooks specification's published test vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  it('reproduces the specification test vector, so any Standard Webhooks library verifies our deliveries', () => {
    expect(signature(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
    expect(verifySignature(VECTOR.secret, headers, VECTOR.body, VECTOR.timestamp + 10)).toEqual({ ok: true });
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(isSecret(a)).toBe(true);
    expect(generateSecret()).not.toBe(a);
    expect(isSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isSecret('sk_live_x')).toBe(false);
  });

  it('signs with every secret in use, and each one verifies alone (secret rotation)', () => {
    const [next, previous] = [generateSecret(), generateSecret()];
    const headers = signedHeaders([next, previous], 'evt1', 1_767_600_000, '{"a":1}');
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifySignature(next, headers, '{"a":1}', 1_767_600_000)).toEqual({ ok: true });
    expect(verifySignature(previous, headers, '{"a":1}', 1_767_600_000)).toEqual({ ok: true });
    expect(verifySignature(generateSecret(), headers, '{"a":1}', 1_767_600_000)).toEqual({ ok: false, reason: 'no matching signature' });
  });

  it('refuses a tampered body, an old timestamp and missing headers', () => {
    const secret = generateSecret();
    const headers = signedHeaders([secret], 'evt1', 1_767_600_000, '{"a":1}');
    expect(verifySignature(secret, headers, '{"a":2}', 1_767_600_000)).toMatchObject({ ok: false });
    expect(verifySignature(secret, headers, '{"a":1}', 1_767_600_000 + 301)).toEqual({ ok: false, reason: 'timestamp out of tolerance' });
    expect(verifySignature(secret, { ...headers, 'webhook-id': undefined }, '{"a":1}', 1_767_600_000)).toEqual({ ok: false, reason: 'missing headers' });
    expect(verifySignature(secret, { ...headers, 'webhook-timestamp': 'soon' }, '{"a":1}', 1_767_600_000)).toEqual({ ok: false, reason: 'bad timestamp' });
  });

  it('verifies what it signs for any id, time and body (property)', () => {
    const secret = generateSecret();
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.integer({ min: 0, max: 4_000_000_000 }), fc.string({ maxLength: 2000 }), (id, ts, body) => {
        const headers = signedHeaders([secret], id, ts, body);
        expect(verifySignature(secret, headers, body, ts)).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });
});
