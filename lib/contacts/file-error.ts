import { ReachoutError } from '../core/errors';

/** A contact file that cannot be read; the message names the problem for the person who sent it (400). */
export class ContactFileError extends ReachoutError {
  override readonly name = 'ContactFileError';
  constructor(message: string, cause?: unknown) {
    super('InvalidFile', message, 400, {}, [{ path: '(file)', message }], cause === undefined ? undefined : { cause });
  }
}
