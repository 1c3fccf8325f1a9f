import { parquetWriteBuffer } from 'hyparquet-writer';
import { gzipSync } from 'node:zlib';
const n = 100000;
const cols: Record<string, any[]> = {};
const S = (name: string, f: (i: number) => any) => { cols[name] = Array.from({ length: n }, (_, i) => f(i)); };
S('call_id', i => `c_${i.toString(36)}_${(i*7919%100000).toString(36)}`);
S('campaign_id', i => `cmp_${i % 10}`); S('job_id', i => `job_${Math.floor(i/2)}`);
S('caller', i => '+12065550100'); S('callee', i => `+1206555${String(i%10000).padStart(4,'0')}`);
S('dialled_at', i => new Date(1767600000000 + i * 1000).toISOString()); S('ended_at', i => i % 3 ? new Date(1767600000000 + i * 1000 + 60000).toISOString() : null);
S('status', i => ['Succeeded','NoAnswer','Busy'][i%3]); S('hangup_node', i => i%3 ? `node_${i%17}` : null);
const ints = ['attempt','turns','sip_code','scenario_version']; for (const k of ints) S(k, i => i % 5);
const dbls = ['ring_seconds','talk_seconds']; for (const k of dbls) S(k, i => (i % 600) / 10);
const bools = ['answered','completed','transferred','no_match_hangup']; for (const k of bools) S(k, i => i % 2 === 0);
const strs = ['reference_id','scenario_id','planned_at','rung_at','answered_at','hangup_party','hangup_reason','recording_key','event_id','event_time','intent_grade', 'transaction_id']; for (const k of strs) S(k, i => i % 2 ? `${k}-${i % 1000}` : null);
const phys = (k: string) => ints.includes(k) ? { type: 'INT32' } : dbls.includes(k) ? { type: 'DOUBLE' } : bools.includes(k) ? { type: 'BOOLEAN' } : { type: 'BYTE_ARRAY', converted_type: 'UTF8' };
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b, { level: 1 }));
function bulk(values: (string | null)[]): (Uint8Array | null)[] {
  // one native encode for the whole column, then views
  let ascii = true; let total = 0;
  for (const v of values) if (v !== null) { total += v.length; }
  const buf = Buffer.allocUnsafe(total * 3);
  const out: (Uint8Array | null)[] = new Array(values.length);
  let off = 0;
  for (let i = 0; i < values.length; i++) { const v = values[i]; if (v === null || v === undefined) { out[i] = null; continue; } const w = buf.write(v, off); out[i] = buf.subarray(off, off + w); off += w; }
  return out;
}
for (let r = 0; r < 3; r++) {
const t0 = performance.now();
const keys = Object.keys(cols);
const columnData = keys.map(k => { const p = phys(k); return { name: k, data: p.type === 'BYTE_ARRAY' ? bulk(cols[k]!) : cols[k]! }; });
const schema = [{ name: 'root', num_children: keys.length }, ...keys.map(k => ({ name: k, repetition_type: 'OPTIONAL', ...phys(k) }))];
const buf = parquetWriteBuffer({ columnData: columnData as any, schema: schema as any, statistics: false, codec: 'GZIP', compressors: { GZIP: gz } });
console.log('rows/s', Math.round(n / (performance.now() - t0) * 1000), (buf.byteLength/1e6).toFixed(1));
}
