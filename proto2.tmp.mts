import { parquetWriteBuffer } from 'hyparquet-writer';
import { gzipSync } from 'node:zlib';
const n = 100000;
const cols: Record<string, any[]> = {};
const S = (name: string, f: (i: number) => any) => { cols[name] = Array.from({ length: n }, (_, i) => f(i)); };
S('call_id', i => `c_${i.toString(36)}_${(i*7919%100000).toString(36)}`);
S('dialled_at', i => new Date(1767600000000 + i * 1000).toISOString());
S('status', i => ['Succeeded','NoAnswer','Busy'][i%3]);
S('attempt', i => i % 5); S('ring', i => (i % 600) / 10); S('ans', i => i % 2 === 0);
S('ref', i => i % 2 ? `reference-${i % 1000}` : null);
const typeOf: Record<string,string> = { attempt: 'INT32', ring: 'DOUBLE', ans: 'BOOLEAN' };
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b, { level: 1 }));
for (let r = 0; r < 5; r++) {
const t0 = performance.now();
parquetWriteBuffer({ columnData: Object.keys(cols).map(k => ({ name: k, data: cols[k]!, type: (typeOf[k] ?? 'STRING') as any })), statistics: false, codec: 'GZIP', compressors: { GZIP: gz } });
console.log(Math.round(n / (performance.now() - t0) * 1000));
}
