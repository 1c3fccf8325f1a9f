import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/core/errors';
import { isPrivateAddress, validateEndpoint } from '../../../lib/webhooks/url';

describe('validateEndpoint', () => {
  it('accepts https to a public host, deployed and locally', () => {
    expect(validateEndpoint('https://crm.example.com/hooks?x=1', { local: false })).toBe('https://crm.example.com/hooks?x=1');
    expect(validateEndpoint('https://crm.example.com:8443/h', { local: true })).toBe('https://crm.example.com:8443/h');
  });

  it('accepts http to the loopback interface only on the local runtime', () => {
    expect(validateEndpoint('http://127.0.0.1:4000/hook', { local: true })).toBe('http://127.0.0.1:4000/hook');
    expect(validateEndpoint('http://localhost:4000/hook', { local: true })).toBe('http://localhost:4000/hook');
    expect(() => validateEndpoint('http://127.0.0.1:4000/hook', { local: false })).toThrow(/https/);
    expect(() => validateEndpoint('http://crm.example.com/hook', { local: true })).toThrow(/https/);
  });

  it('refuses private and loopback hosts, credentials, fragments and other schemes when deployed, naming the field', () => {
    for (const url of ['https://10.0.0.5/h', 'https://169.254.169.254/latest', 'https://[::1]/h', 'https://localhost/h', 'https://192.168.1.2/h', 'https://[fd00::1]/h']) {
      expect(() => validateEndpoint(url, { local: false }), url).toThrow(/public host/);
    }
    expect(() => validateEndpoint('https://user:pw@crm.example.com/h', { local: false })).toThrow(/credentials/);
    expect(() => validateEndpoint('https://crm.example.com/h#x', { local: false })).toThrow(/fragment/);
    expect(() => validateEndpoint('ftp://crm.example.com/h', { local: false })).toThrow(/https/);
    expect(() => validateEndpoint('not a url', { local: false })).toThrow(/valid URL/);
    try {
      validateEndpoint('https://10.0.0.5/h', { local: false });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details).toEqual([{ path: 'url', message: 'must point at a public host' }]);
    }
  });

  it('tells private address literals from public ones', () => {
    expect(isPrivateAddress('172.16.0.1')).toBe(true);
    expect(isPrivateAddress('172.32.0.1')).toBe(false);
    expect(isPrivateAddress('100.64.0.1')).toBe(true);
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('[::ffff:10.1.2.3]')).toBe(true);
    expect(isPrivateAddress('example.com')).toBe(false);
  });
});
