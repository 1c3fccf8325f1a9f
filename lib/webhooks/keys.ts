/**
 * Keys of the webhook items in the single table (docs/data-model.md, "Webhooks"). They live beside
 * lib/store/keys.ts's builders and follow the same rule: every key starts with `I#<instanceId>`.
 * gsi1 is shared with the due queue by partition prefix (`…#WH#<id>#LOG` never collides with `…#DUE#…`).
 */
export const webhookKeys = {
  /** Partition of an instance's webhooks. */
  webhooks: (instanceId: string) => `I#${instanceId}#WH`,
  /** A webhook subscription. */
  webhook: (instanceId: string, webhookId: string) => ({ pk: `I#${instanceId}#WH`, sk: `WH#${webhookId}` }),
  /** The delivery state of one event to one webhook (one item per event, updated per attempt). */
  delivery: (instanceId: string, webhookId: string, eventId: string) => ({ pk: `I#${instanceId}#WH#${webhookId}#DLV`, sk: `E#${eventId}` }),
  /** gsi1 partition of a webhook's delivery log, sorted by `<first attempt ISO time>#<eventId>`. */
  deliveryLog: (instanceId: string, webhookId: string) => `I#${instanceId}#WH#${webhookId}#LOG`,
  /** A dead-lettered delivery, holding the event for redelivery, sorted by when it was dead-lettered. */
  deadLetter: (instanceId: string, webhookId: string, atIso: string, eventId: string) => ({ pk: `I#${instanceId}#WH#${webhookId}#DEAD`, sk: `${atIso}#${eventId}` }),
  /** Partition of a webhook's dead letters. */
  deadLetters: (instanceId: string, webhookId: string) => `I#${instanceId}#WH#${webhookId}#DEAD`,
};
