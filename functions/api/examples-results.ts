/** Worked examples of the results routes (statistics, report, exports, call detail), taken from a seeded campaign's real answers. */
/** The statistics answer (seed 001's shape and its camel-cased twin). */
export const STATISTICS_EXAMPLE = {"code": 200, "status": "success", "message": "获取外呼任务数据统计成功", "data": {"answer_rate": {"answered": 2, "noAnswer": 2, "callCompletetRate": 50, "taskProgress": 80}, "intention": [{"intention_results": 1, "name": "A级(有明确意向)", "total": 0, "percent": 0}, {"intention_results": 2, "name": "B级(可能有意向)", "total": 2, "percent": 100}, {"intention_results": 3, "name": "C级(明确拒绝)", "total": 0, "percent": 0}, {"intention_results": 4, "name": "D级(用户在忙)", "total": 0, "percent": 0}, {"intention_results": 5, "name": "E级(其他)", "total": 0, "percent": 0}], "number_status": [{"status": 0, "status_str": "等待呼叫", "count": 1}, {"status": 1, "status_str": "呼叫成功", "count": 2}, {"status": 2, "status_str": "运营商拦截", "count": 0}, {"status": 3, "status_str": "拒接", "count": 0}, {"status": 4, "status_str": "无应答、无人接听", "count": 1}, {"status": 5, "status_str": "空号", "count": 0}, {"status": 6, "status_str": "关机", "count": 0}, {"status": 7, "status_str": "停机", "count": 0}, {"status": 8, "status_str": "占线、用户正忙", "count": 0}, {"status": 9, "status_str": "呼入限制", "count": 0}, {"status": 10, "status_str": "欠费", "count": 0}, {"status": 11, "status_str": "黑名单", "count": 1}, {"status": 12, "status_str": "用户屏蔽", "count": 0}], "rounds": {"1": 0, "2~5": 3, "6~10": 0, "11~20": 0, ">20": 0}}, "statistics": {"campaignId": "cmp_01KE6P4YM09TZNVEB9MX6ZH5NP", "range": null, "answerRate": {"answered": 2, "noAnswer": 2, "callCompleteRate": 50, "taskProgress": 80}, "intentions": [{"grade": "A", "code": 1, "name": "A (clear intent)", "total": 0, "percent": 0}, {"grade": "B", "code": 2, "name": "B (possible intent)", "total": 2, "percent": 100}, {"grade": "C", "code": 3, "name": "C (clearly refused)", "total": 0, "percent": 0}, {"grade": "D", "code": 4, "name": "D (busy)", "total": 0, "percent": 0}, {"grade": "E", "code": 5, "name": "E (other)", "total": 0, "percent": 0}], "numberStatus": [{"status": 0, "statusText": "waiting to be called", "count": 1}, {"status": 1, "statusText": "answered", "count": 2}, {"status": 2, "statusText": "blocked by the carrier or line", "count": 0}, {"status": 3, "statusText": "declined", "count": 0}, {"status": 4, "statusText": "no answer", "count": 1}, {"status": 5, "statusText": "number does not exist", "count": 0}, {"status": 6, "statusText": "powered off", "count": 0}, {"status": 7, "statusText": "out of service", "count": 0}, {"status": 8, "statusText": "busy", "count": 0}, {"status": 9, "statusText": "call limit reached", "count": 0}, {"status": 10, "statusText": "in arrears", "count": 0}, {"status": 11, "statusText": "on the do-not-call list", "count": 1}, {"status": 12, "statusText": "caller blocked by the user", "count": 0}], "rounds": {"1": 0, "2~5": 3, "6~10": 0, "11~20": 0, ">20": 0}, "measures": {"validNumbers": 5, "callsPlaced": 6, "numbersDialled": 4, "numbersAnswered": 2, "answerRate": 40, "numbersSucceeded": 1, "successRate": 20, "successDefinition": "promise to pay"}}};

