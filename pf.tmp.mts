import { writeParquet } from './lib/analytics/parquet';
const n = 200000;
const ints = ['attempt','turns','sip_code','scenario_version']; const dbls = ['ring_seconds','talk_seconds']; const bools = ['answered','completed','transferred','no_match_hangup'];
const strs = ['reference_id','scenario_id','planned_at','rung_at','answered_at','hangup_party','hangup_reason','recording_key','event_id','event_time','intent_grade', 'transaction_id'];
const rows: any[] = [];
for (let i = 0; i < n; i++) {
  const r: any = { call_id: `c_${i.toString(36)}_${(i*7919%100000).toString(36)}`, campaign_id: `cmp_${i % 10}`, job_id: `job_${Math.floor(i/2)}`, caller: '+12065550100', callee: `+1206555${String(i%10000).padStart(4,'0')}`,
    dialled_at: new Date(1767600000000 + i * 1000).toISOString(), ended_at: i % 3 ? new Date(1767600000000 + i * 1000 + 60000).toISOString() : null, status: ['Succeeded','NoAnswer','Busy'][i%3], hangup_node: i%3 ? `node_${i%17}` : null, tags: i % 3 ? { grade: 'A', k: String(i % 5) } : {} };
  for (const k of ints) r[k] = i % 5; for (const k of dbls) r[k] = (i % 600) / 10; for (const k of bools) r[k] = i % 2 === 0; for (const k of strs) r[k] = i % 2 ? `${k}-${i % 1000}` : null;
  rows.push(r);
}
const cols = Object.keys(rows[1]).map(name => ({ name, type: name === 'tags' ? 'map<string,string>' : ints.includes(name) ? 'int' : dbls.includes(name) ? 'double' : bools.includes(name) ? 'boolean' : 'string' })) as any;
for (let k = 0; k < 4; k++) {
  const t0 = performance.now();
  const buf = writeParquet(cols, rows, { gzipLevel: 1 });
  console.log(cols.length, 'cols rows/s', Math.round(n / (performance.now() - t0) * 1000), 'MB', (buf.byteLength / 1e6).toFixed(1));
}
