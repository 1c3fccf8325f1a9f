/** A request to place one outbound call through the SIP media application. */
export interface PlaceCallRequest {
  /** E.164 caller number (one of the instance's numbers). */
  fromPhoneNumber: string;
  /** E.164 callee number. */
  toPhoneNumber: string;
  /** Travels to the SMA handler as the call's arguments (strings only, as Chime requires). */
  arguments: Record<string, string>;
}

/** Outcome of placing a call: expected failures are values. */
export type PlaceCallResult =
  | { ok: true; transactionId: string }
  | { ok: false; reason: 'throttled' | 'rejected' | 'unavailable'; message: string; retryable: boolean };

/** Commands sent to a call in progress (UpdateSipMediaApplicationCall). */
export interface UpdateCallRequest {
  transactionId: string;
  arguments: Record<string, string>;
}

/** The telephony port (Chime SDK Voice). */
export interface Telephony {
  /** Places a call (CreateSipMediaApplicationCall). */
  placeCall(request: PlaceCallRequest): Promise<PlaceCallResult>;
  /** Sends arguments to a call in progress (e.g. hang up on stop). */
  updateCall(request: UpdateCallRequest): Promise<{ ok: boolean; message?: string }>;
}
