/** What starts a campaign's dispatch loop. */
export interface StartCampaignLoopInput {
  instanceId: string;
  campaignId: string;
  /** Run number of the campaign (a resumed or restarted campaign gets a new run). */
  run: number;
}

/** The workflow port (Step Functions semantics: named executions, a name used once). */
export interface Workflows {
  /** Starts the dispatch loop of a campaign; idempotent per (campaignId, run). */
  startCampaignLoop(input: StartCampaignLoopInput): Promise<void>;
}