/** The report answer (R3). */
export const REPORT_EXAMPLE = {"campaignId": "cmp_01KE6P4YM09TZNVEB9MX6ZH5NP", "campaignName": "March payment reminders", "state": "running", "scenario": {"scenarioId": "scn_01KE6P4YM0J1HQP23RN5X5FEW6", "version": 1, "name": "Payment reminder"}, "range": null, "execution": {"jobCompletion": {"completed": 4, "total": 5, "rate": 80}, "answerRate": {"answered": 3, "placed": 6, "rate": 50}, "dialogCompletion": {"completed": 2, "answered": 3, "rate": 66.67}, "transferRate": {"transferred": 1, "answered": 3, "rate": 33.33}}, "measures": {"validNumbers": 5, "callsPlaced": 6, "numbersDialled": 4, "numbersAnswered": 2, "answerRate": 40, "numbersSucceeded": 1, "successRate": 20, "successDefinition": "promise to pay"}, "progress": {"total": 5, "completed": 4, "succeeded": 1, "failed": 3, "cancelled": 0, "notAnswered": 2, "suspended": 0, "notStarted": 1, "inProgress": 0, "callsPlaced": 6, "callsAnswered": 3, "answerRate": 50, "jobAnswerRate": 50}, "topIntents": [{"name": "~noMatch", "label": "no match", "count": 2, "noMatch": true, "percent": 33.33}, {"name": "cannot_pay", "label": "cannot_pay", "count": 1, "percent": 16.67}, {"name": "deny", "label": "deny", "count": 1, "percent": 16.67}, {"name": "purpose", "label": "purpose", "count": 1, "percent": 16.67}, {"name": "stop", "label": "stop", "count": 1, "percent": 16.67}], "topHangupNodes": [{"name": "refused", "label": "refused", "count": 1, "percent": 100}], "topIntentsAfterNoMatch": [{"name": "purpose", "label": "purpose", "count": 1, "percent": 100}], "funnel": {"dialled": 6, "answered": 3, "notAnswered": 3, "silentHangup": 0, "effectiveInteraction": 3, "mainFlowCompleted": 2, "mainFlowHangup": 1, "userHangup": 1, "noMatchHangup": 0, "timeoutHangup": 0, "otherEnd": 0}, "intentions": [{"grade": "A", "name": "A (clear intent)", "total": 0, "percent": 0}, {"grade": "B", "name": "B (possible intent)", "total": 2, "percent": 100}, {"grade": "C", "name": "C (clearly refused)", "total": 0, "percent": 0}, {"grade": "D", "name": "D (busy)", "total": 0, "percent": 0}, {"grade": "E", "name": "E (other)", "total": 0, "percent": 0}], "rounds": {"1": 0, "2~5": 3, "6~10": 0, "11~20": 0, ">20": 0}, "tags": [{"name": "promise", "values": [{"value": "today", "count": 2, "percent": 100}, {"value": "later", "count": 0, "percent": 0}, {"value": "refused", "count": 0, "percent": 0}], "other": 0, "total": 2}], "variables": [{"name": "region", "values": [{"value": "east", "count": 2, "percent": 50}, {"value": "", "count": 1, "percent": 25}, {"value": "south", "count": 1, "percent": 25}], "other": 0, "total": 4, "source": "contact"}, {"name": "promiseDate", "values": [{"value": "tomorrow", "count": 2, "percent": 100}], "other": 0, "total": 2, "source": "captured"}], "flow": [{"nodeId": "identity", "name": "identity", "kind": "branch", "reached": 1, "turns": 1, "matched": 0, "noMatch": 0, "silence": 1, "globalQuestion": 0, "hangup": 0, "userHangup": 0}, {"nodeId": "reminder", "name": "reminder", "kind": "branch", "reached": 1, "turns": 0, "matched": 0, "noMatch": 0, "silence": 0, "globalQuestion": 0, "hangup": 1, "userHangup": 0}, {"nodeId": "askDate", "name": "askDate", "kind": "branch", "reached": 2, "turns": 1, "matched": 0, "noMatch": 0, "silence": 0, "globalQuestion": 1, "hangup": 1, "userHangup": 0}], "averages": {"talkSeconds": 192.23, "ringSeconds": 17.25, "turns": 4}, "timeline": [{"at": "2026-01-05", "calls": 1, "answered": 1, "completed": 1, "succeeded": 1, "answerRate": 100}, {"at": "2026-01-06", "calls": 4, "answered": 1, "completed": 1, "succeeded": 0, "answerRate": 25}, {"at": "2026-01-07", "calls": 1, "answered": 1, "completed": 0, "succeeded": 0, "answerRate": 100}]};

const campaignId = 'cmp_01KE6P4YM09TZNVEB9MX6ZH5NP';
const instanceId = 'in_01KE6P4YM0C4Q8W2E6R9T1Y3UJ';
const exportId = 'exp_01KE6P9A1B2C3D4E5F6G7H8J9K';
const callId = 'call_01KE6P5Q1B3ZK6Y8W0M2D4T7HF';
const jobId = 'job_01KE6P4YM08TMR0801A0FJJ6EQ';
const at = '2026-01-05T09:00:00.000Z';

