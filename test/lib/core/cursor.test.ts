import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cursorBinding, cursorKey, decodeCursorState, encodeCursorState, openCursor, sealCursor } from '../../../lib/core/cursor';
import { InvalidCursorError } from '../../../lib/core/errors';

const key = cursorKey('a test secret');
const binding = cursorBinding({ instanceId: 'in_a', route: 'GET /scenarios', filters: { status: 'x' } });

describe('sealed cursors', () => {
  it('open what they sealed, with the same binding', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (inner) => {
        expect(openCursor(key, binding, sealCursor(key, binding, inner))).toBe(inner);
      }),
    );
  });

  it('are opaque: the inner cursor does not show through', () => {
    const inner = Buffer.from(JSON.stringify('I#in_a#DNC\u0000+14155550199')).toString('base64url');
    const sealed = sealCursor(key, binding, inner);
    expect(sealed).not.toContain(inner.slice(0, 12));
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('+1415');
  });

  it('refuse any altered character', () => {
    const sealed = sealCursor(key, binding, 'eyJkYXkiOiIyMDI2LTAxLTA1In0');
    fc.assert(
      fc.property(fc.nat(sealed.length - 1), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (at, c) => {
        fc.pre(sealed[at] !== c);
        const altered = sealed.slice(0, at) + c + sealed.slice(at + 1);
        let inner: string | undefined;
        try {
          inner = openCursor(key, binding, altered);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidCursorError);
          return;
        }
        // The last character of base64url may carry unused bits: same bytes, same cursor.
        expect(Buffer.from(altered, 'base64url').equals(Buffer.from(sealed, 'base64url'))).toBe(true);
        expect(inner).toBe('eyJkYXkiOiIyMDI2LTAxLTA1In0');
      }),
    );
  });

  it('refuse another query, instance or secret', () => {
    const sealed = sealCursor(key, binding, 'x');
    const others = [
      cursorBinding({ instanceId: 'in_b', route: 'GET /scenarios', filters: { status: 'x' } }),
      cursorBinding({ instanceId: 'in_a', route: 'GET /campaigns', filters: { status: 'x' } }),
      cursorBinding({ instanceId: 'in_a', route: 'GET /scenarios', filters: { status: 'y' } }),
      cursorBinding({ instanceId: 'in_a', route: 'GET /scenarios', filters: {} }),
    ];
    for (const other of others) expect(() => openCursor(key, other, sealed)).toThrow(InvalidCursorError);
    expect(() => openCursor(cursorKey('another secret'), binding, sealed)).toThrow(InvalidCursorError);
  });

  it('bind filters whatever their order', () => {
    const a = cursorBinding({ instanceId: 'i', route: 'r', filters: { a: '1', b: '2' } });
    const b = cursorBinding({ instanceId: 'i', route: 'r', filters: { b: '2', a: '1' } });
    expect(a).toBe(b);
  });

  it('answer any string with a value or InvalidCursorError, never another error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.base64String({ maxLength: 200 })), (s) => {
        // A plain boolean: vitest's expect is slow inside a hot property loop.
        try {
          openCursor(key, binding, s);
          return true;
        } catch (error) {
          return error instanceof InvalidCursorError;
        }
      }),
    );
  });
});

describe('cursor state', () => {
  const isPair = (v: unknown): v is [number, string | null] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'number';

  it('round-trips and refuses anything else with InvalidCursorError', () => {
    expect(decodeCursorState(encodeCursorState([3, 'abc']), isPair)).toEqual([3, 'abc']);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 40 })), (s) => {
        try {
          decodeCursorState(s, isPair);
          return true;
        } catch (error) {
          return error instanceof InvalidCursorError;
        }
      }),
    );
    expect(() => decodeCursorState(encodeCursorState({ day: 1 }), isPair)).toThrow(InvalidCursorError);
  });
});
