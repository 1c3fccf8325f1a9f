/** Webhooks (SPEC E2): subscriptions per instance, Standard Webhooks signatures, delivery with retries and dead letters. */
export * from './schema';
export { webhookKeys } from './keys';
export { generateSecret, isSecret, signature, signedHeaders, verifySignature, SECRET_PREFIX, type VerifyResult } from './signing';
export { validateEndpoint, isPrivateAddress } from './url';
export { DEFAULT_RETRY_SCHEDULE, nextStep, retryDelay, queueDelaySeconds, type RetrySchedule, type NextStep } from './retry';
export {
  handleDeliveryMessage,
  fetchHttp,
  payloadOf,
  signingSecrets,
  WebhookError,
  type DeliveryDeps,
  type WebhookHttp,
  type WebhookHttpRequest,
  type WebhookHttpResponse,
} from './delivery';
export * from './repository';