const queuedExport = {
  exportId, instanceId, campaignId, campaignName: 'March payment reminders', kind: 'callLog', format: 'csv', language: 'en', status: 'queued', phase: 'collect',
  percent: 0, jobsRead: 0, jobsTotal: 5, rows: 0, fileName: 'March-payment-reminders-call-log-2026-01-05.csv', requestedBy: 'apiKey', createdAt: at, updatedAt: at,
};
const completedExport = {
  ...queuedExport, status: 'completed', phase: 'done', percent: 100, jobsRead: 5, rows: 6, key: `exports/${instanceId}/${exportId}/March-payment-reminders-call-log-2026-01-05.csv`,
  size: 1830, updatedAt: '2026-01-05T09:00:04.000Z', finishedAt: '2026-01-05T09:00:04.000Z',
  download: { url: 'https://data.example/…?X-Amz-Signature=…', expiresAt: '2026-01-05T09:15:04.000Z' },
};
const call = {
  callId, instanceId, campaignId, jobId, attempt: 1, caller: '+14155550900', callee: '+14155550101', referenceId: 'PT-1001',
  dialledAt: '2026-01-05T09:00:02.000Z', answeredAt: '2026-01-05T09:00:09.000Z', endedAt: '2026-01-05T09:00:41.000Z',
  ringSeconds: 7, talkSeconds: 32, turns: 2, answered: true, completed: true, transferred: false, hangupParty: 'robot', status: 'Succeeded',
  tags: { promise: 'today' }, noMatchHangup: false,
};

/** Examples of the results routes by `METHOD /path` (merged into ROUTE_EXAMPLES). */
export const RESULT_ROUTE_EXAMPLES = {
  'GET /campaigns/{campaignId}/statistics': { params: { campaignId }, response: STATISTICS_EXAMPLE },
  'GET /campaigns/{campaignId}/report': { params: { campaignId }, query: { from: '2026-01-05', to: '2026-01-07' }, response: { ...REPORT_EXAMPLE, range: { from: '2026-01-05', to: '2026-01-07' } } },
  'GET /campaigns/{campaignId}/report.html': {
    params: { campaignId },
    download: { contentType: 'text/html; charset=utf-8', text: '<!doctype html><html lang="en"><head><title>Campaign report</title>…' },
    produces: ['text/html; charset=utf-8'],
  },
  'GET /report-assets/{file}': { params: { file: 'chart.umd.js' }, download: { contentType: 'text/javascript; charset=utf-8', text: '/*! Chart.js … */' }, produces: ['text/javascript; charset=utf-8', 'text/css; charset=utf-8'] },
  'POST /campaigns/{campaignId}/exports': { params: { campaignId }, body: { kind: 'callLog', format: 'csv', language: 'en' }, response: queuedExport },
  'GET /campaigns/{campaignId}/exports': { params: { campaignId }, query: { limit: '20' }, response: { items: [completedExport] } },
  'GET /exports': { query: { limit: '20' }, response: { items: [completedExport] } },
  'GET /exports/{exportId}': { params: { exportId }, response: completedExport },
  'GET /calls/{callId}/detail': {
    params: { callId },
    response: {
      call,
      job: { jobId, status: 'Succeeded', attempts: 1, contact: { phone: '+14155550101', name: 'Ann', referenceId: 'PT-1001' } },
      campaign: { campaignId, name: 'March payment reminders' },
      transcript: [
        { callId, index: 0, time: '2026-01-05T09:00:09.500Z', nodeId: 'reminder', nodeName: 'Reminder', prompt: 'Hello Ann, your payment of $120 is due.', outcome: 'prompt' },
        { callId, index: 1, time: '2026-01-05T09:00:16.000Z', nodeId: 'reminder', nodeName: 'Reminder', prompt: 'Can you pay today?', userText: 'yes today', intent: 'payToday', score: 0.91, outcome: 'matched' },
      ],
      tags: { promise: 'today' },
      hangup: { party: 'robot', nodeId: 'payToday', nodeName: 'Pay today', reason: 'node' },
      recording: { url: 'https://recordings.example/…?X-Amz-Signature=…', expiresAt: '2026-01-05T09:05:00.000Z' },
    },
  },
};
